"""The price of running evaluations in a worker process (isolation) instead of in-process.

Runs the same seeded search twice on the digits task, once in the search process
(``--executor inprocess``) and once in one forked worker (``--executor pool --workers 1``,
the default for a ``MODULE:FUNCTION`` task), and prints the seconds per trial of each, the
one-off cost of starting the worker (its fork and its first trial's data load), and whether
both evaluated the same networks. A few trials at one epoch are enough: the overhead is
per trial (a pipe round trip and a second bind in the worker) plus one fork. (The worker
trains with one torch thread, the search process with every core, so accuracies may
differ in the last digits.)

    python benchmarks/bench_isolation.py --trials 4
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

import archlang
from archlang.search import get_searcher, run_search
from archlang.tasks import get_task

ROOT = Path(__file__).resolve().parent.parent


def timed(executor: str, trials: int, epochs: int) -> tuple[list[float], list[tuple]]:
    space = archlang.load(ROOT / "examples" / "digits.arch").network()
    evaluate = functools.partial(get_task("digits").evaluate, epochs=epochs, seed=0)
    marks = [time.perf_counter()]
    study = run_search(space, evaluate, get_searcher("random", seed=0), trials,
                       lambda t, s: marks.append(time.perf_counter()), executor=executor)
    laps = [b - a for a, b in zip(marks, marks[1:])]
    return laps, [(t.assignment, t.metrics.get("val_accuracy")) for t in study.trials]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    get_task("digits").load_data()  # the in-process run must not pay for the data either
    inproc, a = timed("inprocess", args.trials, args.epochs)
    pool, b = timed("pool", args.trials, args.epochs)
    later = slice(1, None)
    print(f"in-process: {sum(inproc[later]) / len(inproc[later]):.3f} s/trial after the "
          f"first ({inproc[0]:.3f} s)")
    print(f"isolated:   {sum(pool[later]) / len(pool[later]):.3f} s/trial after the first "
          f"({pool[0]:.3f} s: fork + data load in the worker)")
    print(f"same networks: {[x for x, _ in a] == [x for x, _ in b]}; same accuracies: "
          f"{sum(x == y for x, y in zip(a, b))} of {len(a)}")


if __name__ == "__main__":
    main()

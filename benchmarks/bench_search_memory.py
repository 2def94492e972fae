"""Does a long search grow? Resident memory of a digits search, trial after trial.

Runs `run_search` in this process (no `--trial-timeout`, so every network is compiled and
trained here) on `examples/digits.arch` with the digits task and reads the resident set
size (VmRSS in /proc/self/status, Linux) after every trial. It prints the RSS after the
first trials, at a few checkpoints and at the end, the growth from trial 10 to the end, and
the peak (VmHWM).

    python benchmarks/bench_search_memory.py                       # 200 trials, 1 epoch
    python benchmarks/bench_search_memory.py --trials 50 --epochs 2
"""

from __future__ import annotations

import argparse
import functools
import gc
import time
from pathlib import Path

import archlang
from archlang.search import get_searcher, run_search
from archlang.search.resume import prepare_study
from archlang.search.storage import Storage
from archlang.tasks import get_task

ROOT = Path(__file__).resolve().parent.parent


def status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--storage", default=":memory:",
                        help="SQLite file for the trials (default: in memory)")
    args = parser.parse_args()

    space = archlang.load(ROOT / "examples" / "digits.arch").network()
    task = get_task("digits")
    evaluate = functools.partial(task.evaluate, epochs=args.epochs, seed=0)
    rss: list[float] = []

    def on_trial(trial, study) -> None:
        rss.append(status_mib("VmRSS"))

    store = prepare_study(Storage(args.storage), "memory", space).store
    start = time.perf_counter()
    study = run_search(space, evaluate, get_searcher("random", seed=0), args.trials,
                       on_trial, recorder=store, max_duplicates=10 * args.trials)
    seconds = time.perf_counter() - start
    gc.collect()
    print(f"{len(study.trials)} trials ({study.spent} evaluated, {len(study.failed)} "
          f"failed) in {seconds:.0f} s, {args.epochs} epoch(s) each")
    marks = sorted({1, 5, 10, 25, 50, 100, 150, len(rss)} & set(range(1, len(rss) + 1)))
    print("RSS after trial: " + ", ".join(f"{m}: {rss[m - 1]:.0f} MiB" for m in marks))
    base = rss[min(10, len(rss)) - 1]
    print(f"growth from trial 10 to the end: {rss[-1] - base:+.1f} MiB "
          f"({(rss[-1] - base) / max(1, len(rss) - 10) * 1024:+.0f} KiB per trial); "
          f"peak {status_mib('VmHWM'):.0f} MiB")


if __name__ == "__main__":
    main()

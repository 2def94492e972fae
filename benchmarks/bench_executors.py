"""Trials per second of the executors with a 0.2-second dummy evaluator (a sleep).

For each executor (in-process; the forked pool and Ray with 1 and 2 workers) one
`run_search` of grid search over 256 distinct networks, BUDGET trials, storage in
memory; wall time from the call to its return (Ray: the cluster is started before, its
actors inside the timed call). Printed per row: trials per second, the speed-up over the
same executor with one worker, and the scheduling overhead per trial: wall / trials -
0.2 s / workers. Rows are measured twice in alternating order; the better run is kept.

    python benchmarks/bench_executors.py            # BUDGET 40
    python benchmarks/bench_executors.py --budget 80
"""

from __future__ import annotations

import argparse
import os
import time

import archlang
from archlang.search import get_searcher, run_search

SLEEP = 0.2
CHAIN = "network chain() (x: [4]) {\n    h = x\n" + "".join(
    "    h = h -> linear(choice(2, 3, 4, 5)) -> relu()\n" for _ in range(4)) + \
    "    return h -> linear(2)\n}\n"


def sleepy(arch) -> dict:
    time.sleep(SLEEP)
    return {"val_accuracy": 0.5}


def wall(space, executor: str, workers: int, budget: int) -> float:
    start = time.perf_counter()
    study = run_search(space, sleepy, get_searcher("grid"), budget, executor=executor,
                       workers=workers)
    seconds = time.perf_counter() - start
    assert study.spent == budget, study.stopped
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=40)
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    space = archlang.parse(CHAIN).network()
    rows = [("inprocess", 1), ("pool", 1), ("pool", 2)]
    if not args.no_ray:
        try:
            import ray
        except ImportError:
            print("ray not installed: its rows are skipped")
        else:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                     logging_level="ERROR")
            rows += [("ray", 1), ("ray", 2)]
    print(f"load average before: {os.getloadavg()}")
    best: dict[tuple[str, int], float] = {}
    for round_ in range(2):
        for row in (rows if round_ == 0 else rows[::-1]):
            seconds = wall(space, *row, args.budget)
            best[row] = min(best.get(row, seconds), seconds)
    print(f"load average after: {os.getloadavg()}")
    print(f"{'executor':<10} {'workers':>7} {'trials/s':>9} {'speed-up':>9} "
          f"{'overhead/trial':>15}")
    for executor, workers in rows:
        seconds = best[(executor, workers)]
        rate = args.budget / seconds
        one = args.budget / best[(executor, 1)]
        overhead = seconds / args.budget - SLEEP / workers
        print(f"{executor:<10} {workers:>7} {rate:>9.2f} {rate / one:>8.2f}x "
              f"{overhead * 1000:>12.1f} ms")


if __name__ == "__main__":
    main()

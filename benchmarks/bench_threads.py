"""How a trial's training time depends on torch's threads, idle and beside busy processes.

One digits trial (a fixed member of `examples/digits.arch`, trained by the digits task) runs
in a fresh process per measurement, under each variant:

* ``2 threads``: torch's default on this machine (one intra-op thread per core);
* ``2 threads passive``: the same with ``OMP_WAIT_POLICY=PASSIVE`` (idle OpenMP threads sleep
  instead of spinning, so they do not steal a busy core from the thread doing the work);
* ``1 thread``: ``torch.set_num_threads(1)``, what a pool worker uses.

With ``--busy K`` the same runs again with K busy-loop processes beside them (the "busy
machine" of the README). Variants alternate within each round, so drift hits all alike.

    python benchmarks/bench_threads.py --rounds 3 --busy 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_TRIAL = textwrap.dedent('''
    import json, sys, time
    import torch
    threads = int(sys.argv[1])
    if threads:
        torch.set_num_threads(threads)
    import archlang
    from archlang.tasks import digits
    space = archlang.load("examples/digits.arch").network()
    arch = space.sample(seed=3)
    digits.load_data()
    t = time.perf_counter()
    metrics = digits.evaluate(arch, epochs=int(sys.argv[2]))
    print(json.dumps({"seconds": time.perf_counter() - t, "val": metrics["val_accuracy"]}))
''')

VARIANTS = {
    "2 threads": (2, {}),
    "2 threads passive": (2, {"OMP_WAIT_POLICY": "PASSIVE"}),
    "1 thread": (1, {}),
}


def trial(threads: int, env: dict[str, str], epochs: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _TRIAL, str(threads), str(epochs)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env}, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(rounds: int, epochs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for r in range(rounds):
        names = list(VARIANTS) if r % 2 == 0 else list(reversed(VARIANTS))
        for name in names:
            threads, env = VARIANTS[name]
            times[name].append(trial(threads, env, epochs)["seconds"])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--busy", type=int, default=2, help="busy-loop processes (0: idle only)")
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    results = {"idle": measure(args.rounds, args.epochs)}
    if args.busy:
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(args.busy)]
        try:
            results[f"{args.busy} busy"] = measure(args.rounds, args.epochs)
        finally:
            for h in hogs:
                h.kill()
    print(f"{'variant':20} " + " ".join(f"{c:>12}" for c in results))
    summary = {}
    for name in VARIANTS:
        cells = [statistics.median(results[c][name]) for c in results]
        summary[name] = cells
        print(f"{name:20} " + " ".join(f"{s:11.2f}s" for s in cells))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

"""The README's quick-start search, exactly as written, idle and beside busy-loop processes,
with this checkout's code and with another checkout's (the old default) side by side.

Each measurement runs ``archlang search examples/digits.arch --task digits --algorithm
evolution --budget 30 --out DIR`` in a fresh process (DIR a new temporary folder), with
``PYTHONPATH`` set to the checkout being measured; ``--old PATH`` names the other checkout
(e.g. a worktree of the commit before the change). Code variants alternate, first as the
machine is, then with ``--busy K`` busy-loop processes beside them. Prints each variant's
wall time per condition, the ratio busy / idle (issue 17 wants at most 2) and the best
validation accuracy (one value per variant: the same seed gives the same trials).

    python benchmarks/bench_quickstart_load.py --old /work/main --busy 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import busy_loops, timed_search  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
#: the README's quick start (bench_load.timed_search adds ``--out DIR``)
QUICK_START = ["search", "examples/digits.arch", "--task", "digits", "--algorithm", "evolution",
               "--budget", "30"]


def measure(codes: dict[str, Path]) -> dict[str, tuple[float, float]]:
    """The quick start with each checkout's code, in that order."""
    return {name: timed_search(QUICK_START, code) for name, code in codes.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", type=Path, default=None, help="another checkout to time")
    parser.add_argument("--busy", type=int, default=2, help="busy-loop processes")
    args = parser.parse_args()
    codes = {"this": ROOT, **({"old": args.old.resolve()} if args.old else {})}
    print(f"cores {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.2f} "
          "at the start")
    idle = measure(codes)
    print(f"load average {os.getloadavg()[0]:.2f} after the idle runs")
    with busy_loops(args.busy):
        busy = measure(dict(reversed(codes.items())))
    print(f"load average {os.getloadavg()[0]:.2f} after the busy runs")
    print(f"{'code':>5} {'idle':>8} {f'{args.busy} busy':>8} {'ratio':>6}  best val acc")
    summary = {}
    for name in codes:
        (a, acc_a), (b, acc_b) = idle[name], busy[name]
        summary[name] = {"idle": a, "busy": b, "ratio": b / a,
                         "best_val_accuracy": sorted({acc_a, acc_b})}
        print(f"{name:>5} {a:7.1f}s {b:7.1f}s {b / a:6.2f}  {sorted({acc_a, acc_b})}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

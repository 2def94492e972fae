"""A short real search, idle and beside busy-loop processes: does its time hold under load?

Runs ``archlang search examples/digits.arch --task digits --algorithm evolution --budget 6
--epochs 2`` (the quick start, shortened) in a fresh process per measurement, with each
``--threads`` value asked for (default: 1, the default, and 2), first as the machine is,
then with ``--busy K`` busy-loop processes beside it. Variants alternate within each round.
Prints each variant's median wall time per condition and the ratio busy / idle, which
issue 17 wants at most 2. The best validation accuracy is printed too: one value per
variant, since the same seed gives the same trials idle or busy.

    python benchmarks/bench_load.py --rounds 1 --busy 2
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed_search(args: list[str], code: Path = ROOT) -> tuple[float, float]:
    """Wall seconds of ``archlang ARGS --out DIR`` in a fresh process with `code`'s
    archlang (``PYTHONPATH``), and its best validation accuracy."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "archlang", *args, "--out", out]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=code, env={**os.environ, "PYTHONPATH": str(code)}, check=True,
                       capture_output=True, text=True)
        seconds = time.perf_counter() - start
        best = json.loads((Path(out) / "best.json").read_text(encoding="utf-8"))
    return seconds, best["metrics"]["val_accuracy"]


def search(threads: int, budget: int, epochs: int) -> tuple[float, float]:
    """Wall seconds of one short search in a fresh process, and its best val accuracy."""
    return timed_search(["search", "examples/digits.arch", "--task", "digits", "--algorithm",
                         "evolution", "--budget", str(budget), "--epochs", str(epochs),
                         "--threads", str(threads), "--quiet"])


def measure(threads: list[int], rounds: int, budget: int, epochs: int
            ) -> dict[int, list[tuple[float, float]]]:
    runs: dict[int, list[tuple[float, float]]] = {t: [] for t in threads}
    for r in range(rounds):
        for t in (threads if r % 2 == 0 else list(reversed(threads))):
            runs[t].append(search(t, budget, epochs))
    return runs


@contextlib.contextmanager
def busy_loops(n: int) -> Iterator[None]:
    """`n` processes spinning on a core each while the block runs (killed after it)."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--budget", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--busy", type=int, default=2, help="busy-loop processes")
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at the start")
    idle = measure(args.threads, args.rounds, args.budget, args.epochs)
    print(f"load average {os.getloadavg()[0]:.2f} after the idle runs")
    with busy_loops(args.busy):
        busy = measure(args.threads, args.rounds, args.budget, args.epochs)
    print(f"load average {os.getloadavg()[0]:.2f} after the busy runs")
    print(f"{'--threads':>9} {'idle':>9} {f'{args.busy} busy':>9} {'ratio':>6}  best val acc")
    summary = {}
    for t in args.threads:
        a = statistics.median(s for s, _ in idle[t])
        b = statistics.median(s for s, _ in busy[t])
        accs = sorted({acc for _, acc in idle[t] + busy[t]})
        summary[t] = {"idle": a, "busy": b, "ratio": b / a, "best_val_accuracy": accs}
        print(f"{t:>9} {a:8.1f}s {b:8.1f}s {b / a:6.2f}  {accs}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

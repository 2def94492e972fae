"""Start-up benchmarks: `import archlang` and `archlang --help`, wall time of fresh processes.

Each command runs `--runs` times, the commands interleaved round by round so drift hits all
alike; reported: the median wall time of each (and the minimum), and the same minus a bare
`python -c pass`, the interpreter's own start-up. Also reported: what `python -X importtime`
says `import archlang` costs itself (cumulative microseconds, median over the runs).

Run:  python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> dict[str, list[str]]:
    exe = shutil.which("archlang") or str(Path(sys.executable).with_name("archlang"))
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import archlang": [sys.executable, "-c", "import archlang"],
        "archlang --help": [exe, "--help"],
        "python -m archlang --help": [sys.executable, "-m", "archlang", "--help"],
    }


def _wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=ROOT)
    return time.perf_counter() - t


def _importtime() -> float:
    """`import archlang`'s cumulative time in microseconds, as -X importtime reports it."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import archlang"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stderr
    for line in out.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "archlang":
            return float(parts[1])
    raise RuntimeError("no archlang line in -X importtime output")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    commands = _commands()
    print(f"load average (1, 5, 15 min) at start: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for cmd in commands.values():  # warm the page cache and .pyc files
        _wall(cmd)
    times: dict[str, list[float]] = {name: [] for name in commands}
    imports = []
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(_wall(cmd))
        imports.append(_importtime())
    base = statistics.median(times["python -c pass"])
    for name, ts in times.items():
        med = statistics.median(ts)
        extra = "" if name == "python -c pass" else \
            f", {(med - base) * 1e3:.0f} ms over bare python"
        print(f"{name}: median {med * 1e3:.0f} ms, min {min(ts) * 1e3:.0f} ms "
              f"({args.runs} runs){extra}")
    print(f"python -X importtime, archlang cumulative: median "
          f"{statistics.median(imports) / 1e3:.1f} ms ({args.runs} runs)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

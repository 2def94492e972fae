"""Where a second torch thread starts to pay: one training step by network size, 1 vs 2 threads.

A 3-conv network (width w, 32x32 input, global pooling, a linear layer), SGD on a batch of
32, in a fresh process per (threads, width) pair with ``OMP_WAIT_POLICY=PASSIVE`` (as the
CLI sets it); each process times steps for `--seconds` after 3 warm-up steps and prints ms
per step. Each pair runs `--runs` times, alternating. What `--threads auto`'s threshold
(`archlang.search.executors.LARGE_MACS`) was read from: benchmarks/README.md, "Threads for
large networks".

Run:  python benchmarks/bench_threads_size.py [--widths 8,32,128] [--runs 2] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

STEP = r"""
import sys, time
import torch, torch.nn as nn
threads, width, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(),
                    nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                    nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))
opt = torch.optim.SGD(net.parameters(), lr=0.01)
x, y = torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,))
def step():
    opt.zero_grad()
    nn.functional.cross_entropy(net(x), y).backward()
    opt.step()
for _ in range(3):
    step()
start, n = time.perf_counter(), 0
while time.perf_counter() - start < seconds:
    step()
    n += 1
print((time.perf_counter() - start) / n * 1e3)
"""


def macs(width: int) -> float:
    """Multiply-accumulates per example of the convolutions (what archlang counts)."""
    return 32 * 32 * 9 * (3 * width + 2 * width * width)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", default="8,32,128")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    print(f"load average {os.getloadavg()[0]:.2f}")
    for width in (int(w) for w in args.widths.split(",")):
        times: dict[int, list[float]] = {1: [], 2: []}
        for run in range(args.runs):
            for threads in (1, 2) if run % 2 == 0 else (2, 1):
                out = subprocess.run([sys.executable, "-c", STEP, str(threads), str(width),
                                      str(args.seconds)], env=env, capture_output=True,
                                     text=True, check=True).stdout
                times[threads].append(float(out))
        shown = "   ".join(f"{t} thread{'s' if t > 1 else ''} "
                           f"{min(v):.1f}-{max(v):.1f} ms" for t, v in times.items())
        print(f"width {width:4d} ({macs(width) / 1e6:7.1f} M MACs/example): {shown}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

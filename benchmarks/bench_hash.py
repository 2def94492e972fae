"""Cost of `Arch.hash` (the canonical form + SHA-256) on a few networks, µs per hash.

    python benchmarks/bench_hash.py

Each figure is the minimum over 7 repeats of the mean of 200 hashes of one already-bound
graph (the cached property is bypassed: `arch.graph.hash()` is timed), so other jobs on a
shared machine inflate it least. To compare two versions, run the script at both commits
one after the other; benchmarks/README.md lists the last figures.
"""

from __future__ import annotations

import os
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import archlang  # noqa: E402

CASES = [  # (file, network, seed or None for a decided network)
    ("stdlib/models/resnet.arch", "resnet18", None),
    ("stdlib/models/resnet.arch", "resnet50", None),
    ("examples/digits.arch", None, 0),
    ("examples/digits.arch", None, 3),
    ("examples/nasbench_graph.arch", None, 1),
]


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f}")
    for file, network, seed in CASES:
        if not (ROOT / file).exists():
            continue
        space = archlang.load(ROOT / file).network(network)
        arch = space.bind() if seed is None else space.sample(seed=seed)
        graph = arch.graph
        best = min(timeit.repeat(graph.hash, number=200, repeat=7)) / 200
        label = f"{file} {network or ''} {'' if seed is None else f'seed={seed}'}"
        print(f"{label:<50} {len(graph.nodes):>4} nodes  {best * 1e6:8.0f} us/hash")


if __name__ == "__main__":
    main()

"""Cost of `Arch.hash` (the canonical form + SHA-256) on a few networks, µs per hash.

    python benchmarks/bench_hash.py               # this tree
    python benchmarks/bench_hash.py --base main   # beside archlang/ir/canonical.py at main

Each figure is the minimum over 7 repeats of the mean of 200 hashes of one already-bound
graph (the cached property is bypassed: `arch.graph.hash()` is timed), so other jobs on a
shared machine inflate it least. The same graph hashed again is what the memo of
`canonical_text` answers (a search binding an equal network again); "memo off" times the
text computed (`canonical.MEMO = False`: a network not seen before). ``--base REV``
loads the canonical form of revision REV (``git show REV:archlang/ir/canonical.py``,
hashed as that revision's `Graph.hash` did: SHA-256 of its `canonical_text`, or of the
form's JSON before there was one) into this process and times it beside this tree's, repeat by
repeat, so both see the same load; it also checks that both give every graph the same hash.
benchmarks/README.md lists the last figures.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import subprocess
import sys
import timeit
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import archlang  # noqa: E402
from archlang.ir import canonical  # noqa: E402

CASES = [  # (file, network, seed or None for a decided network)
    ("stdlib/models/resnet.arch", "resnet18", None),
    ("stdlib/models/resnet.arch", "resnet50", None),
    ("examples/digits.arch", None, 0),
    ("examples/digits.arch", None, 3),
    ("examples/nasbench_graph.arch", None, 1),
    ("examples/nasbench_graph.arch", None, 2),
]


def base_hash(rev: str) -> Callable[..., str]:
    """`Graph.hash` as revision `rev` computed it (its archlang/ir/canonical.py)."""
    text = subprocess.run(["git", "show", f"{rev}:archlang/ir/canonical.py"], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("canonical_at_base")
    exec(compile(text, f"{rev}:archlang/ir/canonical.py", "exec"), module.__dict__)

    def hash_(graph) -> str:
        if hasattr(module, "canonical_text"):  # what that revision's `Graph.hash` hashed
            return hashlib.sha256(module.canonical_text(graph).encode()).hexdigest()
        form = json.dumps(module.canonical_form(graph), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(form.encode()).hexdigest()
    return hash_


def computed(graph) -> str:
    """`graph.hash()` with the memo of `canonical_text` off: the text computed."""
    saved, canonical.MEMO = canonical.MEMO, False
    try:
        return graph.hash()
    finally:
        canonical.MEMO = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a git revision to time beside this tree")
    args = parser.parse_args()
    old = base_hash(args.base) if args.base else None
    print(f"load average {os.getloadavg()[0]:.1f}")
    for file, network, seed in CASES:
        if not (ROOT / file).exists():
            continue
        space = archlang.load(ROOT / file).network(network)
        arch = space.bind() if seed is None else space.sample(seed=seed)
        graph = arch.graph
        label = f"{file} {network or ''} {'' if seed is None else f'seed={seed}'}"
        if old is None:
            best = min(timeit.repeat(graph.hash, number=200, repeat=7)) / 200
            print(f"{label:<50} {len(graph.nodes):>4} nodes  {best * 1e6:8.0f} us/hash")
            continue
        assert old(graph) == graph.hash() == computed(graph), f"{label}: the hash changed"
        times: dict[str, list[float]] = {"base": [], "head": [], "computed": []}
        for _ in range(7):  # interleaved: all see the same load
            for name, fn in (("base", functools.partial(old, graph)), ("head", graph.hash),
                             ("computed", functools.partial(computed, graph))):
                times[name].append(timeit.timeit(fn, number=200) / 200)
        b, h, c = (min(times[name]) for name in ("base", "head", "computed"))
        print(f"{label:<50} {len(graph.nodes):>4} nodes  {args.base} {b * 1e6:6.0f} us  "
              f"head {h * 1e6:6.0f} us ({b / h:4.1f}x)  head, memo off {c * 1e6:6.0f} us "
              f"({b / c:4.1f}x)")


if __name__ == "__main__":
    main()

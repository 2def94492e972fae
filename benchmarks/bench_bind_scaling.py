"""How the cost of `Space.bind` grows with the space: decisions, layer choices, nesting.

Generated spaces, one family per row group:

* **value**: N positions in sequence, each ``linear(choice(4, 8, 16)) -> relu()``:
  N decisions, 2N nodes.
* **layer**: N positions, each ``choice(linear(8), relu(), tanh(), gelu(), identity(),
  linear(16))``: N decisions between 6 ops, 5 of them unchosen each time.
* **block**: N/2 positions, each ``choice(unit_a(choice(4, 8)), unit_b(choice(4, 8)))`` with
  two-op blocks: N decisions, the chosen block applied and the other left.
* **nested d**: 64 positions, each applying a block nested d deep (``wrap_d`` calls
  ``wrap_{d-1}`` ... down to a block with one width choice and two ops): 64 decisions and
  128 nodes whatever d is, so only the depth changes.

Per space: CPU microseconds per bind of a random member (median over `--rounds` rounds of
`--n` binds each, the members drawn before timing), with bind's fast paths (ir/labels.py:
unchosen candidates only allocate labels; ir/blockmemo.py: equal block applications
replayed) and without them (the plain walk), in one process, alternating; and "first":
the first bind after the space is built (nothing remembered yet). Per decision: the median
divided by the decisions the member has.

Run:  python benchmarks/bench_bind_scaling.py [--rounds 5] [--n 20]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import archlang  # noqa: E402
from archlang.ir import blockmemo, labels, stmtmemo  # noqa: E402


def value_space(n: int) -> str:
    body = "\n".join("    h = h -> linear(choice(4, 8, 16)) -> relu()" for _ in range(n))
    return f"network values() (x: [8]) {{\n    h = x\n{body}\n    return h\n}}\n"


def layer_space(n: int) -> str:
    body = "\n".join("    h = h -> choice(linear(8), relu(), tanh(), gelu(), identity(), "
                     "linear(16))" for _ in range(n))
    return f"network layers() (x: [8]) {{\n    h = x\n{body}\n    return h\n}}\n"


BLOCKS = """
block unit_a(w: int) { linear(w) -> relu() }
block unit_b(w: int) { linear(w) -> tanh() }
"""


def block_space(n: int) -> str:
    body = "\n".join("    h = h -> choice(unit_a(choice(4, 8)), unit_b(choice(4, 8)))"
                     for _ in range(n // 2))
    return BLOCKS + f"network blocks() (x: [8]) {{\n    h = x\n{body}\n    return h\n}}\n"


def nested_space(depth: int, positions: int = 64) -> str:
    blocks = ["block wrap_1() { linear(choice(4, 8)) -> relu() }"]
    blocks += [f"block wrap_{d}() {{ wrap_{d - 1}() }}" for d in range(2, depth + 1)]
    body = "\n".join(f"    h = h -> wrap_{depth}()" for _ in range(positions))
    return "\n".join(blocks) + (f"\nnetwork nested() (x: [8]) {{\n    h = x\n{body}\n"
                                "    return h\n}\n")


def set_fast(on: bool) -> None:
    labels.ENABLED = blockmemo.ENABLED = stmtmemo.ENABLED = on


def per_bind(space: archlang.Space, members: list[dict]) -> float:
    start = time.process_time()
    for a in members:
        space.bind(a)
    return (time.process_time() - start) / len(members) * 1e6


def measure(name: str, text: str, rounds: int, n: int) -> None:
    space = archlang.parse(text).network()
    rng = random.Random(0)
    first_member = space.sample_assignment(rng)
    set_fast(True)
    start = time.process_time()
    space.bind(first_member)
    first = (time.process_time() - start) * 1e6
    decisions = len(space.bind(first_member).assignment)
    fast, plain = [], []
    for r in range(rounds):
        members = [space.sample_assignment(rng) for _ in range(n)]
        order = [(True, fast), (False, plain)]
        for on, out in order if r % 2 == 0 else order[::-1]:
            set_fast(on)
            out.append(per_bind(space, members))
    set_fast(True)
    f, p = statistics.median(fast), statistics.median(plain)
    print(f"{name:12s} {decisions:6d} {f:10.0f} {p:10.0f} {p / f:6.2f}x {first:10.0f} "
          f"{f / decisions:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=20, help="binds per round and side")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}, "
          f"{args.rounds} rounds x {args.n} binds, CPU us per bind")
    print(f"{'space':12s} {'decs':>6s} {'fast':>10s} {'plain':>10s} {'ratio':>7s} "
          f"{'first':>10s} {'us/dec':>8s}")
    for n in (10, 100, 1000):
        measure(f"value {n}", value_space(n), args.rounds, args.n)
    for n in (10, 100, 1000):
        measure(f"layer {n}", layer_space(n), args.rounds, args.n)
    for n in (10, 100, 1000):
        measure(f"block {n}", block_space(n), args.rounds, args.n)
    for d in range(1, 6):
        measure(f"nested {d}", nested_space(d), args.rounds, args.n)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

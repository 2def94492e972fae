"""Symbolic operations per architecture, archlang beside PyGlove on equivalent spaces.

Two spaces, each written once for archlang (.arch text) and once for PyGlove (symbolic
classes with `pg.oneof`):

* **nas-bench-graph**: 4 nodes; node i reads one of the input and the earlier nodes (an
  input choice) and applies one of 9 ops. 9^4 * 4! = 157,464 members.
* **macro-20**: 20 blocks in sequence, each one of 3 block kinds, each kind with its own
  width choice (16/32/64) and kernel choice (3/5, or 3/5/7): conditional decisions.
  (3*2 + 3*3 + 3*2)^20 = 21^20 members.

And the field's two canonical spaces, as examples/darts.arch and examples/enas_macro.arch
write them (PyGlove: the same decisions, `field_pyglove`), sample only:

* **darts**: normal and reduction cells, node i reading 2 of the 2 + i states before it,
  each through one of 7 ops, the genotype shared by the 8 cells: (180 * 7^8)^2 members.
* **enas-macro**: 12 layers, each one of 6 ops, each adding any subset of the layers
  before: 6^12 * 2^66 members.

Two measurements per space, each per architecture:

* **sample**: a random architecture. archlang: `space.sample_assignment(rng)` then
  `space.bind(...)`, which elaborates the network into a concrete graph with every shape
  inferred. PyGlove: `pg.random_dna(spec, rng)` then `pg.materialize(space, dna)`, which
  builds the symbolic object (no network, no shapes).
* **clone + rebind + bind + print**: copy the space, settle its first decision at a random
  value (archlang: `clone().rebind({key: value})`; PyGlove: `clone(deep=True).rebind({path:
  value})`), draw the rest and bind it (archlang: `sample_assignment` + `bind`; PyGlove:
  `dna_spec` + `random_dna` + `materialize`), and print the result (archlang:
  `arch.to_arch()`, the `.arch` text, re-parsed and checked against the architecture's hash
  before it returns; PyGlove: `str(obj)`).

Both sides run in one process, in rounds that alternate which side goes first; each round
times `--n` architectures per side. Reported: each side's median over the rounds (ms per
architecture) and the ratio of the medians (PyGlove / archlang: >1 means archlang is
faster), with the range of the per-round ratios.

Run:  python benchmarks/bench_symbolic.py [--rounds 5] [--n 8] [--warm N] [--field]
(``--field``: only the darts and enas-macro rows)

Each side is warmed up once before its rounds (lazy imports, first-call caches); with
``--warm N`` archlang first binds N architectures of the space (PyGlove up to 3: it keeps no
per-space cache that more calls would fill, and 500 macro-20 draws take it minutes), which
is the state a search is in after N trials: bind remembers statements and blocks per
program (ir/stmtmemo.py, ir/blockmemo.py), so a space's later members bind faster than its
first 40. Report the default run (the first ~40 members) beside a ``--warm`` one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import archlang  # noqa: E402
from archlang.testing.spaces import macro_space  # noqa: E402

OPS = ["linear(16)", "relu()", "gelu()", "silu()", "tanh()", "sigmoid()", "identity()",
       "layernorm()", "hardswish()"]
WIDTHS = (16, 32, 64)


# ---------------------------------------------------------------- the spaces, archlang


def nbg_arch() -> archlang.Space:
    lines = []
    for i in range(1, 5):
        inputs = ", ".join(["x"] + [f"n{j}" for j in range(1, i)])
        lines.append(f"    n{i} = choice({inputs}) -> choice({', '.join(OPS)})")
    text = "network nbg() (x: [16]) {\n" + "\n".join(lines) + "\n    return n4\n}\n"
    return archlang.parse(text).network()


MACRO = macro_space(20)


def macro_arch() -> archlang.Space:
    return archlang.parse(MACRO).network()


# ---------------------------------------------------------------- the spaces, PyGlove


def pyglove_spaces() -> dict[str, object]:
    import pyglove as pg

    @pg.symbolize
    class Node:
        def __init__(self, input, op):  # noqa: A002 - the field's name
            self.input, self.op = input, op

    @pg.symbolize
    class ConvUnit:
        def __init__(self, width, kernel):
            self.width, self.kernel = width, kernel

    @pg.symbolize
    class SepUnit:
        def __init__(self, width, kernel):
            self.width, self.kernel = width, kernel

    @pg.symbolize
    class ResUnit:
        def __init__(self, width, kernel):
            self.width, self.kernel = width, kernel

    ops = [o.split("(")[0] for o in OPS]
    nbg = pg.List([Node(input=pg.oneof(list(range(i + 1))), op=pg.oneof(ops))
                   for i in range(4)])
    macro = pg.List([pg.oneof([ConvUnit(pg.oneof(WIDTHS), pg.oneof([3, 5])),
                               SepUnit(pg.oneof(WIDTHS), pg.oneof([3, 5, 7])),
                               ResUnit(pg.oneof(WIDTHS), pg.oneof([3, 5]))])
                     for _ in range(20)])
    return {"nas-bench-graph": nbg, "macro-20": macro}


# ---------------------------------------------------------------- the field's spaces
#
# DARTS and the ENAS macro space as examples/ writes them for archlang, and the same
# decisions for PyGlove: DARTS's node i reads 2 of the 2 + i states before it (a sorted,
# distinct `pg.manyof`, one of C(2 + i, 2)), each through one of 7 ops, per cell type
# (180 * 7^8 each, squared); ENAS's 12 layers are each one of 6 ops and each adds any subset
# of the layers before the one it reads (one yes/no per skip: 6^12 * 2^66).

ROOT = Path(__file__).resolve().parent.parent
DARTS_OPS = ["max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
             "dil_conv_3x3", "dil_conv_5x5"]
ENAS_OPS = ["conv_3x3", "conv_5x5", "sep_conv_3x3", "sep_conv_5x5", "max_pool_3x3",
            "avg_pool_3x3"]


def field_arch() -> dict[str, archlang.Space]:
    return {"darts": archlang.load(ROOT / "examples" / "darts.arch").network("darts"),
            "enas-macro": archlang.load(ROOT / "examples" / "enas_macro.arch").network()}


def field_pyglove() -> dict[str, object]:
    import pyglove as pg

    @pg.symbolize
    class DartsNode:
        def __init__(self, inputs, ops):
            self.inputs, self.ops = inputs, ops

    @pg.symbolize
    class EnasLayer:
        def __init__(self, op, skips):
            self.op, self.skips = op, skips

    def cell() -> object:
        return pg.List([DartsNode(inputs=pg.manyof(2, list(range(2 + i)), distinct=True,
                                                   sorted=True),
                                  ops=pg.List([pg.oneof(DARTS_OPS), pg.oneof(DARTS_OPS)]))
                        for i in range(4)])

    darts = pg.Dict(normal=cell(), reduction=cell())
    enas = pg.List([EnasLayer(op=pg.oneof(ENAS_OPS),
                              skips=pg.List([pg.oneof([False, True]) for _ in range(i)]))
                    for i in range(12)])
    return {"darts": darts, "enas-macro": enas}


def field_rows(rounds: int, n: int, warm: int = 1) -> None:
    """sample + bind per architecture on DARTS and ENAS, beside PyGlove's sample."""
    import pyglove as pg

    ours, theirs = field_arch(), field_pyglove()
    for name, a in ours.items():
        b = theirs[name]
        spec = pg.dna_spec(b)
        assert a.size == spec.space_size, (name, a.size, spec.space_size)
        print(f"{name}: {a.size:,} members, {len(a.decisions)} decisions (archlang)")
        compare(f"  {name}: sample", lambda rng, a=a: arch_sample(a, rng),
                lambda rng, b=b, s=spec: pg_sample(b, rng, s), rounds, n, warm)


# ---------------------------------------------------------------- one architecture


def arch_sample(space: archlang.Space, rng: random.Random) -> None:
    space.bind(space.sample_assignment(rng))


def arch_full(space: archlang.Space, rng: random.Random) -> None:
    first = space.decisions[0]
    settled = space.clone().rebind({first.key: first.sample(rng)})
    settled.bind(settled.sample_assignment(rng)).to_arch()


def pg_sample(space: object, rng: random.Random, spec: object) -> None:
    import pyglove as pg

    pg.materialize(space, pg.random_dna(spec, rng))


def pg_full(space: object, rng: random.Random, first: str, values: list[object]) -> None:
    import pyglove as pg

    copy = space.clone(deep=True)
    value = rng.choice(values)
    copy.rebind({first: value.clone(deep=True) if hasattr(value, "clone") else value})
    str(pg.materialize(copy, pg.random_dna(pg.dna_spec(copy), rng)))


# ---------------------------------------------------------------- timing


def per_arch(fn: Callable[[random.Random], None], n: int, seed: int) -> float:
    rng = random.Random(seed)
    start = time.perf_counter()
    for _ in range(n):
        fn(rng)
    return (time.perf_counter() - start) / n * 1e3


def compare(name: str, ours: Callable[[random.Random], None],
            theirs: Callable[[random.Random], None], rounds: int, n: int,
            warm: int = 1) -> None:
    rng = random.Random(10_000)  # warm-up draws, not those timed
    for _ in range(warm):  # caches, lazy imports; `--warm`: a search's state after N binds
        ours(rng)
    for _ in range(min(warm, 3)):
        theirs(rng)
    a, b = [], []
    for r in range(rounds):
        pair = [(ours, a), (theirs, b)]
        for fn, out in pair if r % 2 == 0 else pair[::-1]:
            out.append(per_arch(fn, n, seed=r))
    ratios = sorted(y / x for x, y in zip(a, b))
    print(f"{name:48s} archlang {statistics.median(a):8.3f} ms   PyGlove "
          f"{statistics.median(b):8.3f} ms   PyGlove/archlang "
          f"{statistics.median(b) / statistics.median(a):5.1f}x "
          f"(rounds {ratios[0]:.1f}-{ratios[-1]:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=8, help="architectures per round and side")
    parser.add_argument("--warm", type=int, default=1, metavar="N",
                        help="archlang binds N architectures of each space before the "
                             "rounds (PyGlove: up to 3), as a search has after N trials")
    parser.add_argument("--field", action="store_true",
                        help="only the DARTS and ENAS rows (the field's spaces)")
    args = parser.parse_args()
    import pyglove as pg

    print(f"python {sys.version.split()[0]}, pyglove {pg.__version__}, load average "
          f"{os.getloadavg()[0]:.2f}, {args.rounds} rounds x {args.n} architectures, "
          f"warm-up {args.warm}")
    if args.field:
        field_rows(args.rounds, args.n, args.warm)
        print(f"load average {os.getloadavg()[0]:.2f}")
        return
    ours = {"nas-bench-graph": nbg_arch(), "macro-20": macro_arch()}
    theirs = pyglove_spaces()
    firsts = {"nas-bench-graph": ("[0].op", [o.split("(")[0] for o in OPS]),
              "macro-20": ("[0]", list(theirs["macro-20"][0].candidates))}
    for name in ours:
        a, b = ours[name], theirs[name]
        spec = pg.dna_spec(b)
        assert a.size == spec.space_size, (name, a.size, spec.space_size)
        print(f"{name}: {a.size:,} members, {len(a.decisions)} decisions (archlang)")
        compare(f"  {name}: sample", lambda rng, a=a: arch_sample(a, rng),
                lambda rng, b=b, s=spec: pg_sample(b, rng, s), args.rounds, args.n, args.warm)
        first, values = firsts[name]
        compare(f"  {name}: clone + rebind + bind + print",
                lambda rng, a=a: arch_full(a, rng),
                lambda rng, b=b, f=first, v=values: pg_full(b, rng, f, v),
                args.rounds, args.n, args.warm)
    field_rows(args.rounds, args.n, args.warm)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

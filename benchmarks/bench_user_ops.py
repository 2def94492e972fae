"""What a user op costs: its meta-device probe (shape, parameters, FLOPs) once per distinct
(arguments, input shapes), and a bind of a space of user ops beside the same space of
built-in ops.

    python benchmarks/bench_user_ops.py

A user op (`archlang.op`) learns its output shape by building the module on
``torch.device("meta")`` and running it there, with `torch.utils.flop_counter` counting the
FLOPs; the answer is cached per (op, arguments, input shapes). The figures: the first probe
of each of a dozen torch modules (uncached), the same call once cached, and sample + bind of
a two-layer space written with user ops (`torch.nn.Linear`, `torch.nn.GELU` registered) beside
the same space with archlang's `linear` and `gelu`.
"""

from __future__ import annotations

import statistics
import time

import torch.nn as nn

import archlang
from archlang.ops import unregister
from archlang.ops.registry import get_op

#: (module, constructor arguments, input shape without the batch); modules whose constructor
#: takes ``*args`` (nn.GRU) or whose input is not float (nn.Embedding) need a shape rule
CASES = [
    (nn.Linear, (64, 128), (64,)),
    (nn.Conv2d, (16, 32, 3), (16, 32, 32)),
    (nn.Conv1d, (8, 16, 5), (8, 100)),
    (nn.ConvTranspose2d, (16, 8, 2), (16, 16, 16)),
    (nn.BatchNorm2d, (16,), (16, 32, 32)),
    (nn.LayerNorm, (64,), (10, 64)),
    (nn.GELU, (), (64,)),
    (nn.MaxPool2d, (2,), (16, 32, 32)),
    (nn.AdaptiveAvgPool2d, (4,), (16, 32, 32)),
    (nn.Flatten, (), (16, 4, 4)),
    (nn.Dropout, (0.1,), (64,)),
    (nn.TransformerEncoderLayer, (64, 4), (10, 64)),
]


def _ms(fn, n: int = 1) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n * 1e3


def probe_rows() -> list[tuple[str, float, float]]:
    rows = []
    for cls, args, shape in CASES:
        name = f"bench_{cls.__name__.lower()}"
        archlang.op(cls, name=name)
        spec = get_op(name)
        attrs = dict(zip([p.name for p in spec.params], args))
        shapes = [shape]  # without the batch: archlang adds it
        try:
            def probe(spec=spec, attrs=attrs, shapes=shapes):
                return spec.infer_shape(attrs, shapes)

            first = _ms(probe)
            cached = _ms(probe, 200)
            rows.append((cls.__name__, first, cached))
        except Exception as exc:  # noqa: BLE001 - a case this torch cannot probe is reported
            rows.append((f"{cls.__name__} ({type(exc).__name__})", float("nan"), float("nan")))
        finally:
            unregister(name)
    return rows


USER = """network u() (x: [64]) {
    w = choice(32, 64, 128)
    h = x -> user_linear(64, w) -> user_gelu()
    return h -> user_linear(w, 10)
}"""
BUILTIN = """network b() (x: [64]) {
    h = x -> linear(choice(32, 64, 128)) -> gelu()
    return h -> linear(10)
}"""


def bind_rows(n: int = 300) -> tuple[float, float]:
    archlang.op(nn.Linear, name="user_linear")
    archlang.op(nn.GELU, name="user_gelu")
    try:
        user = archlang.parse(USER).network()
        builtin = archlang.parse(BUILTIN).network()
        for space in (user, builtin):  # warm: every probe cached, the parser's cache too
            for i in range(9):
                _ = space.sample(seed=i).graph
        times = {"user": [], "builtin": []}
        for r in range(5):
            for label, space in (("user", user), ("builtin", builtin))[::(-1) ** r]:
                times[label].append(_ms(lambda s=space, r=r: s.sample(seed=r).graph, n // 5))
        return statistics.median(times["user"]), statistics.median(times["builtin"])
    finally:
        unregister("user_linear")
        unregister("user_gelu")


def main() -> None:
    import os

    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'module':34} {'first probe ms':>15} {'cached us':>10}")
    for name, first, cached in probe_rows():
        print(f"{name:34} {first:15.2f} {cached * 1e3:10.1f}")
    user, builtin = bind_rows()
    print(f"sample + bind, 3 layers: user ops {user * 1e3:.0f} us, built-in ops "
          f"{builtin * 1e3:.0f} us ({user / builtin:.2f}x)")


if __name__ == "__main__":
    main()

"""Dense maps on the last dimension: `linear` (nn.Linear) and `embedding` (nn.Embedding)."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import always_fresh, call, define, expect_rank, numel, positive
from archlang.ops.registry import Attrs, Param, Shape


def _linear_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    hint = "add `flatten()` or `global_avgpool()` first" if len(shape) > 2 else None
    expect_rank("linear", shape, [1, 2], "[D] or [L, D]", hint=hint)
    return (*shape[:-1], a["out"])


define(
    "linear",
    (Param("out", "int", check=positive("out")), Param("bias", "bool", True)),
    _linear_shape,
    lambda v, a, m: f"{m}({v[0]})",
    emit_init=lambda a, s: call("nn.Linear", s[0][-1], a["out"], bias=(a["bias"], True)),
    count_params=lambda a, s: s[0][-1] * a["out"] + (a["out"] if a["bias"] else 0),
    flops=lambda a, s, out: numel(out) * s[0][-1],
    fresh_output=always_fresh,
    doc="affine map on the last dim, [D] or [L, D] -> [..., out]: linear(out, bias=true)",
)


def _embedding_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    expect_rank("embedding", in_shapes[0], [1], "[L] (token ids)")
    return (*in_shapes[0], a["dim"])


define(
    "embedding",
    (Param("num", "int", check=positive("num")), Param("dim", "int", check=positive("dim"))),
    _embedding_shape,
    lambda v, a, m: f"{m}({v[0]})",
    emit_init=lambda a, s: call("nn.Embedding", a["num"], a["dim"]),
    count_params=lambda a, s: a["num"] * a["dim"],
    doc="lookup table, integer ids [L] -> [L, dim]: embedding(num, dim)",
)

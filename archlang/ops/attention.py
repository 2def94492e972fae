"""Multi-head self-attention over a [L, D] token sequence, emitted as `nn.MultiheadAttention`."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import call, define, expect_rank, fmt, positive, probability
from archlang.ops.registry import Attrs, OpError, Param, Shape


def _shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    hint = "add `flatten(1) -> transpose()` to turn a [C, H, W] map into [H*W, C] tokens"
    expect_rank("self_attention", shape, [2], "[L, D]", hint=hint if len(shape) == 3 else None)
    if shape[1] % a["heads"]:
        raise OpError(
            f"`self_attention` got heads={a['heads']}, which does not divide the width "
            f"D={shape[1]} of {fmt(shape)}",
            hint=f"use a divisor of {shape[1]}",
        )
    return shape


def _params(a: Attrs, in_shapes: Sequence[Shape]) -> int:
    d = in_shapes[0][1]
    return 4 * d * d + (4 * d if a["bias"] else 0)  # q, k, v and output projections


def _flops(a: Attrs, in_shapes: Sequence[Shape], out: Shape) -> int:
    length, d = in_shapes[0]
    return 4 * length * d * d + 2 * length * length * d  # projections, then QK^T and AV


define(
    "self_attention",
    (Param("heads", "int", check=positive("heads")),
     Param("dropout", "float", 0.0, check=probability("dropout")),
     Param("bias", "bool", True)),
    _shape,
    lambda v, a, m: f"{m}({v[0]}, {v[0]}, {v[0]}, need_weights=False)[0]",
    emit_init=lambda a, s: call("nn.MultiheadAttention", s[0][1], a["heads"],
                                dropout=(a["dropout"], 0.0), bias=(a["bias"], True),
                                batch_first=(True, False)),
    count_params=_params,
    flops=_flops,
    doc="multi-head self-attention over a [L, D] sequence: self_attention(heads, dropout=0.0, "
        "bias=true)",
)

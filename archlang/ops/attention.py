"""Multi-head self-attention over a [L, D] token sequence: `nn.MultiheadAttention`, or, with a
head width of its own (AutoFormer's `head_dim`), q/k/v and output projections around
`F.scaled_dot_product_attention`."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import call, define, expect_rank, fmt, positive, probability
from archlang.ops.registry import Attrs, OpError, Param, Shape, Weights


def _shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    hint = "add `flatten(1) -> transpose()` to turn a [C, H, W] map into [H*W, C] tokens"
    expect_rank("self_attention", shape, [2], "[L, D]", hint=hint if len(shape) == 3 else None)
    if a["head_dim"] is None and shape[1] % a["heads"]:
        raise OpError(
            f"`self_attention` got heads={a['heads']}, which does not divide the width "
            f"D={shape[1]} of {fmt(shape)}",
            hint=f"use a divisor of {shape[1]}, or give each head its own width: head_dim = ...",
        )
    return shape


def _inner(a: Attrs, d: int) -> int:
    """The width of q, k and v together over the heads: D, or heads x head_dim."""
    return d if a["head_dim"] is None else a["heads"] * a["head_dim"]


def _params(a: Attrs, in_shapes: Sequence[Shape]) -> int:
    d = in_shapes[0][1]
    inner = _inner(a, d)
    # q, k, v project D to inner, the output projection inner back to D
    return 4 * d * inner + (3 * inner + d if a["bias"] else 0)


def _flops(a: Attrs, in_shapes: Sequence[Shape], out: Shape) -> int:
    length, d = in_shapes[0]
    inner = _inner(a, d)
    return 4 * length * d * inner + 2 * length * length * inner  # projections, QK^T and AV


def _init(a: Attrs, in_shapes: Sequence[Shape]) -> str:
    d = in_shapes[0][1]
    if a["head_dim"] is None:
        return call("nn.MultiheadAttention", d, a["heads"], dropout=(a["dropout"], 0.0),
                    bias=(a["bias"], True), batch_first=(True, False))
    inner = _inner(a, d)
    bias = "" if a["bias"] else ", bias=False"
    return (f"nn.ModuleDict(dict(qkv=nn.Linear({d}, {3 * inner}{bias}), "
            f"proj=nn.Linear({inner}, {d}{bias})))")


def _forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    x = v[0]
    if a["head_dim"] is None:
        return f"{m}({x}, {x}, {x}, need_weights=False)[0]"
    dropout = (f", dropout_p={a['dropout']!r} if self.training else 0.0"
               if a["dropout"] else "")
    # qkv: [B, L, 3 * heads * head_dim] -> [3, B, heads, L, head_dim]
    qkv = (f"{m}.qkv({x}).unflatten(-1, (3, {a['heads']}, {a['head_dim']}))"
           ".permute(2, 0, 3, 1, 4)")
    heads = f"(lambda t: F.scaled_dot_product_attention(t[0], t[1], t[2]{dropout}))({qkv})"
    return f"{m}.proj({heads}.transpose(1, 2).flatten(2))"


def _variant(a: Attrs, in_shapes: Sequence[Shape]) -> str:
    # q, k and v are stacked in one tensor, heads within each: a smaller head count or width
    # is not a slice of a larger one, so each keeps its own weights
    return "" if a["head_dim"] is None else f"[heads={a['heads']},head_dim={a['head_dim']}]"


define(
    "self_attention",
    (Param("heads", "int", check=positive("heads")),
     Param("dropout", "float", 0.0, check=probability("dropout")),
     Param("bias", "bool", True),
     # added after Arches were hashed, so its default stays out of the hash
     Param("head_dim", "int?", None, check=positive("head_dim"), omit_default=True)),
    _shape,
    _forward,
    emit_init=_init,
    count_params=_params,
    flops=_flops,
    weights=Weights(variant=_variant),
    doc="multi-head self-attention over a [L, D] sequence, each head D / heads wide or "
        "head_dim wide: self_attention(heads, dropout=0.0, bias=true, head_dim=none)",
)

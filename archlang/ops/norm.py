"""Normalization layers: `batchnorm1d`, `batchnorm2d`, `layernorm` and `groupnorm`."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import ANY_RANK, always_fresh, call, define, expect_rank, fmt, positive
from archlang.ops.conv import groups_variant
from archlang.ops.registry import Attrs, OpError, Param, Shape, Weights

EPS = Param("eps", "float", 1e-5, check=positive("eps"))


def _forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    return f"{m}({v[0]})"


def _batchnorm(nd: int, ranks: list[int], layout: str, hint: str) -> None:
    name = f"batchnorm{nd}d"

    def infer_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
        expect_rank(name, in_shapes[0], ranks, layout, hint=hint)
        return in_shapes[0]

    define(
        name,
        (EPS, Param("momentum", "float", 0.1, check=positive("momentum")),
         Param("affine", "bool", True)),
        infer_shape,
        _forward,
        emit_init=lambda a, s: call(f"nn.BatchNorm{nd}d", s[0][0], eps=(a["eps"], 1e-5),
                                    momentum=(a["momentum"], 0.1), affine=(a["affine"], True)),
        count_params=lambda a, s: 2 * s[0][0] if a["affine"] else 0,
        fresh_output=always_fresh,
        doc=f"batch normalization over the channels of a {layout} input: "
            f"{name}(eps=1e-5, momentum=0.1, affine=true)",
    )


_batchnorm(1, [1, 2], "[C] or [C, L]", "for a [C, H, W] input use `batchnorm2d`")
_batchnorm(2, [3], "[C, H, W]", "for a [C] or [C, L] input use `batchnorm1d`")


def _layernorm_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    expect_rank("layernorm", in_shapes[0], ANY_RANK, "[..., D]")
    return in_shapes[0]


define(
    "layernorm",
    (EPS,),
    _layernorm_shape,
    _forward,
    emit_init=lambda a, s: call("nn.LayerNorm", s[0][-1], eps=(a["eps"], 1e-5)),
    count_params=lambda a, s: 2 * s[0][-1],
    doc="layer normalization over the last dim, with learned scale and shift: layernorm(eps=1e-5)",
)


def _groupnorm_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    expect_rank("groupnorm", shape, ANY_RANK, "[C, ...]")
    if shape[0] % a["groups"]:
        raise OpError(
            f"`groupnorm` got groups={a['groups']}, which does not divide the {shape[0]} "
            f"channels of {fmt(shape)}",
            hint=f"use a divisor of {shape[0]}",
        )
    return shape


define(
    "groupnorm",
    (Param("groups", "int", check=positive("groups")), EPS),
    _groupnorm_shape,
    _forward,
    emit_init=lambda a, s: call("nn.GroupNorm", a["groups"], s[0][0], eps=(a["eps"], 1e-5)),
    count_params=lambda a, s: 2 * s[0][0],
    # kept apart per group count, as the slicer has always done (its per-channel scale and
    # shift could be shared across counts; changing that would change supernet bank keys)
    weights=Weights(variant=groups_variant),
    doc="group normalization over channel groups of a [C, ...] input: groupnorm(groups, eps=1e-5)",
)

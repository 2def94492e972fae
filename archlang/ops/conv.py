"""Convolutions: `conv1d` on [C, L], `conv2d` and `conv_transpose2d` on [C, H, W], emitted as
`nn.Conv1d/2d` and `nn.ConvTranspose2d`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from archlang.ops._common import (
    always_fresh,
    call,
    define,
    expect_rank,
    fmt,
    lit,
    nonnegative,
    ntuple,
    numel,
    positive,
)
from archlang.ops.registry import Attrs, OpError, Param, Shape, Weights

LAYOUT = {1: "[C, L]", 2: "[C, H, W]"}


def _padding_check(value: Any) -> str | None:
    if value == "same":
        return None
    values = [value] if isinstance(value, int) else value
    if isinstance(values, (list, tuple)) and all(isinstance(v, int) and v >= 0 for v in values):
        return None
    return ('`padding` must be a non-negative int, a list of them, or "same", '
            f"but got padding={lit(value)}")


PARAMS = (
    Param("out", "int", check=positive("out")),
    Param("k", "ints", check=positive("k")),
    Param("stride", "ints", 1, check=positive("stride")),
    Param("padding", "any", 0, check=_padding_check),
    Param("dilation", "ints", 1, check=positive("dilation")),
    Param("groups", "int", 1, check=positive("groups")),
    Param("bias", "bool", True),
)


def _geometry(a: Attrs, nd: int) -> dict[str, Any]:
    """k, stride, dilation (and padding unless "same") as nd-tuples."""
    g = {key: ntuple(a[key], nd, key) for key in ("k", "stride", "dilation")}
    g["padding"] = a["padding"] if a["padding"] == "same" else ntuple(a["padding"], nd, "padding")
    return g


def _rank_hint(nd: int, shape: Shape) -> str | None:
    if len(shape) == 1:
        return "a flat [D] vector has no spatial dims; use `linear(out)` instead"
    if nd == 1 and len(shape) == 3:
        return "for a [C, H, W] input use `conv2d`"
    if nd == 2 and len(shape) == 2:
        return "for a [C, L] input use `conv1d`"
    return None


def _check(nd: int, a: Attrs, in_shapes: Sequence[Shape]) -> None:
    name, shape = f"conv{nd}d", in_shapes[0]
    expect_rank(name, shape, [nd + 1], LAYOUT[nd], hint=_rank_hint(nd, shape))
    if a["padding"] == "same" and any(s != 1 for s in ntuple(a["stride"], nd, "stride")):
        raise OpError(f'`{name}`: `padding="same"` needs stride=1, but got '
                      f'stride={lit(a["stride"])}', kind="param")
    _check_groups(name, a, shape)


def _check_groups(name: str, a: Attrs, shape: Shape) -> None:
    if shape[0] % a["groups"]:
        raise OpError(f"`{name}` got groups={a['groups']}, which does not divide the "
                      f"{shape[0]} input channels of {fmt(shape)}")
    if a["out"] % a["groups"]:
        raise OpError(f"`{name}` got groups={a['groups']}, which does not divide "
                      f"out={a['out']}", kind="param")


def _infer_shape(nd: int, a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape, g = in_shapes[0], _geometry(a, nd)
    if g["padding"] == "same":
        return (a["out"], *shape[1:])
    sizes = tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, s, p, d in zip(shape[1:], g["k"], g["stride"], g["padding"], g["dilation"])
    )
    if any(n < 1 for n in sizes):
        raise OpError(
            f"`conv{nd}d` output would be empty: kernel {lit(a['k'])} (dilation "
            f"{lit(a['dilation'])}) is larger than the input {fmt(shape)} padded by "
            f"{lit(a['padding'])}",
            hint="use a smaller kernel or more padding, or downsample less before this op",
        )
    return (a["out"], *sizes)


def _emit_init(nd: int, a: Attrs, in_shapes: Sequence[Shape]) -> str:
    g = _geometry(a, nd)
    return call(f"nn.Conv{nd}d", in_shapes[0][0], a["out"], g["k"], stride=(g["stride"], 1),
                padding=(g["padding"], 0), dilation=(g["dilation"], 1),
                groups=(a["groups"], 1), bias=(a["bias"], True))


def _weights_per_output(nd: int, a: Attrs, in_shapes: Sequence[Shape]) -> int:
    return in_shapes[0][0] // a["groups"] * numel(ntuple(a["k"], nd, "k"))


def groups_variant(a: Attrs, in_shapes: Sequence[Shape]) -> str:
    """`Weights.variant` for ops with `groups`: a depthwise or grouped kernel is laid out
    differently from a dense one (its in-dim is in / groups), so it is not a slice of it."""
    groups = a["groups"]
    if groups in (1, None):
        return ""
    if in_shapes and in_shapes[0] and groups == in_shapes[0][0]:
        return "[depthwise]"
    return f"[groups={groups}]"


#: the one-shot slicer crops `weight` (out, in / groups, *k) at the centre of its kernel dims
WEIGHTS = Weights(kernels=("weight",), variant=groups_variant)

for _nd in (1, 2):
    define(
        f"conv{_nd}d",
        PARAMS,
        partial(_infer_shape, _nd),
        lambda v, a, m: f"{m}({v[0]})",
        check=partial(_check, _nd),
        emit_init=partial(_emit_init, _nd),
        fresh_output=always_fresh,
        weights=WEIGHTS,
        count_params=lambda a, s, nd=_nd: (a["out"] * _weights_per_output(nd, a, s)
                                          + (a["out"] if a["bias"] else 0)),
        flops=lambda a, s, out, nd=_nd: numel(out) * _weights_per_output(nd, a, s),
        doc=f"{_nd}-D convolution on a {LAYOUT[_nd]} input: "
            f"conv{_nd}d(out, k, stride=1, padding=0, dilation=1, groups=1, bias=true)",
    )


# ---------------------------------------------------------------- transposed convolution

TRANSPOSED_PARAMS = (
    Param("out", "int", check=positive("out")),
    Param("k", "ints", check=positive("k")),
    Param("stride", "ints", 1, check=positive("stride")),
    Param("padding", "ints", 0, check=nonnegative("padding")),
    Param("output_padding", "ints", 0, check=nonnegative("output_padding")),
    Param("dilation", "ints", 1, check=positive("dilation")),
    Param("groups", "int", 1, check=positive("groups")),
    Param("bias", "bool", True),
)


def _transposed_geometry(a: Attrs) -> dict[str, tuple[int, ...]]:
    keys = ("k", "stride", "padding", "output_padding", "dilation")
    return {key: ntuple(a[key], 2, key) for key in keys}


def _transposed_check(a: Attrs, in_shapes: Sequence[Shape]) -> None:
    name, shape = "conv_transpose2d", in_shapes[0]
    expect_rank(name, shape, [3], LAYOUT[2], hint=_rank_hint(2, shape))
    g = _transposed_geometry(a)
    if any(op >= max(s, d) for op, s, d in zip(g["output_padding"], g["stride"], g["dilation"])):
        raise OpError(f"`{name}`: `output_padding` must be smaller than `stride` or "
                      f"`dilation`, but got output_padding={lit(a['output_padding'])} with "
                      f"stride={lit(a['stride'])}", kind="param")
    _check_groups(name, a, shape)


def _transposed_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape, g = in_shapes[0], _transposed_geometry(a)
    sizes = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n, k, s, p, op, d in zip(shape[1:], g["k"], g["stride"], g["padding"],
                                     g["output_padding"], g["dilation"])
    )
    if any(n < 1 for n in sizes):
        raise OpError(f"`conv_transpose2d` output would be empty: padding "
                      f"{lit(a['padding'])} removes more than the {fmt(shape)} input grows to",
                      hint="use less padding")
    return (a["out"], *sizes)


def _transposed_init(a: Attrs, in_shapes: Sequence[Shape]) -> str:
    g = _transposed_geometry(a)
    return call("nn.ConvTranspose2d", in_shapes[0][0], a["out"], g["k"],
                stride=(g["stride"], 1), padding=(g["padding"], 0),
                output_padding=(g["output_padding"], 0), groups=(a["groups"], 1),
                bias=(a["bias"], True), dilation=(g["dilation"], 1))


def _transposed_per_input(a: Attrs) -> int:
    return a["out"] // a["groups"] * numel(ntuple(a["k"], 2, "k"))


define(
    "conv_transpose2d",
    TRANSPOSED_PARAMS,
    _transposed_shape,
    lambda v, a, m: f"{m}({v[0]})",
    check=_transposed_check,
    emit_init=_transposed_init,
    fresh_output=always_fresh,
    # the kernel is laid out [in, out / groups, kh, kw]: its first two dims are sliced from
    # the start like a conv's, its kernel dims cropped at the centre
    weights=WEIGHTS,
    count_params=lambda a, s: (s[0][0] * _transposed_per_input(a)
                               + (a["out"] if a["bias"] else 0)),
    # each input cell scatters into out / groups x kh x kw outputs
    flops=lambda a, s, out: numel(s[0]) * _transposed_per_input(a),
    doc="2-D transposed convolution (learned upsampling) on a [C, H, W] input: "
        "conv_transpose2d(out, k, stride=1, padding=0, output_padding=0, dilation=1, "
        "groups=1, bias=true)",
)

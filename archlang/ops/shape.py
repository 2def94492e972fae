"""Stateless reshaping and pass-through ops: `flatten`, `reshape`, `transpose`, `select`,
`dropout`, `identity` and `zero`."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import axis, define, fmt, numel, probability, torch_dim
from archlang.ops.registry import Attrs, OpError, Param, Shape


def _same_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    return in_shapes[0]


def _flatten_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    start = axis("flatten", a["start"], shape, "start")
    end = axis("flatten", a["end"], shape, "end")
    if start > end:
        raise OpError(f"`flatten` got start={a['start']} after end={a['end']} for {fmt(shape)}",
                      kind="param")
    return (*shape[:start], numel(shape[start : end + 1]), *shape[end + 1 :])


def _flatten_forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    end = "" if a["end"] == -1 else f", {torch_dim(a['end'])}"
    return f"{v[0]}.flatten({torch_dim(a['start'])}{end})"


define(
    "flatten",
    (Param("start", "int", 0), Param("end", "int", -1)),
    _flatten_shape,
    _flatten_forward,
    doc="merge dims start..end (default all) into one: [C, H, W] -> [C*H*W]: "
        "flatten(start=0, end=-1)",
)


def _reshape_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape, dims = in_shapes[0], tuple(a["shape"])
    known = numel(d for d in dims if d != -1)
    bad = [d for d in dims if d == 0 or d < -1]
    if bad or dims.count(-1) > 1 or not dims:
        raise OpError(f"`reshape` needs positive sizes and at most one -1, but got "
                      f"shape={fmt(dims)}", kind="param")
    if numel(shape) % known or (-1 not in dims and known != numel(shape)):
        raise OpError(f"`reshape` cannot make {fmt(dims)} from {fmt(shape)}: "
                      f"{numel(shape)} elements do not fit")
    return tuple(numel(shape) // known if d == -1 else d for d in dims)


define(
    "reshape",
    (Param("shape", "shape"),),
    _reshape_shape,
    lambda v, a, m: f"{v[0]}.reshape({v[0]}.shape[0], {', '.join(map(str, a['shape']))})",
    doc="same elements in a new shape (one size may be -1): reshape(shape)",
)


def _transpose_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = list(in_shapes[0])
    i = axis("transpose", a["dim0"], in_shapes[0], "dim0")
    j = axis("transpose", a["dim1"], in_shapes[0], "dim1")
    shape[i], shape[j] = shape[j], shape[i]
    return tuple(shape)


define(
    "transpose",
    (Param("dim0", "int", 0), Param("dim1", "int", 1)),
    _transpose_shape,
    lambda v, a, m: f"{v[0]}.transpose({torch_dim(a['dim0'])}, {torch_dim(a['dim1'])})",
    doc="swap two dims, [C, L] -> [L, C]: transpose(dim0=0, dim1=1)",
)


def _select_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    d = axis("select", a["dim"], shape)
    if len(shape) == 1:
        raise OpError(f"`select` on {fmt(shape)} would leave a scalar",
                      hint="select from an input with at least two dims")
    if not -shape[d] <= a["index"] < shape[d]:
        raise OpError(f"`select` got index={a['index']}, but dim {a['dim']} of {fmt(shape)} "
                      f"has size {shape[d]}")
    return shape[:d] + shape[d + 1 :]


def _select_forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    if a["dim"] == 0:
        return f"{v[0]}[:, {a['index']}]"
    return f"{v[0]}.select({torch_dim(a['dim'])}, {a['index']})"


define(
    "select",
    (Param("index", "int"), Param("dim", "int", 0)),
    _select_shape,
    _select_forward,
    doc="take one slice along `dim`, dropping it; select(0) reads the class token of a [L, D] "
        "sequence: select(index, dim=0)",
)


def _dropout_forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    if a["p"] == 0:
        return v[0]
    return f"F.dropout({v[0]}, p={a['p']!r}, training=self.training)"


define(
    "dropout",
    (Param("p", "float", 0.5, check=probability("p")),),
    _same_shape,
    _dropout_forward,
    # p=0 drops nothing, in training too, so the canonical form looks through it
    transparent=lambda a: a["p"] == 0,
    doc="zero each element with probability p while training, scaling the rest: dropout(p=0.5)",
)

define("identity", (), _same_shape, lambda v, a, m: v[0], transparent=lambda a: True,
       doc="the input unchanged: identity()")

define(
    "zero",
    (),
    _same_shape,
    lambda v, a, m: f"torch.zeros_like({v[0]})",
    zeros=True,
    doc='zeros shaped like the input (the NAS-Bench-201 "none" edge): zero()',
)

"""Elementwise activations (`relu`, `gelu`, ...) and `softmax`: stateless, shape-preserving."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import axis, define, torch_dim
from archlang.ops.registry import Attrs, Param, Shape

#: op name -> (PyTorch function, what it computes)
ELEMENTWISE = {
    "relu": ("F.relu", "max(x, 0)"),
    "relu6": ("F.relu6", "min(max(x, 0), 6)"),
    "gelu": ("F.gelu", "x * Phi(x), the exact (erf) form"),
    "silu": ("F.silu", "x * sigmoid(x), a.k.a. swish"),
    "sigmoid": ("torch.sigmoid", "1 / (1 + exp(-x))"),
    "tanh": ("torch.tanh", "hyperbolic tangent"),
    "hardswish": ("F.hardswish", "x * relu6(x + 3) / 6"),
}


def _same_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    return in_shapes[0]


#: activations the code generator may apply in place (`inplace=True`) to an input nothing else
#: reads; their own output is what their backward reads, so it is never overwritten
INPLACE = {"relu", "relu6"}


def _elementwise(name: str, fn: str, what: str) -> None:
    inplace = (lambda v, a, i: f"{fn}({v[0]}, inplace=True)") if name in INPLACE else None
    define(name, (), _same_shape, lambda v, a, m: f"{fn}({v[0]})", emit_inplace=inplace,
           doc=f"elementwise {what}, any shape: {name}()")


for _name, (_fn, _what) in ELEMENTWISE.items():
    _elementwise(_name, _fn, _what)


def _softmax_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    axis("softmax", a["dim"], in_shapes[0])
    return in_shapes[0]


define(
    "softmax",
    (Param("dim", "int", -1),),
    _softmax_shape,
    lambda v, a, m: f"F.softmax({v[0]}, dim={torch_dim(a['dim'])})",
    doc="softmax along `dim` (counted without the batch; -1 is the last): softmax(dim=-1)",
)

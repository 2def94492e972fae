"""Elementwise activations (`relu`, `gelu`, `hardtanh`, ...) and `softmax`: stateless,
shape-preserving."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import Code, axis, call, define, positive, torch_dim
from archlang.ops.registry import Attrs, OpError, Param, Shape

#: op name -> (PyTorch function, what it computes)
ELEMENTWISE = {
    "relu": ("F.relu", "max(x, 0)"),
    "relu6": ("F.relu6", "min(max(x, 0), 6)"),
    "gelu": ("F.gelu", "x * Phi(x), the exact (erf) form"),
    "silu": ("F.silu", "x * sigmoid(x), a.k.a. swish"),
    "sigmoid": ("torch.sigmoid", "1 / (1 + exp(-x))"),
    "tanh": ("torch.tanh", "hyperbolic tangent"),
    "hardswish": ("F.hardswish", "x * relu6(x + 3) / 6"),
    "hardsigmoid": ("F.hardsigmoid", "relu6(x + 3) / 6, the MobileNetV3 gate"),
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


def _hardtanh_check(a: Attrs, in_shapes: Sequence[Shape]) -> None:
    if a["min_val"] >= a["max_val"]:
        raise OpError(f"`hardtanh`: `min_val` must be below `max_val`, but got "
                      f"min_val={a['min_val']!r} and max_val={a['max_val']!r}", kind="param")


#: activations with one or two numeric parameters: name -> (params, PyTorch call, doc)
PARAMETRIC = {
    "hardtanh": ((Param("min_val", "float", -1.0), Param("max_val", "float", 1.0)),
                 lambda v, a: call("F.hardtanh", Code(v[0]), min_val=(a["min_val"], -1.0),
                                   max_val=(a["max_val"], 1.0)),
                 "elementwise clamp to [min_val, max_val], any shape: "
                 "hardtanh(min_val=-1.0, max_val=1.0)"),
    "leaky_relu": ((Param("negative_slope", "float", 0.01),),
                   lambda v, a: call("F.leaky_relu", Code(v[0]),
                                     negative_slope=(a["negative_slope"], 0.01)),
                   "elementwise max(x, 0) + negative_slope * min(x, 0), any shape: "
                   "leaky_relu(negative_slope=0.01)"),
    "elu": ((Param("alpha", "float", 1.0, check=positive("alpha")),),
            lambda v, a: call("F.elu", Code(v[0]), alpha=(a["alpha"], 1.0)),
            "elementwise x if x > 0 else alpha * (exp(x) - 1), any shape: elu(alpha=1.0)"),
}

for _name, (_params, _emit, _doc) in PARAMETRIC.items():
    define(_name, _params, _same_shape, lambda v, a, m, emit=_emit: emit(v, a),
           check=_hardtanh_check if _name == "hardtanh" else None, doc=_doc)

"""Arithmetic between a tensor and a number (``h * 0.5``, ``h + 1``, ``1 - h``, ``h / 2``).

Each spelling is one op with the number as its `value`, found through `OpSpec.scalar_infix`
by the elaborator; arithmetic between two tensors is `add` and `mul` (merge.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from archlang.ops._common import always_fresh, define
from archlang.ops.registry import Attrs, Param, Shape


def _same_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    return in_shapes[0]


def _nonzero(value: float) -> str | None:
    return None if value != 0 else "`value` must not be zero, but got value=0"


#: op name -> (spellings, the emitted expression of x and c, what it computes, check)
SCALAR: dict[str, tuple[tuple[str, ...], Callable[[str, str], str], str,
                        Callable[[float], str | None] | None]] = {
    "add_scalar": (("x + c", "c + x"), lambda x, c: f"{x} + {c}", "x + value", None),
    "sub_scalar": (("x - c",), lambda x, c: f"{x} - {c}", "x - value", None),
    "rsub_scalar": (("c - x",), lambda x, c: f"{c} - {x}", "value - x", None),
    "mul_scalar": (("x * c", "c * x"), lambda x, c: f"{x} * {c}", "x * value", None),
    "div_scalar": (("x / c",), lambda x, c: f"{x} / {c}", "x / value", _nonzero),
}


def _scalar(name: str, spellings: tuple[str, ...], emit: Callable[[str, str], str], what: str,
            check: Callable[[float], str | None] | None) -> None:
    define(
        name,
        (Param("value", "float", check=check),),
        _same_shape,
        lambda v, a, m: emit(v[0], repr(a["value"])),
        # a new tensor; the backward of a sum or a product with a constant reads neither
        # side, so the op after it may overwrite it
        fresh_output=always_fresh,
        scalar_infix=spellings,
        doc=f"elementwise {what}, any shape; written `{spellings[0].replace('c', 'value')}`: "
            f"{name}(value)",
    )


for _name, (_spellings, _emit, _what, _check) in SCALAR.items():
    _scalar(_name, _spellings, _emit, _what, _check)

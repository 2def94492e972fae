"""Ops that merge several tensors: `add` and `mul` (elementwise) and `concat`."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import axis, define, fmt, torch_dim
from archlang.ops.registry import Attrs, OpError, Param, Shape


def _listing(in_shapes: Sequence[Shape]) -> str:
    return ", ".join(fmt(s) for s in in_shapes)


def _broadcast(name: str, in_shapes: Sequence[Shape]) -> Shape:
    """Equal shapes, or equal ranks where each dim matches or one side is 1 (a `parameter`)."""
    if len({len(s) for s in in_shapes}) > 1:
        raise OpError(f"`{name}` expects inputs of the same shape, but got {_listing(in_shapes)}",
                      hint="the inputs have different numbers of dims; `reshape` or "
                           "`flatten` one of them")
    out = []
    for sizes in zip(*in_shapes):
        big = {n for n in sizes if n != 1}
        if len(big) > 1:
            raise OpError(
                f"`{name}` expects inputs of the same shape, but got {_listing(in_shapes)}",
                hint="project one side to match, e.g. with a 1x1 `conv2d` or a `linear`",
            )
        out.append(big.pop() if big else 1)
    return tuple(out)


def _add_inplace(v: Sequence[str], a: Attrs, i: int) -> str | None:
    """``a.add_(b)``: sum two inputs into input `i` (addition commutes exactly, so either)."""
    return f"{v[i]}.add_({v[1 - i]})" if len(v) == 2 else None


def _elementwise(name: str, symbol: str, what: str) -> None:
    define(
        name,
        (),
        lambda a, s: _broadcast(name, s),
        lambda v, a, m: f" {symbol} ".join(v),
        inputs=None,
        # with one input the result is that input itself, not a new tensor
        fresh_output=lambda a, s: len(s) > 1,
        emit_inplace=_add_inplace if name == "add" else None,
        commutative=True,
        associative=True,
        # x + 0 is x (x * 0 is not x)
        zero_identity=name == "add",
        infix=symbol,
        doc=f"elementwise {what} of one or more inputs of one shape (a size-1 dim "
            f"broadcasts): {name}(a, b, ...)",
    )


_elementwise("add", "+", "sum")
_elementwise("mul", "*", "product")


def _concat_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    first = in_shapes[0]
    d = axis("concat", a["dim"], first)
    others = [s[:d] + s[d + 1 :] for s in in_shapes]
    if any(len(s) != len(first) for s in in_shapes) or len(set(others)) > 1:
        raise OpError(
            f"`concat` along dim {a['dim']} needs inputs that match in every other dim, "
            f"but got {_listing(in_shapes)}",
        )
    return (*first[:d], sum(s[d] for s in in_shapes), *first[d + 1 :])


define(
    "concat",
    (Param("dim", "int", 0),),
    _concat_shape,
    lambda v, a, m: f"torch.cat([{', '.join(v)}], dim={torch_dim(a['dim'])})",
    inputs=None,
    doc="join inputs along `dim` (counted without the batch; 0 is channels): concat(dim=0)",
)

"""Helpers the op modules share: registering with checks, shape messages, and code emission."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from archlang.ops.registry import Attrs, OpError, OpSpec, Param, Shape, register, with_defaults

# ---------------------------------------------------------------- registration


def define(
    name: str,
    params: Sequence[Param],
    shape_rule: Callable[[Attrs, Sequence[Shape]], Shape],
    emit_forward: Callable[[Sequence[str], Attrs, str | None], str],
    *,
    doc: str,
    inputs: int | None = 1,
    **fields: Any,
) -> OpSpec:
    """Register an op. Every callable sees `attrs` with defaults filled in (`emit_inplace`
    gets them too, through its own wrapper: its third argument is an input index)."""
    params = tuple(params)
    # every call fills the defaults in: they are worked out once here, not per call
    # (a fresh dict each time, as `with_defaults` gives)
    defaults = with_defaults(params, {})
    inplace = fields.pop("emit_inplace", None)
    filled = {k: _filling(defaults, fn) for k, fn in fields.items() if callable(fn)}
    if inplace is not None:
        filled["emit_inplace"] = lambda v, attrs, i: inplace(v, {**defaults, **attrs}, i)

    def forward(in_vars: Sequence[str], attrs: Attrs, module: str | None) -> str:
        return emit_forward(in_vars, {**defaults, **attrs}, module)

    fields.update(filled)
    return register(OpSpec(name, params, inputs, _filling(defaults, shape_rule), forward,
                           doc=doc, **fields))


def always_fresh(attrs: Attrs, in_shapes: Sequence[Shape]) -> bool:
    """`OpSpec.fresh_output` for ops that always return a new tensor their backward never
    reads (conv, batchnorm, linear)."""
    return True


def _filling(defaults: Attrs, fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda attrs, *rest: fn({**defaults, **attrs}, *rest)


# ---------------------------------------------------------------- parameter checks


def positive(name: str) -> Callable[[Any], str | None]:
    """A `Param.check`: every int in the value (an int or a tuple) is > 0; `none` passes."""
    return _bound(name, lambda v: v > 0, "positive")


def nonnegative(name: str) -> Callable[[Any], str | None]:
    return _bound(name, lambda v: v >= 0, "non-negative")


def probability(name: str) -> Callable[[Any], str | None]:
    return _bound(name, lambda v: 0 <= v <= 1, "in [0, 1]")


def one_of(name: str, choices: Sequence[str]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value in choices:
            return None
        options = ", ".join(f'"{c}"' for c in choices)
        return f"`{name}` must be one of {options}, but got {name}={lit(value)}"

    return check


def _bound(name: str, ok: Callable[[Any], bool], what: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if type(value) is int:  # the usual case, without the list and the generator
            if ok(value):
                return None
        else:
            values = value if isinstance(value, (tuple, list)) else [value]
            if value is None or all(ok(v) for v in values):
                return None
        return f"`{name}` must be {what}, but got {name}={lit(value)}"

    return check


def ntuple(value: int | Sequence[int], n: int, name: str) -> tuple[int, ...]:
    """An "ints" value as an n-tuple: ``3 -> (3, 3)``, ``[3] -> (3, 3)``, ``[3, 5] -> (3, 5)``."""
    if isinstance(value, int):
        return (value,) * n
    values = tuple(value)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise OpError(f"`{name}` takes 1 or {n} values, but got {name}={lit(value)}", kind="param")
    return values


# ---------------------------------------------------------------- shapes


#: for `expect_rank`: any input with at least one dimension
ANY_RANK = range(1, 64)


def fmt(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def expect_rank(
    op: str, shape: Shape, ranks: Sequence[int], layout: str, hint: str | None = None
) -> None:
    """Raise "`conv2d` expects a [C, H, W] input, but got [128]" unless len(shape) is in ranks."""
    if len(shape) not in ranks:
        raise OpError(f"`{op}` expects a {layout} input, but got {fmt(shape)}", hint=hint)


def axis(op: str, dim: int, shape: Shape, name: str = "dim") -> int:
    """`dim` (counted without the batch, negative from the end) as an index into `shape`."""
    if not -len(shape) <= dim < len(shape):
        raise OpError(
            f"`{op}` got {name}={dim}, but its input {fmt(shape)} has {len(shape)} "
            f"dimension{'s' if len(shape) != 1 else ''}",
            hint=f"valid values are {-len(shape)} to {len(shape) - 1}",
        )
    return dim % len(shape)


def torch_dim(dim: int) -> int:
    """A dim counted without the batch as PyTorch counts it: non-negative dims shift by one."""
    return dim + 1 if dim >= 0 else dim


def numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


# ---------------------------------------------------------------- code emission


def lit(value: Any) -> str:
    """A Python literal: ``True``, ``'same'``, ``(3, 5)``, ``0.001``."""
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, tuple) and len(set(value)) == 1:
        value = value[0]  # (3, 3) reads as 3, as hand-written PyTorch does
    return repr(value)


def call(fn: str, *args: Any, **kwargs: tuple[Any, Any]) -> str:
    """``fn(args..., key=value...)``; each keyword is a ``(value, default)`` pair and is left
    out when the value equals its default, so the code reads like hand-written PyTorch."""
    parts = [lit(a) if not isinstance(a, Code) else str(a) for a in args]
    for key, (value, default) in kwargs.items():
        if _same(value, default):
            continue
        parts.append(f"{key}={value if isinstance(value, Code) else lit(value)}")
    return f"{fn}({', '.join(parts)})"


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, (tuple, list)) and not isinstance(default, (tuple, list)):
        return all(_same(v, default) for v in value)
    return isinstance(value, bool) == isinstance(default, bool) and value == default


class Code(str):
    """Source text that `call` inserts as is, not as a literal (a variable name)."""

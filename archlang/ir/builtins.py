"""Builtin functions of the language: static arithmetic helpers and tensor queries.

They compute on values at elaboration time (never at run time of the network). Each takes
the evaluated positional arguments; an `Unknown` argument makes the result unknown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from archlang.ir.values import Tensor, Unknown, is_unknown, unknown_of


class BuiltinError(Exception):
    """A builtin got arguments it cannot use; the caller adds the location."""


def _tensor(v: Any, fn: str) -> Tensor:
    if not isinstance(v, Tensor):
        raise BuiltinError(f"`{fn}` expects a tensor, but got {v!r}")
    return v


def _channels(t: Any) -> Any:
    t = _tensor(t, "channels")
    if t.shape is None:
        return Unknown(frozenset())
    if not t.shape:
        raise BuiltinError("`channels` expects a tensor with at least one dimension, "
                           "but got a scalar")
    return t.shape[0]


def _shape(t: Any) -> Any:
    t = _tensor(t, "shape")
    return Unknown(frozenset()) if t.shape is None else tuple(t.shape)


def _make_divisible(v: Any, divisor: Any = 8, min_value: Any = None) -> int:
    """MobileNet's channel rounding: the nearest multiple of divisor, never 10% below v."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return int(new_v)


def _range(*args: Any) -> tuple[int, ...]:
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args) or not args:
        raise BuiltinError("`range` expects 1 to 3 integers")
    r = range(*args)
    if len(r) > 100_000:
        raise BuiltinError(f"`range` of {len(r):,} items is too long (the limit is 100,000)")
    return tuple(r)


def _len(v: Any) -> int:
    if not isinstance(v, (tuple, str)):
        raise BuiltinError(f"`len` expects a list, but got {v!r}")
    return len(v)


def _sum(v: Any) -> Any:
    """The sum of a list of numbers (of tensors: the `add` op, in ir/expressions.py)."""
    if not isinstance(v, tuple) or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        raise BuiltinError(f"`sum` expects a list of numbers or of tensors, but got {v!r}")
    return sum(v)


def _minmax(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        items = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
        if not items:
            raise BuiltinError(f"`{fn.__name__}` needs at least one value")
        return fn(items)

    return run


#: name -> (function, min args, max args, tensor-aware); tensor-aware builtins see shadows
BUILTINS: dict[str, tuple[Callable[..., Any], int, int, bool]] = {
    "channels": (_channels, 1, 1, True),
    "shape": (_shape, 1, 1, True),
    "len": (_len, 1, 1, False),
    "range": (_range, 1, 3, False),
    "min": (_minmax(min), 1, 64, False),
    "max": (_minmax(max), 1, 64, False),
    "sum": (_sum, 1, 1, False),
    "abs": (abs, 1, 1, False),
    "round": (round, 1, 2, False),
    "floor": (math.floor, 1, 1, False),
    "ceil": (math.ceil, 1, 1, False),
    "make_divisible": (_make_divisible, 1, 3, False),
}


def call_builtin(name: str, args: list[Any]) -> Any:
    fn, lo, hi, tensor_aware = BUILTINS[name]
    if not lo <= len(args) <= hi:
        want = f"{lo}" if lo == hi else f"{lo} to {hi}"
        raise BuiltinError(f"`{name}` takes {want} argument{'s' if hi > 1 else ''}, "
                           f"but got {len(args)}")
    if not tensor_aware and any(is_unknown(a) for a in args):
        return unknown_of(*args)
    try:
        return fn(*args)
    except BuiltinError:
        raise
    except (TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
        raise BuiltinError(f"`{name}` failed: {exc}") from None

"""Python values <-> AST literals <-> `.arch` text: the one place that spells a value.

`to_literal` builds the AST node of a plain value (the DSL, `to_arch` and rewrites use it);
`value_text` writes a value the way `.arch` does (``true``, ``none``, ``"relu"``, ``[1, 2]``),
for messages and labels, and agrees with the printer (`format_expr(to_literal(v))`);
`quote` and `float_text` are the two spellings the printer needs from it. Reading literals
back (`ast.literal_eval` for strings, `lexicon.int_value` for integers) is the parser's.

    >>> value_text([True, None, "relu", 0.5, 3])
    '[true, none, "relu", 0.5, 3]'
    >>> to_literal((1, "a"))
    TupleLit(items=(IntLit(value=1), StrLit(value='a')))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from archlang.syntax import ast as A


def quote(value: str) -> str:
    """A double-quoted string literal that `ast.literal_eval` decodes back to `value`."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return '"' + "".join(out) + '"'


def float_text(value: float) -> str:
    """A float literal: ``0.5``, ``1e-05``, ``3.0``; infinities as ``1e999``.

    Raises:
        ValueError: NaN, which has no literal.
    """
    if math.isnan(value):
        raise ValueError("NaN has no archlang literal")
    if math.isinf(value):
        return "-1e999" if value < 0 else "1e999"
    text = repr(value)
    return text if any(c in text for c in ".e") else text + ".0"


def value_text(value: Any) -> str:
    """`value` as `.arch` writes it; a tuple or list as ``[...]``; anything else its repr."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, float) and not math.isnan(value):
        return float_text(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return repr(value)


def to_literal(value: Any, *, tuples: type = A.TupleLit,
               other: Callable[[Any], Any] | None = None) -> Any:
    """The AST literal of a plain value; lists become `ListLit`, tuples `tuples`.

    `other` converts what is not a plain value (the DSL passes its expressions through it);
    without it such a value is refused.

    Raises:
        TypeError: a value with no archlang literal (a set, an object, NaN...).
    """
    if isinstance(value, bool):
        return A.BoolLit(value)
    if isinstance(value, int):
        return A.IntLit(value)
    if isinstance(value, float):
        if math.isnan(value):
            raise TypeError("NaN has no archlang literal")
        return A.FloatLit(value)
    if isinstance(value, str):
        return A.StrLit(value)
    if value is None:
        return A.NoneLit()
    if isinstance(value, (list, tuple)):
        node = A.ListLit if isinstance(value, list) else tuples
        return node(tuple(to_literal(v, tuples=tuples, other=other) for v in value))
    if other is not None:
        return other(value)
    raise TypeError(f"{type(value).__name__} {value!r} has no archlang literal")

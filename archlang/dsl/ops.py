"""The primitive ops and builtins as Python callables: ``from archlang.dsl.ops import conv2d``.

Any name the op registry or the builtins know works (``conv2d``, ``relu``, ``channels``,
``shape``...); a trailing underscore is dropped, for names Python already uses
(``range_(3)`` is ``range(3)``). An unknown name fails at import with a suggestion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archlang.dsl.expr import Expr, call


def _known() -> set[str]:
    from archlang.ir.builtins import BUILTINS
    from archlang.ops.registry import all_ops

    return set(all_ops()) | set(BUILTINS)


def op(name: str) -> Callable[..., Expr]:
    """The callable for the op or builtin `name`."""
    def make(*args: Any, **kwargs: Any) -> Expr:
        return call(name, *args, **kwargs)

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"``{name}(...)``: the archlang op or builtin."
    return make


def __getattr__(attr: str) -> Callable[..., Expr]:
    if attr.startswith("__"):
        raise AttributeError(attr)
    name = attr.rstrip("_")
    known = _known()
    if name not in known:
        from archlang.diagnostics import Suggest

        hint = Suggest(known).hint(name)
        raise AttributeError(f"archlang has no op or builtin `{name}`"
                             + (f"; {hint}" if hint else ""))
    fn = op(name)
    globals()[attr] = fn
    return fn


def __dir__() -> list[str]:
    return sorted(_known())

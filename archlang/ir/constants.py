"""Module-level constants (`const N = 4 * 8`): evaluated once, on first use, in their module.

A constant is an expression the elaborator evaluates with no decision open; a constant that
reads itself, directly or through others, is an error, caught by the marker a constant holds
while its value is being computed. The Program asks for a constant's value when a name
resolves to one; the Elaborator checks each name it reads against the marker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchError, ArchNameError
from archlang.ir.scope import Env, Scope
from archlang.source import Span
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.program import Program


class _Evaluating:
    """Marks a constant whose value is being computed (to catch self-reference)."""


_EVALUATING = _Evaluating()


def constant_value(program: Program, item: A.ConstDef) -> Any:
    """The value of `item`, computed in its module's environment the first time."""
    mod = program.module_of(item)
    if item.name in mod.env.vars:
        value = mod.env.vars[item.name]
        check_not_evaluating(value, item.name, item.span)
        return value
    # the elaborator resolves names through the Program, which comes back here: imported late
    from archlang.ir.elaborate import Elaborator

    mod.env.vars[item.name] = _EVALUATING
    try:
        elab = Elaborator(program)  # a space walk: a decision shows up as an unknown
        value, decided = elab.eval_constant(item.value, Scope(mod.source.path, active=False),
                                            Env(mod.env))
    except BaseException:
        del mod.env.vars[item.name]
        raise
    if decided:
        raise ArchError(f"constant `{item.name}` cannot hold a decision", item.span,
                        hint="declare decisions inside a network or block", code="E510")
    mod.env.vars[item.name] = value
    return value


def check_not_evaluating(value: Any, name: str, span: Span) -> None:
    if value is _EVALUATING:
        raise ArchNameError(f"constant `{name}` is defined in terms of itself", span,
                            code="E209")

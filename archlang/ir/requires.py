"""Checking a space's decision-only `require`s against an assignment, without binding it.

The space walk records every `require` whose truth depends on decisions and on no static
figure (`params`, `flops`), with a snapshot of the names it could read and the condition of
the place it was written. `check_require` re-evaluates its expression with each name that
holds a decision replaced by the assignment's value. This is what lets a searcher skip
``require not (k == 7 and width == 64)`` combinations before any bind.

It answers None (undecided: the bind walk will check it) when the require sits on a branch
the assignment does not take, or reads a value *computed* from decisions (``c = 2 * width``)
or a layer or tensor choice, or fails to evaluate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchError
from archlang.ir.decisions import Assignment, DecisionTree, cond_allows
from archlang.ir.values import Unknown, is_unknown

if TYPE_CHECKING:
    from archlang.ir.program import Program
    from archlang.ir.scope import Frame, Scope
    from archlang.syntax import ast as A

#: a require recorded by the space walk: the statement, its names, the place's scope
DecisionRequire = tuple["A.Require", "Frame", "Scope"]


class _Undecided(Exception):
    pass


def check_require(program: Program, tree: DecisionTree, req: DecisionRequire,
                  assignment: Assignment) -> bool | None:
    """True or False when `assignment` decides the require, else None."""
    from archlang.ir.elaborate import Elaborator

    stmt, frame, scope = req
    if scope.cond is not None and not (scope.cond[0] in assignment and
                                       cond_allows(scope.cond, assignment[scope.cond[0]])):
        return None
    try:
        ok = Elaborator(program, assignment).eval_substituted(
            stmt.expr, scope, frame, lambda value: _substitute(value, tree, assignment))
    except (_Undecided, ArchError):
        return None
    return None if is_unknown(ok) else bool(ok)


def _substitute(value: Any, tree: DecisionTree, assignment: Assignment) -> Any:
    if isinstance(value, tuple):
        return tuple(_substitute(v, tree, assignment) for v in value)
    if not isinstance(value, Unknown):
        return value
    d = tree.by_key.get(value.key) if value.key else None
    if d is None or value.key not in assignment or not d.readable:
        raise _Undecided
    return assignment[value.key]

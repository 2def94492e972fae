"""Decisions shared across block applications: ``shared(name, block(...))``.

Every application of ``shared("normal", cell(c))`` in one block instance (repeat copies and
loop iterations looked through) declares its decisions under one key prefix,
``<instance>.normal``, so they are one set of decisions (DARTS's genotype, shared by every
cell of its type) while each application keeps its own layers and weights. The scope half
is `Scope.instance` (ir/scope.py); registering a decision again goes through `join`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchSpaceError, ArchTypeError
from archlang.ir.decisions import DecisionPoint
from archlang.ir.values import BlockLayer, type_name
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator
    from archlang.ir.scope import Frame, Scope

#: the call that shares decisions
SHARED = "shared"


def is_shared_call(elab: Elaborator, e: A.Call, frame: Frame) -> bool:
    """`e` is ``shared(...)`` (not a block of the user's that is called `shared`)."""
    return e.func == SHARED and not isinstance(elab.program.lookup_global(frame.env, SHARED),
                                                A.BlockDef)


def eval_shared(elab: Elaborator, e: A.Call, scope: Scope, frame: Frame) -> BlockLayer:
    """``shared(name, block(...))``: the block layer, marked to share its decisions."""
    usage = 'write `shared("normal", cell(c))`: a name, then a block call'
    if len(e.args) != 2 or e.kwargs or any(isinstance(a, A.Starred) for a in e.args):
        raise ArchTypeError("`shared` takes 2 arguments, a name and a block call", e.span,
                            hint=usage, code="E324")
    name = elab.eval(e.args[0], scope, frame)
    if not (isinstance(name, str) and name.isidentifier()):
        raise ArchTypeError(f"the name of a shared block must be a string that is a name, "
                            f"but got {type_name(name)}", e.args[0].span, hint=usage,
                            code="E324")
    layer = elab.eval(e.args[1], scope, frame)
    if not isinstance(layer, BlockLayer):
        raise ArchTypeError(f"`shared` shares the decisions of a block, but got "
                            f"{type_name(layer)}", e.args[1].span, hint=usage, code="E324")
    return replace(layer, shared=name)


def join(first: DecisionPoint, again: DecisionPoint) -> DecisionPoint:
    """One shared decision from two applications' declarations: active where either is.

    >>> from archlang.ir.decisions import ValueChoice
    >>> a = ValueChoice("n.normal.k", values=(3, 5), cond=("n.repeat", frozenset({2, 3})))
    >>> join(a, replace(a, cond=("n.repeat", frozenset({3})))).cond[1] == {2, 3}
    True
    """
    if replace(again, cond=first.cond) != first:
        raise ArchSpaceError(
            f"the applications of a shared block disagree on decision `{first.key}`: "
            f"{first.describe()} at {first.span}, {again.describe()} here", again.span,
            hint="a shared decision needs the same candidates in every application; keep "
                 "what differs (a width, a stride) out of the decision's candidates' values",
            code="E519")
    cond: Any = first.cond
    if cond is None or again.cond is None:
        cond = None
    elif cond[0] == again.cond[0]:
        cond = (cond[0], cond[1] | again.cond[1])
    else:
        raise ArchSpaceError(
            f"shared decision `{first.key}` exists under `{cond[0]}` in one application and "
            f"under `{again.cond[0]}` in another", again.span,
            hint="apply a shared block under the same choice or repeat each time, or give "
                 "these applications another shared name", code="E519")
    return first if cond == first.cond else replace(first, cond=cond)

"""The hyper primitives in Python: the open places of a space.

Each returns an `Expr` for the same AST node the `.arch` primitive parses to, so keys,
scoping and tying are the elaborator's, unchanged: a decision belongs to the block instance
it is written in, binding it to a name (``b.width = choice(16, 32)``) ties every use of
that name, and each instance or repeat copy gets fresh decisions.

``int`` and ``float`` are Python's own; their archlang forms are `int_range` and
`float_range`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archlang.dsl.expr import Expr, lit
from archlang.syntax import ast as A


def choice(*candidates: Any) -> Expr:
    """One of several values, layers or tensors: ``choice(16, 32)``, ``choice(relu(), gelu())``,
    ``choice(n0, n1)`` (an input choice)."""
    if not candidates:
        raise TypeError("choice() needs at least one candidate")
    return Expr(A.Call("choice", tuple(lit(c) for c in candidates)))


def int_range(low: Any, high: Any) -> Expr:
    """An integer in [low, high], both ends included: ``int(low, high)`` in `.arch`."""
    return Expr(A.Call("int", (lit(low), lit(high))))


def float_range(low: Any, high: Any, log: bool = False) -> Expr:
    """A float in [low, high]; ``log=True`` samples on a log scale."""
    kwargs = (A.Kwarg("log", A.BoolLit(True)),) if log else ()
    return Expr(A.Call("float", (lit(low), lit(high)), kwargs))


def subset(k: Any, *candidates: Any) -> Expr:
    """k of several inputs, as a tuple: ``subset(2, x0, x1, x2) >> add()``."""
    return Expr(A.Call("subset", (lit(k),) + tuple(lit(c) for c in candidates)))


def repeat(count: Any, *body: Any) -> Expr:
    """``repeat(count) { body }``: count sequential copies, each with its own decisions.

    `body` is layers (one statement each), or one function ``body(b)`` that writes the
    statements with a body builder, for bodies that name things::

        repeat(int_range(1, 3), choice(conv_bn_relu(width), residual(width)))
        def layer(b):
            b.heads = choice(1, 2, 4)
            b.then(encoder(b.heads, dim))
        repeat(depth, layer)
    """
    from archlang.dsl.body import Body

    if len(body) == 1 and callable(body[0]) and not isinstance(body[0], Expr):
        fn: Callable[[Body], Any] = body[0]
        builder = Body()
        fn(builder)
        stmts = builder.statements
    else:
        stmts = tuple(A.ExprStmt(lit(s)) for s in body)
    if not stmts:
        raise TypeError("repeat() needs a body")
    return Expr(A.Repeat(lit(count), stmts))


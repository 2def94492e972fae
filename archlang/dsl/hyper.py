"""The hyper primitives in Python: the open places of a space.

Each returns an `Expr` for the same AST node the `.arch` primitive parses to, so keys,
scoping and tying are the elaborator's, unchanged: a decision belongs to the block instance
it is written in, binding it to a name (``b.width = choice(16, 32)``) ties every use of
that name, and each instance or repeat copy gets fresh decisions.

`shared` marks a block call whose decisions every application of the same name shares.

``int`` and ``float`` are Python's own; their archlang forms are `int_range` and
`float_range`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archlang.dsl.expr import Expr, arg, lit
from archlang.syntax import ast as A


def choice(*candidates: Any) -> Expr:
    """One of several values, layers or tensors: ``choice(16, 32)``, ``choice(relu(), gelu())``,
    ``choice(n0, n1)`` (an input choice), ``choice(*OPS)`` (the items of an `.arch` list)."""
    if not candidates:
        raise TypeError("choice() needs at least one candidate")
    return Expr(A.Call("choice", tuple(arg(c) for c in candidates)))


def shared(name: Any, layer: Any) -> Expr:
    """``shared(name, block(...))``: a block applied with the decisions of every application
    of `name` in the same block instance (each keeps its own layers and weights)::

        b.kind = cond(b.reduce, "reduction", "normal")
        b["s0", "s1"] = (b.s0, b.s1) >> shared(b.kind, cell(c))

    `name` is a string or an expression that gives one; `layer` a block call.
    """
    if isinstance(name, str) and not name.isidentifier():
        raise TypeError(f"shared(name, ...) takes a name, but got {name!r}; write "
                        f"`shared(\"normal\", cell(c))`")
    if not isinstance(name, (str, Expr)):
        raise TypeError(f"shared(name, ...) takes a name (a string), but got {name!r}")
    if not isinstance(layer, Expr):
        raise TypeError(f"shared(name, layer) shares the decisions of a block call, but got "
                        f"{layer!r}; write `shared(\"normal\", cell(c))`")
    return Expr(A.Call("shared", (lit(name), layer.node)))


def int_range(low: Any, high: Any) -> Expr:
    """An integer in [low, high], both ends included: ``int(low, high)`` in `.arch`."""
    return Expr(A.Call("int", (lit(low), lit(high))))


def float_range(low: Any, high: Any, log: bool = False) -> Expr:
    """A float in [low, high]; ``log=True`` samples on a log scale."""
    kwargs = (A.Kwarg("log", A.BoolLit(True)),) if log else ()
    return Expr(A.Call("float", (lit(low), lit(high)), kwargs))


def subset(k: Any, *candidates: Any) -> Expr:
    """k of several inputs, as a tuple: ``subset(2, x0, x1, x2) >> add()``; the candidates
    may be one list (``subset(2, b.states[:i])``) or spread from one (``*b.states``)."""
    return Expr(A.Call("subset", (lit(k),) + tuple(arg(c) for c in candidates)))


def repeat(count: Any, *body: Any, index: str | None = None) -> Expr:
    """``repeat(count) { body }``: count sequential copies, each with its own decisions.

    `body` is layers (one statement each), or one function ``body(b)`` that writes the
    statements with a body builder, for bodies that name things::

        repeat(int_range(1, 3), choice(conv_bn_relu(width), residual(width)))
        def layer(b):
            b.heads = choice(1, 2, 4)
            b.then(encoder(b.heads, dim))
        repeat(depth, layer)

    ``repeat(n) as i { body }`` names the copy index (0, 1, ...): ``index="i"``, or a body
    function's second parameter, which receives the index as a name::

        def down(b, i):
            b.then(conv2d(c, 3, stride=cond(i.eq(0), 2, 1), padding=1))
        repeat(3, down)                     # repeat(3) as i { conv2d(...) }
    """
    if len(body) == 1 and callable(body[0]) and not isinstance(body[0], Expr):
        stmts, index = _written(body[0], index)
    else:
        stmts = tuple(A.ExprStmt(lit(s)) for s in body)
    if not stmts:
        raise TypeError("repeat() needs a body")
    if index is not None and not (isinstance(index, str) and index.isidentifier()
                                  and not index.startswith("_")):
        raise TypeError(f"repeat(index=...) takes a name, but got {index!r}")
    return Expr(A.Repeat(lit(count), stmts, index))


def _written(fn: Callable[..., Any], index: str | None) -> tuple[tuple[A.Stmt, ...], str | None]:
    """The statements a repeat's body function writes, and the copy index's name (the
    function's second parameter, when it has one)."""
    import inspect

    from archlang.dsl.body import Body

    params = list(inspect.signature(fn).parameters)
    if len(params) > 2:
        raise TypeError(f"a repeat body function takes (b) or (b, index), but "
                        f"{getattr(fn, '__name__', fn)!r} takes {len(params)} arguments")
    builder = Body()
    if len(params) == 2:
        index = index or params[1]
        fn(builder, Expr(A.Name(index)))
    else:
        fn(builder)
    return builder.statements, index

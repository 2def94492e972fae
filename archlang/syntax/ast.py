"""The archlang program tree (the IR that both front-ends build): frozen dataclasses.

One class per grammar rule or alias (rule `block_def` -> `BlockDef`). Every node carries a
`span`; spans never take part in equality, so a program and its reformatted text are equal.
The `.arch` parser (syntax/to_ast.py) and the Python DSL build these same objects; the
printer (syntax/format.py) turns them back into canonical text.

This module also says, once, where a node's children are (`iter_child_fields`, read from the
dataclass fields): every tree walk goes through it, as `walk`, a `NodeVisitor` or a
`NodeTransformer` (the shapes of Python's `ast` module), never through its own field loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any, Union

from archlang.source import NO_SPAN, Span


def _span() -> Span:
    return field(default=NO_SPAN, repr=False, kw_only=True)  # type: ignore[return-value]


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Name:
    id: str
    span: Span = _span()


@dataclass(frozen=True)
class IntLit:
    value: int
    span: Span = _span()


@dataclass(frozen=True)
class FloatLit:
    value: float
    span: Span = _span()


@dataclass(frozen=True)
class StrLit:
    value: str
    span: Span = _span()


@dataclass(frozen=True)
class BoolLit:
    value: bool
    span: Span = _span()


@dataclass(frozen=True)
class NoneLit:
    span: Span = _span()


@dataclass(frozen=True)
class ListLit:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class TupleLit:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Kwarg:
    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    """``f(a, b, k = v)``: an op, a block, a builtin or a hyper primitive (`choice`, `int`...)."""

    func: str
    args: tuple[Expr, ...] = ()
    kwargs: tuple[Kwarg, ...] = ()
    span: Span = _span()
    #: the span of the callee's name alone, for "unknown op" carets
    name_span: Span = _span()

    def kwarg(self, name: str) -> Expr | None:
        for kw in self.kwargs:
            if kw.name == name:
                return kw.value
        return None


@dataclass(frozen=True)
class Starred:
    """``*xs`` in a call's arguments: the items of the list `xs`, one argument each."""

    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Repeat:
    """``repeat(n) { body }``: n sequential copies of body, each with its own decisions.

    ``repeat(n) as i { body }`` names the copy index: `i` is 0, 1, ... inside copy 0, 1, ...
    """

    count: Expr
    body: tuple[Stmt, ...]
    index: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Pipe:
    """``x -> f() -> g()``: each stage is applied to the value of the stages before it."""

    stages: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class CondExpr:
    test: Expr
    then: Expr
    orelse: Expr
    span: Span = _span()


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Not:
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >=
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / // % **
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Neg:
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Index:
    value: Expr
    index: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Slice:
    """``xs[lo:hi]``: the items of a list from `lo` (default 0) up to `hi` (default the end)."""

    value: Expr
    lower: Expr | None = None
    upper: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Attribute:
    value: Expr
    name: str
    span: Span = _span()


Expr = Union[
    Name, IntLit, FloatLit, StrLit, BoolLit, NoneLit, ListLit, TupleLit, Call, Repeat, Pipe,
    CondExpr, BoolOp, Not, Compare, BinOp, Neg, Index, Slice, Attribute, Starred,
]

# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class Assign:
    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Unpack:
    """``(a, b) = expr``: the tensors (or values) of a tuple, one name each."""

    names: tuple[str, ...]
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class ExprStmt:
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Return:
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class For:
    """``for (a, b) in table { ... }``: a compile-time loop; the table must not be a decision."""

    targets: tuple[str, ...]
    iterable: Expr
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True)
class If:
    """``if c { } elif d { } else { }``; `branches` pairs each test with its body."""

    branches: tuple[tuple[Expr, tuple[Stmt, ...]], ...]
    orelse: tuple[Stmt, ...] | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Require:
    """``require expr``: a constraint on decisions and static figures (checked by search)."""

    expr: Expr
    span: Span = _span()


Stmt = Union[Assign, Unpack, ExprStmt, Return, For, If, Require]

# ---------------------------------------------------------------- module items


@dataclass(frozen=True)
class Param:
    name: str
    type: str | None = None
    default: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Input:
    """A tensor input; a network's inputs declare shapes without the batch: ``x: [1, 8, 8]``."""

    name: str
    shape: Expr | None = None
    span: Span = _span()
    #: declared ``unbatched``: the tensor has exactly the declared shape, no batch dimension
    #: (``x: [N, 16] unbatched``; names in the shape that nothing defines are run-time sizes)
    unbatched: bool = False


@dataclass(frozen=True)
class BlockDef:
    """A reusable layer. Without declared inputs it takes one tensor, fed to its first line."""

    name: str
    params: tuple[Param, ...] = ()
    inputs: tuple[Input, ...] | None = None
    body: tuple[Stmt, ...] = ()
    span: Span = _span()


@dataclass(frozen=True)
class NetworkDef:
    """A network: a block with declared input shapes, the unit that is searched and compiled."""

    name: str
    params: tuple[Param, ...] = ()
    inputs: tuple[Input, ...] = ()
    body: tuple[Stmt, ...] = ()
    span: Span = _span()


@dataclass(frozen=True)
class Import:
    path: str
    span: Span = _span()


@dataclass(frozen=True)
class ConstDef:
    name: str
    value: Expr
    span: Span = _span()


Item = Union[Import, BlockDef, NetworkDef, ConstDef, Require]


@dataclass(frozen=True)
class Comment:
    """A ``# ...`` comment: where it starts (1-based) and its text, ``#`` included."""

    line: int
    col: int
    text: str


@dataclass(frozen=True)
class Module:
    items: tuple[Item, ...] = ()
    span: Span = _span()
    #: the file's comments in source order, kept for the formatter; never part of equality
    comments: tuple[Comment, ...] = field(default=(), compare=False, repr=False, kw_only=True)


PARAM_TYPES = ("int", "float", "bool", "str", "list", "layer", "tensor", "any")
HYPER_NAMES = ("choice", "int", "float", "subset")


# ---------------------------------------------------------------- traversal

#: fields that hold no child nodes: where a node is, and the formatter's comments
_NOT_CHILDREN = frozenset({"span", "name_span", "comments"})

#: every class of the tree (`Comment` is not a node: it sits beside the tree, in `Module`)
NODE_TYPES: tuple[type, ...] = (
    Name, IntLit, FloatLit, StrLit, BoolLit, NoneLit, ListLit, TupleLit, Kwarg, Starred, Call,
    Repeat, Pipe, CondExpr, BoolOp, Not, Compare, BinOp, Neg, Index, Slice, Attribute, Assign,
    Unpack, ExprStmt,
    Return, For, If, Require, Param, Input, BlockDef, NetworkDef, Import, ConstDef, Module,
)


def is_node(value: Any) -> bool:
    """Whether `value` is a node of this tree (not a str, a number, a span or a tuple)."""
    return isinstance(value, NODE_TYPES)


def iter_fields(node: Any) -> Iterator[tuple[str, Any]]:
    """``(name, value)`` for each field of `node` that can hold child nodes."""
    for name in child_field_names(node):
        yield name, getattr(node, name)


#: a node type -> its fields that can hold child nodes; its init fields (every field)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_INIT_FIELDS: dict[type, tuple[str, ...]] = {}


def child_field_names(node: Any) -> tuple[str, ...]:
    """The names `iter_fields` gives for `node` (no spans, no comments), once per type:
    the tree walks that run on every bind and print read them per node.

    >>> child_field_names(Call("f", (Name("x"),)))
    ('func', 'args', 'kwargs')
    """
    names = _CHILD_FIELDS.get(type(node))
    if names is None:
        names = _CHILD_FIELDS[type(node)] = tuple(
            f.name for f in fields(node) if f.name not in _NOT_CHILDREN)
    return names


def _rebuilt(node: Any, changes: dict[str, Any]) -> Any:
    """``dataclasses.replace(node, **changes)``, with the type's fields read once."""
    names = _INIT_FIELDS.get(type(node))
    if names is None:
        names = _INIT_FIELDS[type(node)] = tuple(f.name for f in fields(node) if f.init)
    return type(node)(**{n: changes[n] if n in changes else getattr(node, n) for n in names})


def iter_child_fields(node: Any) -> Iterator[tuple[str, tuple[int, ...], Any]]:
    """``(field, positions, child)`` for each node directly below `node`, in field order.

    `positions` index into the tuples on the way (``If.branches[0][1][2]`` is
    ``("branches", (0, 1, 2), stmt)``): the steps of `archlang.symbolic.paths`.

    >>> [(f, i, type(c).__name__) for f, i, c in iter_child_fields(Call("f", (Name("x"),)))]
    [('args', (0,), 'Name')]
    """
    for name, value in iter_fields(node):
        yield from _in_value(name, (), value)


def _in_value(name: str, idx: tuple[int, ...], value: Any) -> Iterator[tuple[str, tuple[int, ...],
                                                                              Any]]:
    if isinstance(value, tuple):
        for i, v in enumerate(value):
            yield from _in_value(name, idx + (i,), v)
    elif is_node(value):
        yield name, idx, value


def iter_child_nodes(node: Any) -> Iterator[Any]:
    """The nodes directly below `node` (through tuples, e.g. `If.branches`), in field order."""
    for _, _, child in iter_child_fields(node):
        yield child


def walk(node: Any) -> Iterator[Any]:
    """`node` (a node, or a tuple of them such as a body) and every node below, in preorder.

    Iterative, so a deep expression cannot exhaust Python's stack.

    >>> [type(n).__name__ for n in walk(BinOp("+", Name("a"), IntLit(1)))]
    ['BinOp', 'Name', 'IntLit']
    """
    stack = [node]
    while stack:
        top = stack.pop()
        if isinstance(top, tuple):
            stack.extend(reversed(top))
            continue
        yield top
        stack.extend(reversed(list(iter_child_nodes(top))))


class NodeVisitor:
    """Calls ``visit_<ClassName>(node)`` where defined, else `generic_visit` (which visits
    the children), as Python's `ast.NodeVisitor` does. Subclasses collect what they need.

    >>> class Names(NodeVisitor):
    ...     def __init__(self) -> None:
    ...         self.seen: list[str] = []
    ...     def visit_Name(self, node: Name) -> None:
    ...         self.seen.append(node.id)
    >>> v = Names(); v.visit(Pipe((Name("x"), Call("f", (Name("k"),))))); v.seen
    ['x', 'k']
    """

    def visit(self, node: Any) -> Any:
        method = getattr(self, "visit_" + type(node).__name__, self.generic_visit)
        return method(node)

    def generic_visit(self, node: Any) -> Any:
        for child in iter_child_nodes(node):
            self.visit(child)
        return None


class NodeTransformer(NodeVisitor):
    """A `NodeVisitor` whose visits return the replacement node; `generic_visit` rebuilds a
    node (as `dataclasses.replace` does) only where a child came back as another object, so an
    unchanged subtree stays the very same object, spans and all. Trees are never mutated.

    >>> class Bump(NodeTransformer):
    ...     def visit_IntLit(self, node: IntLit) -> IntLit:
    ...         return IntLit(node.value + 1)
    >>> Bump().visit(Call("f", (IntLit(1),), (Kwarg("k", IntLit(2)),)))
    Call(func='f', args=(IntLit(value=2),), kwargs=(Kwarg(name='k', value=IntLit(value=3)),))
    """

    def generic_visit(self, node: Any) -> Any:
        changes = None
        for name in child_field_names(node):
            value = getattr(node, name)
            new = self._visit_value(value)
            if new is not value:
                if changes is None:
                    changes = {}
                changes[name] = new
        return node if changes is None else _rebuilt(node, changes)

    def _visit_value(self, value: Any) -> Any:
        if isinstance(value, tuple):
            items = tuple(self._visit_value(v) for v in value)
            return value if all(a is b for a, b in zip(items, value)) else items
        return self.visit(value) if is_node(value) else value

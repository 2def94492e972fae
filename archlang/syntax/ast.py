"""The archlang program tree (the IR that both front-ends build): frozen dataclasses.

One class per grammar rule or alias (rule `block_def` -> `BlockDef`). Every node carries a
`span`; spans never take part in equality, so a program and its reformatted text are equal.
The `.arch` parser (syntax/to_ast.py) and the Python DSL build these same objects; the
printer (syntax/format.py) turns them back into canonical text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

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
class Repeat:
    """``repeat(n) { body }``: n sequential copies of body, each with its own decisions."""

    count: Expr
    body: tuple[Stmt, ...]
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
class Attribute:
    value: Expr
    name: str
    span: Span = _span()


Expr = Union[
    Name, IntLit, FloatLit, StrLit, BoolLit, NoneLit, ListLit, TupleLit, Call, Repeat, Pipe,
    CondExpr, BoolOp, Not, Compare, BinOp, Neg, Index, Attribute,
]

# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class Assign:
    name: str
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


Stmt = Union[Assign, ExprStmt, Return, For, If, Require]

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

"""Lark parse tree -> `archlang.syntax.ast`: one Transformer method per grammar rule or alias."""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer, v_args

from archlang.diagnostics import ArchSyntaxError
from archlang.source import Source, Span
from archlang.syntax import ast as A
from archlang.syntax.lexicon import int_value, string_value


def _tok_span(source: Source, tok: Token) -> Span:
    return Span(source, tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0)


class _Expressions(Transformer):  # type: ignore[type-arg]
    """The expression rules, and the spans every rule's node gets (`ToAst` adds the
    module and statement rules)."""

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source

    def _span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.source, 0, 0, 0, 0)
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    # ------------------------------------------------------------ expressions

    @v_args(meta=True)
    def pipe(self, meta: Any, c: list[Any]) -> A.Pipe:
        left, right = c
        stages = left.stages if isinstance(left, A.Pipe) else (left,)
        return A.Pipe(stages + (right,), span=self._span(meta))

    @v_args(meta=True)
    def cond_expr(self, meta: Any, c: list[Any]) -> A.CondExpr:
        return A.CondExpr(c[1], c[0], c[2], span=self._span(meta))

    @v_args(meta=True)
    def or_expr(self, meta: Any, c: list[Any]) -> A.BoolOp:
        return A.BoolOp("or", c[0], c[1], span=self._span(meta))

    @v_args(meta=True)
    def and_expr(self, meta: Any, c: list[Any]) -> A.BoolOp:
        return A.BoolOp("and", c[0], c[1], span=self._span(meta))

    @v_args(meta=True)
    def not_expr(self, meta: Any, c: list[Any]) -> A.Not:
        return A.Not(c[0], span=self._span(meta))

    @v_args(meta=True)
    def compare(self, meta: Any, c: list[Any]) -> A.Compare:
        return A.Compare(str(c[1]), c[0], c[2], span=self._span(meta))

    def _binop(op: str):  # type: ignore[no-untyped-def]  # noqa: N805
        @v_args(meta=True)
        def method(self: ToAst, meta: Any, c: list[Any]) -> A.BinOp:
            return A.BinOp(op, c[0], c[1], span=self._span(meta))

        return method

    add = _binop("+")
    sub = _binop("-")
    mul = _binop("*")
    div = _binop("/")
    floordiv = _binop("//")
    mod = _binop("%")
    pow = _binop("**")

    @v_args(meta=True)
    def neg(self, meta: Any, c: list[Any]) -> A.Expr:
        if isinstance(c[0], (A.IntLit, A.FloatLit)) and not isinstance(c[0].value, bool):
            return type(c[0])(-c[0].value, span=self._span(meta))  # type: ignore[arg-type]
        return A.Neg(c[0], span=self._span(meta))

    @v_args(meta=True)
    def index(self, meta: Any, c: list[Any]) -> A.Index:
        return A.Index(c[0], c[1], span=self._span(meta))

    @v_args(meta=True)
    def slice(self, meta: Any, c: list[Any]) -> A.Slice:
        return A.Slice(c[0], c[1], c[2], span=self._span(meta))

    @v_args(meta=True)
    def starred(self, meta: Any, c: list[Any]) -> A.Starred:
        return A.Starred(c[0], span=self._span(meta))

    @v_args(meta=True)
    def multi_index(self, meta: Any, c: list[Any]) -> A.Index:
        """``long[2, E]``: several indices, one tuple (an input's dtype and shape)."""
        span = self._span(meta)
        return A.Index(c[0], A.TupleLit(tuple(c[1:]), span=span), span=span)

    @v_args(meta=True)
    def attribute(self, meta: Any, c: list[Any]) -> A.Attribute:
        return A.Attribute(c[0], str(c[1]), span=self._span(meta))

    @v_args(meta=True)
    def name(self, meta: Any, c: list[Any]) -> A.Name:
        return A.Name(str(c[0]), span=self._span(meta))

    @v_args(meta=True)
    def call(self, meta: Any, c: list[Any]) -> A.Call:
        name, args = c[0], c[1] or []
        positional: list[Any] = []
        kwargs: list[A.Kwarg] = []
        for a in args:
            if isinstance(a, A.Kwarg):
                if any(k.name == a.name for k in kwargs):
                    raise ArchSyntaxError(f"argument `{a.name}` is given twice", a.span,
                                          code="E106")
                kwargs.append(a)
            elif kwargs:
                raise ArchSyntaxError(
                    "a positional argument follows a keyword argument", _expr_span(a),
                    hint="put positional arguments first", code="E107")
            else:
                positional.append(a)
        return A.Call(str(name), tuple(positional), tuple(kwargs), span=self._span(meta),
                      name_span=_tok_span(self.source, name))

    def args(self, c: list[Any]) -> list[Any]:
        return c

    @v_args(meta=True)
    def kwarg(self, meta: Any, c: list[Any]) -> A.Kwarg:
        return A.Kwarg(str(c[0]), c[1], span=self._span(meta))

    @v_args(meta=True)
    def repeat(self, meta: Any, c: list[Any]) -> A.Repeat:
        index = None if c[1] is None else str(c[1])
        return A.Repeat(c[0], c[2], index, span=self._span(meta))

    @v_args(meta=True)
    def int_lit(self, meta: Any, c: list[Any]) -> A.IntLit:
        try:
            value = int_value(str(c[0]))
        except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
            raise ArchSyntaxError("integer literal is too long", _tok_span(self.source, c[0]),
                                  code="E111") from None
        return A.IntLit(value, span=self._span(meta))

    @v_args(meta=True)
    def float_lit(self, meta: Any, c: list[Any]) -> A.FloatLit:
        return A.FloatLit(float(str(c[0])), span=self._span(meta))

    @v_args(meta=True)
    def str_lit(self, meta: Any, c: list[Any]) -> A.StrLit:
        return A.StrLit(self._string(c[0]), span=self._span(meta))

    @v_args(meta=True)
    def true_lit(self, meta: Any, c: list[Any]) -> A.BoolLit:
        return A.BoolLit(True, span=self._span(meta))

    @v_args(meta=True)
    def false_lit(self, meta: Any, c: list[Any]) -> A.BoolLit:
        return A.BoolLit(False, span=self._span(meta))

    @v_args(meta=True)
    def none_lit(self, meta: Any, c: list[Any]) -> A.NoneLit:
        return A.NoneLit(span=self._span(meta))

    @v_args(meta=True)
    def list_lit(self, meta: Any, c: list[Any]) -> A.ListLit:
        return A.ListLit(tuple(x for x in c if x is not None), span=self._span(meta))

    @v_args(meta=True)
    def tuple_lit(self, meta: Any, c: list[Any]) -> A.TupleLit:
        return A.TupleLit(tuple(x for x in c if x is not None), span=self._span(meta))

    def _string(self, tok: Token) -> str:
        try:
            return string_value(str(tok))
        except ValueError as exc:
            if exc.args[0]:
                raise ArchSyntaxError(
                    f"invalid escape `{exc.args[0]}` in string", _tok_span(self.source, tok),
                    hint="escapes are Python's: \\\\, \\\", \\n, \\t, \\xNN, \\uNNNN, ...",
                    code="E108") from None
            raise ArchSyntaxError("invalid escape in string", _tok_span(self.source, tok),
                                  code="E108") from None
        except TypeError:  # pragma: no cover - the grammar forbids it
            raise ArchSyntaxError("invalid string", _tok_span(self.source, tok),
                                  code="E108") from None


class ToAst(_Expressions):
    """Builds AST nodes with spans from Lark's propagated positions: one method per grammar
    rule or alias, named as the rule."""

    # ------------------------------------------------------------ module items

    @v_args(meta=True)
    def module(self, meta: Any, items: list[Any]) -> A.Module:
        return A.Module(tuple(items), span=self._span(meta))

    @v_args(meta=True)
    def import_stmt(self, meta: Any, c: list[Any]) -> A.Import:
        return A.Import(self._string(c[0]), span=self._span(meta))

    @v_args(meta=True)
    def const_def(self, meta: Any, c: list[Any]) -> A.ConstDef:
        return A.ConstDef(str(c[0]), c[1], span=self._span(meta))

    @v_args(meta=True)
    def require_stmt(self, meta: Any, c: list[Any]) -> A.Require:
        return A.Require(c[0], span=self._span(meta))

    @v_args(meta=True)
    def block_def(self, meta: Any, c: list[Any]) -> A.BlockDef:
        name, params, inputs, body = c
        return A.BlockDef(str(name), params or (), inputs, body, span=self._span(meta))

    @v_args(meta=True)
    def network_def(self, meta: Any, c: list[Any]) -> A.NetworkDef:
        name, params, inputs, body = c
        return A.NetworkDef(str(name), params or (), inputs, body, span=self._span(meta))

    def params(self, c: list[Any]) -> tuple[A.Param, ...]:
        return tuple(c)

    @v_args(meta=True)
    def param(self, meta: Any, c: list[Any]) -> A.Param:
        name, type_, default = c
        if type_ is not None and str(type_) not in A.PARAM_TYPES:
            raise ArchSyntaxError(
                f"unknown parameter type `{type_}`",
                _tok_span(self.source, type_),
                hint="types are " + ", ".join(f"`{t}`" for t in A.PARAM_TYPES),
                code="E105",
            )
        return A.Param(str(name), None if type_ is None else str(type_), default,
                       span=self._span(meta))

    def inputs(self, c: list[Any]) -> tuple[A.Input, ...]:
        return tuple(c)

    @v_args(meta=True)
    def input(self, meta: Any, c: list[Any]) -> A.Input:
        return A.Input(str(c[0]), c[1], span=self._span(meta), unbatched=c[2] is not None)

    def body(self, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    # ------------------------------------------------------------ statements

    @v_args(meta=True)
    def assign(self, meta: Any, c: list[Any]) -> A.Assign:
        return A.Assign(str(c[0]), c[1], span=self._span(meta))

    @v_args(meta=True)
    def unpack(self, meta: Any, c: list[Any]) -> A.Unpack:
        *targets, value = [x for x in c if x is not None]
        for t in targets:
            if not isinstance(t, A.Name):
                raise ArchSyntaxError("only names can be assigned to", _expr_span(t),
                                      hint="unpack into names: `(a, b) = cell(...)`",
                                      code="E112")
        return A.Unpack(tuple(t.id for t in targets), value, span=self._span(meta))

    def name_target(self, c: list[Any]) -> tuple[str, ...]:
        return (str(c[0]),)

    def tuple_target(self, c: list[Any]) -> tuple[str, ...]:
        return tuple(str(t) for t in c)

    @v_args(meta=True)
    def expr_stmt(self, meta: Any, c: list[Any]) -> A.ExprStmt:
        return A.ExprStmt(c[0], span=self._span(meta))

    @v_args(meta=True)
    def return_stmt(self, meta: Any, c: list[Any]) -> A.Return:
        return A.Return(c[0], span=self._span(meta))

    @v_args(meta=True)
    def for_stmt(self, meta: Any, c: list[Any]) -> A.For:
        return A.For(c[0], c[1], c[2], span=self._span(meta))

    @v_args(meta=True)
    def if_stmt(self, meta: Any, c: list[Any]) -> A.If:
        branches = [(c[0], c[1])] + [tuple(e) for e in c[2:-1]]
        return A.If(tuple(branches), c[-1], span=self._span(meta))  # type: ignore[arg-type]

    def elif_clause(self, c: list[Any]) -> tuple[Any, Any]:
        return (c[0], c[1])

def _expr_span(node: Any) -> Span | None:
    return getattr(node, "span", None)

"""Hypothesis strategies for archlang programs: from the grammar, as ASTs, and as noise."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

from archlang import resources
from archlang.syntax import ast as A

NAMES = ("x", "y", "h", "conv2d", "relu", "int", "layer_1", "_k")
_COMP = ("==", "!=", "<", "<=", ">", ">=")
_OPS = ("+", "-", "*", "/", "//", "%", "**")

# ---------------------------------------------------------------- programs from the grammar

#: terminals whose regular expressions from_lark cannot use as they are (lookaheads) or whose
#: free generation mostly yields noise; every token gets a trailing space so that keywords
#: and names never run together
_TOKENS: dict[str, Any] = {
    "NAME": st.sampled_from(NAMES),
    "INT": st.sampled_from(["0", "1", "3", "1_000", "2K", "5M", "1G", "12345678901234567890"]),
    "FLOAT": st.sampled_from(["1.0", "0.5", "1e-05", ".5", "2.", "1E3", "1e999", "3.14159"]),
    "STRING": st.sampled_from(['""', '"a b"', '"x\\ty"', '"q\\"q"', '"\u00e9"', '"\\\\"', '"#"']),
    "COMP_OP": st.sampled_from(_COMP),
    "_NL": st.sampled_from(["\n", "\n\n", "\n  "]),
    "COMMENT": st.just(""),
}


@functools.lru_cache(maxsize=1)
def grammar() -> Any:
    import lark

    return lark.Lark(resources.read_text("grammar/archlang.lark"), start="module", parser="lalr")


def grammar_programs() -> st.SearchStrategy[str]:
    from hypothesis.extra.lark import from_lark

    g = grammar()
    explicit = {}
    for term in g.terminals:
        if term.name in _TOKENS:
            base = _TOKENS[term.name]
        elif term.pattern.type == "str":
            base = st.just(term.pattern.value)
        else:  # the ignored whitespace and line continuations
            base = st.just("")
        explicit[term.name] = base.map(lambda s: s + " ")
    return from_lark(g, start="module", explicit=explicit)


# ---------------------------------------------------------------- programs as trees

_names = st.sampled_from(NAMES)
_leaves = st.one_of(
    _names.map(A.Name),
    st.integers(-(10**20), 10**20).map(A.IntLit),
    st.floats(allow_nan=False).map(A.FloatLit),
    st.text(max_size=6).map(A.StrLit),
    st.booleans().map(A.BoolLit),
    st.just(A.NoneLit()),
)


def _build(cls: Any, *parts: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Like `st.builds`, without its lazily built (here: exponentially large) repr."""
    return st.tuples(*parts).map(lambda args: cls(*args))


def _neg(e: Any) -> A.Neg:
    if isinstance(e, (A.IntLit, A.FloatLit)):  # the parser folds `-1` into a literal
        e = A.Call("f", (e,))
    return A.Neg(e)


def _call(func: str, args: list[Any], kwargs: dict[str, Any]) -> A.Call:
    return A.Call(func, tuple(args), tuple(A.Kwarg(k, v) for k, v in kwargs.items()))


def _pipe(stages: list[Any]) -> A.Pipe:
    if isinstance(stages[0], A.Pipe):  # the parser flattens a pipe in the first stage
        stages = [*stages[0].stages, *stages[1:]]
    return A.Pipe(tuple(stages))


def _stmt(e: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        _build(A.Assign, _names, e),
        _build(A.Unpack, st.lists(_names, min_size=1, max_size=3).map(tuple), e),
        _build(A.ExprStmt, e),
        _build(A.Return, e),
        _build(A.Require, e),
    )


def _extend(sub: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(sub, min_size=2, max_size=4).map(_pipe),
        _build(A.CondExpr, sub, sub, sub),
        _build(A.BoolOp, st.sampled_from(("and", "or")), sub, sub),
        _build(A.Not, sub),
        _build(A.Compare, st.sampled_from(_COMP), sub, sub),
        _build(A.BinOp, st.sampled_from(_OPS), sub, sub),
        sub.map(_neg),
        _build(A.Index, sub, sub),
        _build(A.Slice, sub, st.none() | sub, st.none() | sub),
        _build(A.Attribute, sub, _names),
        _build(_call, _names, st.lists(sub | sub.map(A.Starred), max_size=3),
               st.dictionaries(_names, sub, max_size=2)),
        st.lists(sub, max_size=4).map(lambda xs: A.ListLit(tuple(xs))),
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: A.TupleLit(tuple(xs))),
        _build(A.Repeat, sub, st.lists(_stmt(sub), max_size=2).map(tuple), st.none() | _names),
    )


exprs = st.deferred(lambda: st.recursive(_leaves, _extend, max_leaves=24))


def _compound(body: st.SearchStrategy[tuple[Any, ...]]) -> st.SearchStrategy[Any]:
    targets = st.lists(_names, min_size=1, max_size=3).map(tuple)
    branches = st.lists(st.tuples(exprs, body), min_size=1, max_size=3).map(tuple)
    return st.one_of(
        _build(A.For, targets, exprs, body),
        _build(A.If, branches, st.none() | body),
    )


stmts = st.deferred(lambda: st.recursive(
    _stmt(exprs), lambda sub: _compound(st.lists(sub, max_size=3).map(tuple)), max_leaves=8))
_body = st.lists(stmts, max_size=4).map(tuple)
_params = st.lists(_build(A.Param, _names, st.none() | st.sampled_from(A.PARAM_TYPES),
                             st.none() | exprs), max_size=3).map(tuple)
_inputs = st.lists(_build(A.Input, _names, st.none() | exprs), min_size=1, max_size=2)
items = st.one_of(
    st.text(max_size=8).map(A.Import),
    _build(A.ConstDef, _names, exprs),
    _build(A.Require, exprs),
    _build(A.BlockDef, _names, _params, st.none() | _inputs.map(tuple), _body),
    _build(A.NetworkDef, _names, _params, _inputs.map(tuple), _body),
)
modules = st.lists(items, max_size=5).map(lambda xs: A.Module(tuple(xs)))

# ---------------------------------------------------------------- noise

_FRAGMENTS = ("block", "network", "import", "repeat", "if", "else", "elif", "for", "in", "(",
              ")", "[", "]", "{", "}", ",", ";", "\n", " ", "->", "=", "==", "**", "//", "-",
              "'", '"', "\\", "#", "1K", "1e9", ".5", "x", "not", "and", "true", ":", ".")
noise = st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=3), max_size=40).map("".join)

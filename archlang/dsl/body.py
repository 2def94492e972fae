"""`Body`: writes the statements of a block, a network or a repeat from Python.

A definition's function receives a `Body` as its first argument and writes with it::

    b.h = x >> conv2d(16, 3)        # h = x -> conv2d(16, 3)      (an assignment)
    b.h                             # the name `h`, to use later
    b["then"] = ...                 # the same, for names that are Body methods
    b["a", "b"] = (s, s) >> cell(c) # (a, b) = (s, s) -> cell(c)  (unpacking a tuple)
    b.then(relu())                  # relu()                      (a pipeline line)
    b.require(b.k < 7)              # require k < 7
    with b.loop("i", range_(3)):    # for i in range(3) { ... }   (compile-time loop)
    with b.loop(("c", "s"), [(64, 1), (128, 2)]) as (c, s): ...
    with b.when(b.stride.ne(1)):    # if stride != 1 { ... }
    with b.elif_(...): ... ; with b.otherwise(): ...
    return h >> linear(10)          # return h -> linear(10)      (the function's return)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from archlang.dsl.expr import Expr, lit
from archlang.syntax import ast as A


class Body:
    """A statement list being written (see the module docstring)."""

    def __init__(self) -> None:
        object.__setattr__(self, "_stack", [[]])

    @property
    def statements(self) -> tuple[A.Stmt, ...]:
        return tuple(self._stack[0])

    def _emit(self, stmt: Any) -> None:
        self._stack[-1].append(stmt)

    # ------------------------------------------------------------ names

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            raise AttributeError(f"archlang names cannot start with `_`: {name}")
        self._emit(A.Assign(name, lit(value)))

    def __getattr__(self, name: str) -> Expr:
        if name.startswith("_"):
            raise AttributeError(name)
        return Expr(A.Name(name))

    def __setitem__(self, name: str | tuple[str, ...], value: Any) -> None:
        if isinstance(name, tuple):
            self._emit(A.Unpack(_names(name), lit(value)))
        else:
            self._emit(A.Assign(name, lit(value)))

    def __getitem__(self, name: str | tuple[str, ...]) -> Any:
        if isinstance(name, tuple):
            return tuple(Expr(A.Name(n)) for n in _names(name))
        return Expr(A.Name(name))

    # ------------------------------------------------------------ statements

    def then(self, *layers: Any) -> None:
        """One pipeline line per layer: each is applied to the current tensor."""
        for layer in layers:
            self._emit(A.ExprStmt(lit(layer)))

    def ret(self, value: Any) -> None:
        """``return value`` (a definition's function may also just return it)."""
        self._emit(A.Return(lit(value)))

    def require(self, test: Any) -> None:
        """``require test``: a constraint checked when the network is bound."""
        self._emit(A.Require(lit(test)))

    @contextlib.contextmanager
    def _collect(self) -> Iterator[list[Any]]:
        """Statements written inside the `with` go to the yielded list, not to this body."""
        self._stack.append([])
        out: list[Any] = []
        try:
            yield out
        finally:
            out.extend(self._stack.pop())

    @contextlib.contextmanager
    def loop(self, targets: str | tuple[str, ...], iterable: Any) -> Iterator[Any]:
        """``for targets in iterable { ... }``: yields the loop variable(s) as names."""
        names = (targets,) if isinstance(targets, str) else tuple(targets)
        with self._collect() as body:
            yield Expr(A.Name(names[0])) if len(names) == 1 else tuple(
                Expr(A.Name(n)) for n in names)
        self._emit(A.For(names, lit(iterable), tuple(body)))

    @contextlib.contextmanager
    def when(self, test: Any) -> Iterator[None]:
        """``if test { ... }``."""
        with self._collect() as body:
            yield
        self._emit(A.If(((lit(test), tuple(body)),)))

    @contextlib.contextmanager
    def elif_(self, test: Any) -> Iterator[None]:
        """``elif test { ... }`` after a `when`."""
        last = self._last_if()
        with self._collect() as body:
            yield
        self._stack[-1][-1] = replace(last, branches=last.branches + ((lit(test), tuple(body)),))

    @contextlib.contextmanager
    def otherwise(self) -> Iterator[None]:
        """``else { ... }`` after a `when` (and its `elif_`s)."""
        last = self._last_if()
        with self._collect() as body:
            yield
        self._stack[-1][-1] = replace(last, orelse=tuple(body))

    def _last_if(self) -> A.If:
        stmts = self._stack[-1]
        if not stmts or not isinstance(stmts[-1], A.If) or stmts[-1].orelse is not None:
            raise TypeError("elif_/otherwise must follow a `with b.when(...)` block")
        return stmts[-1]


def _names(names: tuple[Any, ...]) -> tuple[str, ...]:
    """The targets of ``b["a", "b"] = ...``: names, as `(a, b) = ...` takes (E112 in text)."""
    bad = [n for n in names if not isinstance(n, str) or not n.isidentifier()
           or n.startswith("_")]
    if bad or not names:
        raise TypeError(f"unpack into names: b[\"a\", \"b\"] = ..., but got {names!r}")
    return tuple(names)

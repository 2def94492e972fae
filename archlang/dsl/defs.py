"""Blocks, networks, constants and `.arch` libraries defined from Python.

A definition is a Python function whose first argument is a `Body` (see dsl/body.py); the
others are the block's parameters (their defaults and annotations become the `.arch`
defaults and types) and its tensor inputs (named in the decorator). The function runs once,
with every parameter and input standing for its name, and what it writes becomes the
definition's AST: the same `BlockDef`/`NetworkDef` the parser makes from the equivalent
text. So the elaborator, the keys, the scoping and the tying rules are the `.arch` ones.

    @block(inputs=["x"])
    def residual(b, x, c: int):
        b.h = x >> conv_bn_relu(c, k=choice(3, 5)) >> conv_bn(c, 3)
        return b.h + x >> relu()

    @network(inputs={"x": [1, 8, 8]})
    def net(b, x, classes: int = 10):
        ...
    net.space()          # an archlang Space, as from the .arch text
    net.to_arch()        # the .arch text

Calling a block makes a layer (``residual(32)``); calling a name of a `use`d `.arch` file
does too (``blocks = use("stdlib/blocks.arch"); blocks.conv_bn(16)``). What a definition
calls is recorded while it runs, so `module` can gather its blocks and imports.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archlang.dsl.body import Body
from archlang.dsl.expr import Expr, call, lit
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.program import Program
    from archlang.ir.space import Space

_ORDER = itertools.count()
#: the definitions being traced, innermost last (what they call is recorded on them)
_TRACING: list[Definition] = []
#: every Python definition by name, the latest winning (rewrites look names up here)
DEFINED: dict[str, Definition] = {}
#: every `use`d library by the names it defines
LIBRARY_OF: dict[str, Library] = {}

_TYPES = {int: "int", float: "float", bool: "bool", str: "str", list: "list"}


class Layer:
    """An annotation for a parameter that takes a layer: ``act: Layer = gelu()``."""


class Tensor:
    """An annotation for a parameter that takes a tensor."""


class Definition:
    """A block, a network or a constant written in Python (see the module docstring)."""

    kind = "block"

    def __init__(self, fn: Callable[..., Any] | None, name: str,
                 inputs: Iterable[str] | dict[str, Any] | None) -> None:
        self.fn = fn
        self.name = name
        self.inputs = inputs
        self.order = next(_ORDER)
        self.deps: dict[int, Definition] = {}
        self.imports: dict[str, Library] = {}
        DEFINED[name] = self

    @functools.cached_property
    def item(self) -> Any:
        """The AST item (traced on first use)."""
        _TRACING.append(self)
        try:
            return self._trace()
        finally:
            _TRACING.pop()

    def _trace(self) -> Any:
        assert self.fn is not None
        sig = list(inspect.signature(self.fn).parameters.values())
        if not sig:
            raise TypeError(f"{self.name}: the first argument receives the body builder")
        input_names = list(self.inputs or ())
        params, args = [], {}
        for p in sig[1:]:
            args[p.name] = Expr(A.Name(p.name))
            if p.name in input_names:
                continue
            default = None if p.default is inspect.Parameter.empty else lit(p.default)
            params.append(A.Param(p.name, _type_name(p.annotation, self.name, p.name), default))
        missing = [n for n in input_names if n not in args]
        if missing:
            raise TypeError(f"{self.name}: inputs {missing} are not arguments of the function")
        body = Body()
        result = self.fn(body, **args)
        if result is not None:
            body.ret(result)
        return self._make(tuple(params), body.statements)

    def _make(self, params: tuple[A.Param, ...], stmts: tuple[A.Stmt, ...]) -> Any:
        inputs = None if self.inputs is None else tuple(A.Input(n) for n in self.inputs)
        return A.BlockDef(self.name, params, inputs, stmts)

    def __call__(self, *args: Any, **kwargs: Any) -> Expr:
        """A layer: this block applied with these arguments."""
        if _TRACING:
            _TRACING[-1].deps[id(self)] = self
        return call(self.name, *args, **kwargs)

    def to_arch(self) -> str:
        """This definition and everything it uses, as a `.arch` file."""
        from archlang.syntax.format import format_module

        return format_module(module(self))

    def __repr__(self) -> str:
        return f"<archlang {self.kind} {self.name}>"


class Network(Definition):
    """A network: a block with input shapes, the unit that is searched and compiled."""

    kind = "network"

    def _make(self, params: tuple[A.Param, ...], stmts: tuple[A.Stmt, ...]) -> Any:
        assert isinstance(self.inputs, dict)
        inputs = tuple(A.Input(n, lit(s.shape), unbatched=True) if isinstance(s, unbatched)
                       else A.Input(n, lit(s)) for n, s in self.inputs.items())
        return A.NetworkDef(self.name, params, inputs, stmts)

    def __call__(self, *args: Any, **kwargs: Any) -> Expr:
        raise TypeError(f"`{self.name}` is a network; only blocks can be used as layers")

    def program(self) -> Program:
        """The linked program of this network's module (printed, then parsed: errors point
        at the printed `.arch` line)."""
        from archlang.api import parse
        from archlang.syntax.format import format_module

        return parse(format_module(module(self)), path=f"<python {self.name}{self._where()}>",
                     base=_base_of(self))

    def _where(self) -> str:
        code = getattr(self.fn, "__code__", None)
        return f" from {Path(code.co_filename).name}" if code is not None else ""

    def space(self, **params: Any) -> Space:
        """The search space of this network (keyword arguments override its parameters)."""
        return self.program().network(self.name, **params)


class Const(Definition):
    """A named constant (a table): ``stages = const("stages", [(64, 2), (128, 2)])``."""

    kind = "const"

    def __init__(self, name: str, value: Any) -> None:
        super().__init__(None, name, None)
        self.value = lit(value)

    @functools.cached_property
    def item(self) -> Any:
        return A.ConstDef(self.name, self.value)

    def __archlang_expr__(self) -> A.Name:
        if _TRACING:
            _TRACING[-1].deps[id(self)] = self
        return A.Name(self.name)

    def __getitem__(self, index: Any) -> Expr:
        return Expr(self.__archlang_expr__())[index]

    def __iter__(self) -> Any:
        """``*OPS``: the constant's items spread into a call (``choice(*OPS)``)."""
        return iter(Expr(self.__archlang_expr__()))


class Library:
    """The blocks of a `.arch` file, usable as Python callables: ``lib.conv_bn(16)``."""

    def __init__(self, path: str, base: Path | None) -> None:
        self.path = path
        self.base = base
        prog = _load_library(path, str(base) if base else None)
        assert prog.root is not None
        self.names = frozenset(n for n, d in prog.root.visible.items()
                               if isinstance(d, A.BlockDef))
        for n in self.names:
            LIBRARY_OF.setdefault(n, self)

    def __getattr__(self, name: str) -> Callable[..., Expr]:
        if name.startswith("__"):
            raise AttributeError(name)
        if name not in self.names:
            from archlang.diagnostics import Suggest

            hint = Suggest(self.names).hint(name)
            raise AttributeError(f"{self.path} defines no block `{name}`"
                                 + (f"; {hint}" if hint else ""))

        def make(*args: Any, **kwargs: Any) -> Expr:
            if _TRACING:
                _TRACING[-1].imports[self.path] = self
            return call(name, *args, **kwargs)

        make.__name__ = name
        return make

    def __dir__(self) -> list[str]:
        return sorted(self.names)

    def __repr__(self) -> str:
        return f"<archlang library {self.path}: {len(self.names)} blocks>"


@functools.lru_cache(maxsize=32)
def _load_library(path: str, base: str | None) -> Program:
    from archlang.api import parse

    return parse(f'import "{path}"\n', path="<python>", base=base)


def use(path: str) -> Library:
    """A `.arch` file's blocks, for Python definitions: ``use("stdlib/blocks.arch")``.

    A relative path is read from the folder of the Python file that calls `use`.
    """
    base = None
    if not path.startswith("stdlib/"):
        caller = sys._getframe(1).f_code.co_filename
        base = Path(caller).resolve().parent if os.path.exists(caller) else Path.cwd()
    return Library(path, base)


def const(name: str, value: Any) -> Const:
    """A module constant; use it like a name (``for ... in stages``)."""
    return Const(name, value)


def block(fn: Callable[..., Any] | None = None, *, inputs: Iterable[str] | None = None,
          name: str | None = None) -> Any:
    """Decorate a function to define a block. Without `inputs` the block takes one tensor,
    fed to its first line (a pipeline body); with ``inputs=["x"]`` it names its inputs."""
    def wrap(f: Callable[..., Any]) -> Definition:
        return Definition(f, name or f.__name__, list(inputs) if inputs is not None else None)

    return wrap(fn) if fn is not None else wrap


def network(fn: Callable[..., Any] | None = None, *, inputs: dict[str, Any],
            name: str | None = None) -> Any:
    """Decorate a function to define a network; `inputs` maps names to shapes without the
    batch: ``{"x": [1, 8, 8]}``, ``{"tokens": long[16]}``."""
    def wrap(f: Callable[..., Any]) -> Network:
        return Network(f, name or f.__name__, dict(inputs))

    return wrap(fn) if fn is not None else wrap


class _Long:
    """``long[16]``: the shape of integer token inputs."""

    def __getitem__(self, shape: Any) -> Expr:
        if isinstance(shape, tuple) and len(shape) > 1:  # `long[2, E]`, as `.arch` reads it
            return Expr(A.Index(A.Name("long"), A.TupleLit(tuple(lit(d) for d in shape))))
        return Expr(A.Index(A.Name("long"), lit(list(shape) if isinstance(shape, tuple)
                                                 else shape)))


long = _Long()


class unbatched:  # noqa: N801 - reads as the `.arch` keyword it stands for
    """``unbatched([name("N"), 16])``: a network input without a batch dimension, as
    ``x: [N, 16] unbatched`` (`name("N")` is a run-time size)."""

    def __init__(self, shape: Any) -> None:
        self.shape = shape


def module(*defs: Definition) -> A.Module:
    """The `.arch` module of these definitions and everything they use: the imports first
    (in the order first used), then the definitions in the order Python defined them."""
    seen: dict[int, Definition] = {}
    todo = list(defs)
    while todo:
        d = todo.pop()
        if id(d) in seen:
            continue
        seen[id(d)] = d
        d.item  # noqa: B018 - traces it, recording what it uses
        todo.extend(d.deps.values())
    ordered = sorted(seen.values(), key=lambda d: d.order)
    imports: dict[str, Library] = {}
    for d in ordered:
        imports.update(d.imports)
    items = [A.Import(lib.path) for lib in imports.values()]
    return A.Module(tuple(items) + tuple(d.item for d in ordered))


def _base_of(d: Definition) -> Path | None:
    seen = [d, *d.deps.values()]
    for x in seen:
        for lib in x.imports.values():
            if lib.base is not None:
                return lib.base
    return None


def _type_name(annotation: Any, owner: str, param: str) -> str | None:
    if annotation is inspect.Parameter.empty:
        return None
    if annotation in _TYPES:
        return _TYPES[annotation]
    if annotation is Layer:
        return "layer"
    if annotation is Tensor:
        return "tensor"
    text = str(annotation).strip("'\"").lower()
    if text in A.PARAM_TYPES:
        return text
    raise TypeError(f"{owner}: parameter `{param}` has annotation {annotation!r}; archlang "
                    f"types are {', '.join(A.PARAM_TYPES)} (or Layer, Tensor)")

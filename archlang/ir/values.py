"""The values an elaborating program computes with: tensors, layer recipes and unknowns.

A *layer* is a recipe (an op or block call with its arguments, a repeat, a choice, a chain);
applying it to tensors creates an instance. An `Unknown` stands for a value that depends on
decisions not fixed in this walk: the space walk computes with unknowns, the bind walk with
concrete values (and with unknowns only on branches that the assignment switches off).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archlang.source import Span

if TYPE_CHECKING:
    from archlang.ir.graph import Node
    from archlang.ir.scope import Env
    from archlang.ops.registry import OpSpec
    from archlang.syntax import ast as A


@dataclass(frozen=True)
class Unknown:
    """A value that depends on the decisions in `deps`; `key` is set when it *is* a decision."""

    deps: frozenset[str]
    key: str | None = None

    def __repr__(self) -> str:
        return f"<{self.key}>" if self.key else f"<unknown {sorted(self.deps)}>"


def unknown_of(*values: Any) -> Unknown:
    deps: set[str] = set()
    for v in values:
        if isinstance(v, Unknown):
            deps |= v.deps
        elif isinstance(v, tuple):
            for x in v:
                if isinstance(x, Unknown):
                    deps |= x.deps
    return Unknown(frozenset(deps))


def is_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, tuple):
        return any(is_unknown(v) for v in value)
    return isinstance(value, Tensor) and value.node is None


@dataclass(eq=False)
class Tensor:
    """A tensor flowing through the network: a graph node and its shape (batch excluded).

    In a space walk (or on a branch the assignment switches off) `node` is None and `shape`
    is None: the tensor exists only symbolically.
    """

    node: Node | None
    shape: tuple[int, ...] | None
    dtype: str = "float"

    def __repr__(self) -> str:
        return f"Tensor({self.node.name if self.node else '?'}, {self.shape})"


SHADOW = Tensor(None, None)


#: numbers layers in the order they are made (ir/blockmemo.py tells a block body's own
#: layers from those made outside it by theirs)
next_serial = itertools.count().__next__


@dataclass(eq=False)
class Layer:
    """Base of layer recipes. `name` is the instance name allocated where it was written."""

    span: Span
    name: str
    serial: int = field(default_factory=next_serial, init=False, repr=False)
    #: how many times this recipe has been applied; later applications get fresh names
    applied: int = field(default=0, init=False)
    #: the module name the call gave (`name = "conv1"`): "" for none given, None for
    #: `name = none` (a block whose layers join the enclosing module)
    module_name: str | None = field(default="", init=False)


@dataclass(eq=False)
class OpLayer(Layer):
    spec: OpSpec = None  # type: ignore[assignment]
    attrs: dict[str, Any] = field(default_factory=dict)
    call: A.Call | None = None


@dataclass(eq=False)
class BlockLayer(Layer):
    block: A.BlockDef = None  # type: ignore[assignment]
    env: Env = None  # type: ignore[assignment]  # the block's module globals
    args: dict[str, Any] = field(default_factory=dict)
    call: A.Call | None = None
    #: where the call was written: (instance path, loop context), for the recorder
    origin: tuple[str, Any] = ("", ())
    #: set by ``shared(name, block(...))``: every application with this name, in the same
    #: block instance, shares its decisions (keys ``<owner>.<name>....``)
    shared: str | None = None


@dataclass(eq=False)
class RepeatLayer(Layer):
    node: A.Repeat = None  # type: ignore[assignment]
    env: Env = None  # type: ignore[assignment]  # the closure the body sees
    count: Any = None  # int, or Unknown(key=...) of the count decision
    origin: tuple[str, Any] = ("", ())


@dataclass(eq=False)
class ChoiceLayer(Layer):
    """A decision between layers. `chosen` is the index in a bind walk, None in a space walk."""

    key: str = ""
    candidates: tuple[Layer, ...] = ()
    chosen: int | None = None


@dataclass(eq=False)
class ChainLayer(Layer):
    """``relu() -> linear(3)`` written without an input: applied stage by stage."""

    stages: tuple[Layer, ...] = ()


def type_name(value: Any) -> str:
    """How a value is named in error messages."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return "list"
    if isinstance(value, Tensor):
        return "tensor"
    if isinstance(value, Layer):
        return "layer"
    if isinstance(value, Unknown):
        return "decision" if value.key else "value depending on decisions"
    return type(value).__name__


def describe(v: Any) -> str:
    """A value as an error message shows it (`[1, 2]`, `true`, `a tensor`)."""
    if isinstance(v, tuple):
        return "[" + ", ".join(describe(x) for x in v) + "]"
    if isinstance(v, Unknown):
        return "a value that depends on decisions"
    if isinstance(v, (Tensor, Layer)):
        return f"a {type_name(v)}"
    return repr(v) if not isinstance(v, bool) else str(v).lower()

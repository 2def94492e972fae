"""An Arch: a network with every decision fixed, its concrete graph and static figures.

What it compiles to (`generated`, `source()`, `compile()`) is on the user-facing Arch,
`archlang.facade.Arch`: code generation (archlang.compile) sits above ir.

Example:
    >>> import archlang
    >>> arch = archlang.parse('network n() (x: [8]) { return x -> linear(4) }').network().bind()
    >>> arch.params, arch.output_shape
    (36, (4,))
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from archlang.ir.decisions import Assignment
from archlang.ir.graph import Graph
from archlang.ops.registry import get_op

if TYPE_CHECKING:
    from archlang.ir.space import Space


class Arch:
    """A fully decided network."""

    def __init__(self, space: Space, assignment: Assignment, graph: Graph) -> None:
        self.space = space
        #: the value of every active decision, in declaration order (JSON-able)
        self.assignment = assignment
        self.graph = graph

    @property
    def name(self) -> str:
        return self.graph.name

    # ------------------------------------------------------------ static figures

    @functools.cached_property
    def params(self) -> int:
        """Trainable parameters, counted without building the module."""
        return sum(_op(n.op).count_params(n.attrs, [x.shape for x in n.inputs])
                   for n in self.graph.nodes)

    @functools.cached_property
    def flops(self) -> int:
        """Multiply-accumulates for one example."""
        return sum(_op(n.op).flops(n.attrs, [x.shape for x in n.inputs], n.shape)
                   for n in self.graph.nodes)

    @property
    def output_shape(self) -> tuple[int, ...]:
        assert self.graph.output is not None
        return self.graph.output.shape

    @property
    def input_shapes(self) -> dict[str, tuple[int, ...]]:
        return {n.name: n.shape for n in self.graph.inputs}

    @functools.cached_property
    def hash(self) -> str:
        """Equal networks (whatever decisions produced them) have equal hashes."""
        return self.graph.hash()

    # ------------------------------------------------------------ text

    def to_arch(self) -> str:
        """The network printed back as `.arch` text with every decision fixed."""
        from archlang.ir.specialize import specialize

        return specialize(self)

    def to_json(self) -> dict[str, Any]:
        return {"network": self.name, "assignment": self.assignment, "hash": self.hash}

    def __repr__(self) -> str:
        return (f"<Arch {self.name} {json.dumps(self.assignment)} params={self.params:,} "
                f"out={list(self.output_shape)}>")


def _op(name: str) -> Any:
    spec = get_op(name)
    assert spec is not None, name
    return spec

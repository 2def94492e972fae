"""The user-facing Program, Space and Arch (see the package docstring for why they are here)."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchSpaceError
from archlang.ir import arch as _arch
from archlang.ir import program as _program
from archlang.ir import space as _space
from archlang.ir.decisions import Assignment, DecisionPoint
from archlang.source import Source

if TYPE_CHECKING:
    from archlang.compile.codegen import GeneratedModule


class Arch(_arch.Arch):
    """A fully decided network, with what it compiles to.

    Example:
        >>> import archlang
        >>> arch = archlang.parse('network n() (x: [8]) { return x -> linear(4) }').network().bind()
        >>> "class" in arch.source()
        True
    """

    @functools.cached_property
    def generated(self) -> GeneratedModule:
        """The nested module's source (see `source`)."""
        return self._emit(nested=True)

    @functools.cached_property
    def generated_flat(self) -> GeneratedModule:
        """The flat form's source: every layer an attribute of the network class."""
        return self._emit(nested=False)

    def _emit(self, nested: bool) -> GeneratedModule:
        from archlang.compile.codegen import emit_torch

        root = self.space.program.root
        origin = root.source.path if root is not None else "<string>"
        return emit_torch(self.graph, origin, nested=nested)

    def source(self, nested: bool = True) -> str:
        """The generated Python source: a class per distinct block instance, nested as the
        `.arch` blocks are (``model.layer1[0].conv1``), the network's class and `build()`;
        with ``nested=False``, one flat class."""
        return (self.generated if nested else self.generated_flat).src

    def compile(self, nested: bool = True) -> Any:
        """A `torch.nn.Module` built from exactly the source `source(nested)` returns."""
        from archlang.compile.load import load_module

        return load_module(self.generated if nested else self.generated_flat)


class Space(_space.Space):
    """The search space of one network, with the rewrites of archlang.symbolic as methods.

    Each rewrite returns a new, checked Space (or raises RewriteError) and leaves this one
    as it is.
    """

    arch_type = Arch

    def find(self, pattern: str) -> list[DecisionPoint]:
        """The open decisions whose keys match a glob: ``space.find("net.*.k")``."""
        from archlang.symbolic import find

        return find(self, pattern)

    def find_nodes(self, pattern: Any) -> list[Any]:
        """Call nodes whose name matches a glob (or nodes a predicate accepts), with paths."""
        from archlang.symbolic import find_nodes

        return find_nodes(self, pattern)

    def rebind(self, values: Assignment) -> Space:
        """Fix decisions (by key) and replace nodes (by path) at once."""
        from archlang.symbolic import rebind

        return rebind(self, values)

    def replace(self, path: str, value: Any) -> Space:
        from archlang.symbolic import replace_at

        return replace_at(self, path, value)

    def insert(self, path: str, layer: Any, *, before: bool = False) -> Space:
        from archlang.symbolic import insert_at

        return insert_at(self, path, layer, before)

    def remove(self, path: str) -> Space:
        from archlang.symbolic import remove_at

        return remove_at(self, path)

    def apply(self, *rules: Any) -> Space:
        """The rewrite rules (archlang.symbolic.every(...)...) applied in order."""
        from archlang.symbolic import apply

        return apply(self, *rules)

    def clone(self) -> Space:
        from archlang.symbolic import clone

        return clone(self)

    def diff(self, other: Space) -> Any:
        """What changed from this space to `other`, path by path (prints readably)."""
        from archlang.symbolic import diff

        return diff(self, other)

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> Space:
        """The Space `to_json` described (its program text is parsed again)."""
        if isinstance(data, str):
            data = json.loads(data)
        if data.get("format") != _space.SPACE_FORMAT:
            raise ArchSpaceError(f"not an archlang space (format {data.get('format')!r})",
                                 None, code="E513")
        program = Program.from_source(Source(data["source"], data.get("path", "<space>")))
        space = program.network(data["network"], **data.get("params", {}))
        return space.fix(data.get("fixed", {})) if data.get("fixed") else space


class Program(_program.Program):
    """Everything `load` or `parse` read; its networks are user-facing Spaces."""

    space_type = Space

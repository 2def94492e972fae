"""`Draft`: a copy of a space's program being rewritten, and the one place that commits it.

Every rewrite (archlang.symbolic) edits a draft of the root module's items, then `commit`
links the new tree (`Program.from_source(..., tree=)`, no parsing), walks the new space and
binds a few of its members. Any error there becomes one `RewriteError` that names the path
that was edited and carries the underlying error; the original Space is never touched, so
nothing is ever left half-rewritten.

Definitions from imported files are *vendored* on first edit: the edited block cannot stay
in `stdlib/blocks.arch`, so the import is replaced by that file's definitions, and at
commit the ones the program no longer reaches are dropped again. The printed space is then
self-contained (`space.to_arch()`), and decision keys do not change (they name instances,
not files).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchError, ArchSpaceError, Suggest
from archlang.symbolic import paths as P
from archlang.syntax import ast as A
from archlang.validate import validate_space

if TYPE_CHECKING:
    from archlang.ir.program import LoadedModule
    from archlang.ir.space import Space

#: members bound to check a rewritten space (besides the space walk)
CHECK_SAMPLES = 3


class RewriteError(ArchSpaceError):
    """A rewrite that would break the network: names the path and the reason."""

    code = "E520"


class Draft:
    """The root module's items, being edited (see the module docstring)."""

    def __init__(self, space: Space) -> None:
        self.space = space
        root = space.program.root
        assert root is not None
        self.root = root
        self.items: list[Any] = list(root.tree.items)
        imports = [it for it in self.items if isinstance(it, A.Import)]
        #: the module each import item stands for (by the item's identity)
        self.import_of: dict[int, LoadedModule] = {
            id(it): mod for it, mod in zip(imports, root.imports)}
        self.vendored: set[str] = set()

    # ------------------------------------------------------------ items

    def _position(self, name: str) -> int | None:
        for i, it in enumerate(self.items):
            if getattr(it, "name", None) == name and not isinstance(it, A.Import):
                return i
        return None

    def item(self, name: str) -> Any:
        """The definition `name`, vendored into the root module when it was imported."""
        i = self._position(name)
        if i is None:
            self._vendor(name)
            i = self._position(name)
            assert i is not None
        return self.items[i]

    def set_item(self, name: str, new: Any) -> None:
        i = self._position(name)
        assert i is not None, name
        self.items[i] = new

    def _vendor(self, name: str) -> None:
        """Replace the import that brings `name` in by the imported file's items (through
        as many imports as it takes: a network's file that imports the blocks' file)."""
        mod = self._module_defining(name)
        for _ in range(len(self.space.program.modules)):
            step = self._import_towards(mod)
            self._vendor_import(step)
            if self._position(name) is not None:
                return

    def _module_defining(self, name: str) -> LoadedModule:
        mods = [m for m in self.space.program.modules.values() if name in m.defs]
        if not mods:
            raise RewriteError(f"no block, network or constant `{name}` in this program",
                               None, hint=Suggest(self.root.visible).hint(name), code="E521")
        return mods[0]

    def _import_towards(self, target: LoadedModule) -> int:
        """The position of the import item that leads (most directly) to `target`."""
        best: tuple[int, int] | None = None
        for i, it in enumerate(self.items):
            mod = self.import_of.get(id(it)) if isinstance(it, A.Import) else None
            depth = _depth(mod, target) if mod is not None else None
            if depth is not None and (best is None or depth < best[0]):
                best = (depth, i)
        if best is None:
            raise RewriteError(f"`{target.source.path}` is not imported by this program",
                               None, code="E521")
        return best[1]

    def _vendor_import(self, i: int) -> None:
        mod = self.import_of[id(self.items[i])]
        have = {it.path for it in self.items if isinstance(it, A.Import)}
        own = [it for it in mod.tree.items if isinstance(it, A.Import)]
        for imp, sub in zip(own, mod.imports):
            if not imp.path.startswith("stdlib/") and imp.path not in have:
                raise RewriteError(f"cannot rewrite the definitions of {mod.source.path}: it "
                                   f"imports `{imp.path}` relative to itself", None,
                                   code="E521")
            self.import_of[id(imp)] = sub
        new = [imp for imp in own if imp.path not in have]
        defs = [it for it in mod.tree.items if not isinstance(it, A.Import)]
        self.vendored |= {it.name for it in defs if hasattr(it, "name")}
        self.items[i:i + 1] = new + defs

    def adopt(self, node: Any) -> None:
        """Add the Python-defined blocks (archlang.dsl) that `node` calls and the program
        does not know yet, with the blocks and imports they use in turn."""
        from archlang.dsl.defs import DEFINED, LIBRARY_OF, module

        known = set(self.root.visible) | {getattr(it, "name", None) for it in self.items}
        for _, n in P.walk(node):
            if not isinstance(n, A.Call) or n.func in known:
                continue
            if n.func in DEFINED:
                for it in module(DEFINED[n.func]).items:
                    self._add(it, known)
            elif n.func in LIBRARY_OF:
                self._add(A.Import(LIBRARY_OF[n.func].path), known)

    def _add(self, it: Any, known: set[Any]) -> None:
        if isinstance(it, A.Import):
            if all(not (isinstance(x, A.Import) and x.path == it.path) for x in self.items):
                self.items.insert(0, it)
        elif it.name not in known:
            pos = self._position(self.space.name)
            self.items.insert(pos if pos is not None else len(self.items), it)
            known.add(it.name)

    # ------------------------------------------------------------ commit

    def tree(self) -> A.Module:
        """The edited module, without vendored definitions nothing reaches any more."""
        network = self.space.name  # the space's own network stays, wherever it came from
        keep = [it for it in self.items
                if getattr(it, "name", None) not in self.vendored or it.name == network]
        by_name = {it.name: it for it in self.items if hasattr(it, "name")}
        reached: set[str] = {network}
        todo = [it for it in keep if not isinstance(it, A.Import)]
        while todo:
            for _, n in P.walk(todo.pop()):
                ref = n.func if isinstance(n, A.Call) else n.id if isinstance(n, A.Name) else None
                if ref in self.vendored and ref not in reached:
                    reached.add(ref)
                    todo.append(by_name[ref])
        items = [it for it in self.items
                 if getattr(it, "name", None) not in self.vendored
                 or it.name in reached]
        return A.Module(tuple(items))

    def commit(self, what: str, path: str, check: int = CHECK_SAMPLES) -> Space:
        """The rewritten Space, checked; `what` and `path` name the edit in errors."""
        try:
            prog = type(self.space.program).from_source(self.root.source, self.space.program.base,
                                       tree=self.tree())
            assert prog.root is not None
            net = prog.root.defs.get(self.space.name)
            if not isinstance(net, A.NetworkDef):
                raise RewriteError(f"the network `{self.space.name}` is gone", None,
                                   code="E525")
            new = self.space.derive(prog, net)
            problems = validate_space(new, check, strict=True, before=self.space)
            if problems:
                raise ArchError.many(problems)
        except RewriteError:
            raise
        except ArchError as err:
            raise RewriteError(f"{what} at `{path}` breaks the network: "
                               f"{err.diagnostic.message}", None, notes=[err.render()],
                               hint="nothing was changed; the space is as it was",
                               code="E523") from None
        return new


def _depth(mod: LoadedModule, target: LoadedModule, seen: frozenset[int] = frozenset()
           ) -> int | None:
    """How many imports lead from `mod` to `target` (0: it is the target), or None."""
    if mod is target:
        return 0
    found = [_depth(m, target, seen | {id(mod)}) for m in mod.imports if id(m) not in seen]
    depths = [d for d in found if d is not None]
    return 1 + min(depths) if depths else None

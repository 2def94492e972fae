"""A program: a root `.arch` module with its imports, linked into one namespace per module.

``import "stdlib/blocks.arch"`` reads from the standard library; any other path is relative
to the importing file and may not leave that file's folder. Each module sees its own
definitions and those of the modules it imports (not their imports in turn).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from archlang import resources
from archlang.diagnostics import ArchLimitError, ArchNameError, Suggest
from archlang.files import read_source
from archlang.ir.constants import constant_value
from archlang.ir.scope import Env
from archlang.ir.space import Space
from archlang.source import Source, Span
from archlang.syntax import ast as A
from archlang.syntax.parser import parse_source

MAX_IMPORT_DEPTH = 32
STDLIB_PREFIX = "stdlib/"


class LoadedModule:
    """One parsed file and the names it can see."""

    def __init__(self, source: Source, tree: A.Module) -> None:
        self.source = source
        self.tree = tree
        self.defs: dict[str, A.BlockDef | A.NetworkDef | A.ConstDef] = {}
        self.visible: dict[str, Any] = {}  # own and imported definitions
        self.env = Env()  # constants, evaluated on first use
        self.env.owner = self
        self.imports: list[LoadedModule] = []


class Program:
    """Everything `load` or `parse` read, with the root module's networks.

    Example:
        >>> import archlang
        >>> p = archlang.parse('network n() (x: [4]) { return x -> linear(2) }')
        >>> p.network().name
        'n'
    """

    #: the class `network` returns (the user-facing Program's networks have rewrite methods)
    space_type: type[Space] = Space

    def __init__(self) -> None:
        self.modules: dict[str, LoadedModule] = {}
        self.root: LoadedModule | None = None
        self._module_of: dict[int, LoadedModule] = {}
        #: the folder relative imports of the root resolve against (None: the cwd)
        self.base: Path | None = None
        #: what bind walks learn about this program's syntax and keep, by table name:
        #: label plans (ir/labels.py), choices' facts (ir/hyper.py), block applications
        #: (ir/blockmemo.py); all keyed by AST node, none changes what a bind builds
        self.bind_caches: dict[str, dict[Any, Any]] = {}

    # ------------------------------------------------------------ loading

    @classmethod
    def from_source(cls, source: Source, base: Path | None = None,
                    tree: A.Module | None = None, file: bool = True) -> Program:
        """Link `source` and its imports. With `tree`, the root is that already built
        module tree instead of `source` parsed (a rewritten program, archlang.symbolic:
        `source` then only names the file and renders the spans that point into it).
        `file=False`: the source's path names no file (`to_arch`'s check), not looked up."""
        prog = cls()
        prog.base = base
        path = Path(source.path)
        key = str(path.resolve()) if file and path.is_file() else source.path
        prog.root = prog._load(source, base, chain=[], key=key, tree=tree)
        return prog

    def _load(self, source: Source, base: Path | None, chain: list[str],
              key: str, tree: A.Module | None = None) -> LoadedModule:
        """Parse and link one module; `key` is its resolved path (what cycles compare)."""
        mod = LoadedModule(source, tree if tree is not None else parse_source(source))
        self.modules[key] = mod
        for item in mod.tree.items:
            if isinstance(item, A.Import):
                mod.imports.append(self._import(item, source, base, chain + [key]))
        for item in mod.tree.items:
            if isinstance(item, (A.BlockDef, A.NetworkDef, A.ConstDef)):
                self._define(mod, item.name, item, item.span)
        for imp in mod.imports:
            for name, item in imp.defs.items():
                if name in mod.visible and mod.visible[name] is not item:
                    raise ArchNameError(
                        f"`{name}` is defined both here and in {imp.source.path}",
                        _span_of(mod.visible[name]) or item.span,
                        hint="rename one of them", code="E204")
                mod.visible[name] = item
        for item in mod.defs.values():
            self._module_of[id(item)] = mod
        return mod

    def _define(self, mod: LoadedModule, name: str, item: Any, span: Span) -> None:
        if name in mod.defs:
            raise ArchNameError(f"`{name}` is defined twice", span,
                                hint=f"the first definition is at {_span_of(mod.defs[name])}",
                                code="E205")
        mod.defs[name] = item
        mod.visible[name] = item

    def _import(self, imp: A.Import, source: Source, base: Path | None,
                chain: list[str]) -> LoadedModule:
        path = self._resolve(imp, source, base)
        key = str(path)
        if key in chain:
            cycle = " -> ".join(Path(p).name for p in chain[chain.index(key):] + [key])
            raise ArchNameError(f"import cycle: {cycle}", imp.span,
                                hint="move the shared blocks into a file both can import",
                                code="E206")
        if len(chain) > MAX_IMPORT_DEPTH:
            raise ArchLimitError(f"imports nest more than {MAX_IMPORT_DEPTH} deep", imp.span,
                                 code="E608")
        if key in self.modules:
            return self.modules[key]
        # shown as written (stdlib/...), or relative to the importing file's shown path
        shown = imp.path if imp.path.startswith(STDLIB_PREFIX) else os.path.normpath(
            os.path.join(os.path.dirname(source.path), imp.path))
        return self._load(read_source(path, shown, imp.span), path.parent, chain, key)

    def _resolve(self, imp: A.Import, source: Source, base: Path | None) -> Path:
        if not imp.path.endswith(".arch") and (imp.path.endswith(".py") or (
                "/" not in imp.path and "." in imp.path.strip("."))):
            raise ArchNameError(f"a `.arch` file cannot import Python (`{imp.path}`)", imp.span,
                                hint=f"pass the module on the command line: --ops {imp.path}"
                                     " (or list it in pyproject.toml's [tool.archlang] ops)",
                                code="E214")
        if imp.path.startswith(STDLIB_PREFIX):
            root = resources.stdlib_root().resolve()
            path = (root / imp.path[len(STDLIB_PREFIX):]).resolve()
        else:
            root = (base or Path.cwd()).resolve()
            path = (root / imp.path).resolve()
        if not path.is_relative_to(root):
            raise ArchNameError(f"import `{imp.path}` leaves the folder of the importing file",
                                imp.span, hint="imports may reach the importing file's folder, "
                                "its subfolders and `stdlib/...`", code="E208")
        if not path.is_file():
            hint = None
            if imp.path.startswith(STDLIB_PREFIX):
                names = [f"stdlib/{p.relative_to(root)}" for p in root.rglob("*.arch")]
                hint = Suggest(names).hint(imp.path)
            raise ArchNameError(f"cannot find `{imp.path}`", imp.span, hint=hint, code="E207")
        return path

    # ------------------------------------------------------------ names

    def module_of(self, item: Any) -> LoadedModule:
        return self._module_of[id(item)]

    def env_of(self, item: Any) -> Env:
        """The environment a block body sees: its module's visible names."""
        return self.module_of(item).env

    def lookup_global(self, env: Env, name: str) -> Any:
        """Resolve `name` in the module whose environment `env` chains to."""
        mod = self._module_for_env(env)
        if mod is None or name not in mod.visible:
            return None
        item = mod.visible[name]
        if isinstance(item, A.ConstDef):
            return constant_value(self, item)
        return item

    def global_names(self, env: Env) -> set[str]:
        mod = self._module_for_env(env)
        return set(mod.visible) if mod is not None else set()

    def _module_for_env(self, env: Env) -> LoadedModule | None:
        root = env
        while root.parent is not None:
            root = root.parent
        return root.owner  # type: ignore[no-any-return]

    # ------------------------------------------------------------ networks

    def networks(self) -> list[A.NetworkDef]:
        """The networks the root module defines, in order."""
        assert self.root is not None
        return [d for d in self.root.defs.values() if isinstance(d, A.NetworkDef)]

    def network(self, name: str | None = None, **params: Any) -> Space:
        """The named network as a `Space` (the only network when `name` is None).

        Keyword arguments override the network's parameters: ``network("resnet18",
        classes=10)``.
        """
        assert self.root is not None
        if name is None:
            nets = self.networks()
            if len(nets) != 1:
                listing = ", ".join(f"`{n.name}`" for n in nets) or "none"
                raise ArchNameError(
                    f"{self.root.source.path} defines {len(nets)} networks ({listing}); "
                    "say which one", None, hint="pass `--network NAME`", code="E210")
            return self.space_type(self, nets[0], params)
        item = self.root.visible.get(name)
        if not isinstance(item, A.NetworkDef):
            names = [n for n, d in self.root.visible.items() if isinstance(d, A.NetworkDef)]
            raise ArchNameError(f"no network `{name}` in {self.root.source.path}", None,
                                hint=Suggest(names).hint(name) or
                                f"networks: {', '.join(names) or 'none'}", code="E210")
        return self.space_type(self, item, params)


def _span_of(item: Any) -> Span | None:
    return getattr(item, "span", None)

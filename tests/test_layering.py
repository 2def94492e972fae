"""The package graph of archlang has no cycles, and ir stays below the layers that use it.

A package is the first two dotted parts of a module name (`archlang.ir`, `archlang.api`);
every import counts, at module level or inside a function, `TYPE_CHECKING` blocks included,
because a lazy import is still a dependency. An edge that closes a cycle on purpose (a
user-facing method that calls a higher layer) is allowed only where the importing package's
docstring lists it on a line of its own: ``Facade: archlang.dsl -> archlang.api (why)``.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import archlang

ROOT = Path(archlang.__file__).resolve().parent
FACADE = re.compile(r"^\s*Facade:\s*(archlang\.\w+)\s*->\s*(archlang\.\w+)", re.M)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _imported(node: ast.AST, module: str, is_init: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".")
        base = base if is_init else base[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target == "archlang":  # `from archlang import resources` names a module
        return [f"archlang.{a.name}" for a in node.names]
    return [target]


def package_imports() -> dict[str, dict[str, list[str]]]:
    """package -> imported package -> the `file:line` of each import."""
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        source = _package(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _imported(node, module, path.name == "__init__.py"):
                if target.startswith("archlang.") and _package(target) != source:
                    where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                    edges[source][_package(target)].append(where)
    return edges


def declared_facades() -> set[tuple[str, str]]:
    found = set()
    for init in ROOT.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        owner = _module_name(init)
        found.update((a, b) for a, b in FACADE.findall(doc) if a == _package(owner))
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_cycles_between_packages() -> None:
    edges = package_imports()
    facades = declared_facades()
    graph = {a: {b for b in targets if (a, b) not in facades} for a, targets in edges.items()}
    problems = []
    for cycle in _cycles(graph):
        for a in cycle:
            for b in sorted(graph[a] & set(cycle)):
                problems.append(f"{a} -> {b}: {', '.join(edges[a][b][:3])}")
    assert not problems, "import cycles between packages:\n" + "\n".join(problems)


def test_facades_are_real_edges() -> None:
    # a facade line for an import that no longer exists would hide a future cycle
    edges = package_imports()
    assert all(b in edges.get(a, {}) for a, b in declared_facades())


def test_ir_stays_below_its_users() -> None:
    edges = package_imports()["archlang.ir"]
    for above in ("archlang.symbolic", "archlang.cli", "archlang.search", "archlang.api"):
        assert above not in edges, f"archlang.ir imports {above}: {edges.get(above)}"


def test_cycle_finder_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []

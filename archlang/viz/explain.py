"""`archlang show --explain`: where each decision is declared, what it ties, what it
activates, and how many members of the space each of its candidates leads to.

The counts are exact (Python ints, however large): for a candidate `v` of decision `d`, the
number of members in which `d` is active and takes `v` (`DecisionTree.value_counts`, the
same walk as `DecisionTree.size`). For a decision that is always active, the counts of its
candidates add up to the size of the space.

"Ties" are the other places in the source that read the same decision: the uses of the name
it is bound to (``width = choice(16, 32, 64)`` then ``conv_bn_relu(width)``), or the block
parameter it is passed to (``encoder_stack(dim, depth = int(1, 4))``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archlang.syntax import ast as A
from archlang.syntax.format import format_expr

if TYPE_CHECKING:
    from archlang.ir.decisions import DecisionPoint
    from archlang.ir.space import Space


@dataclass
class Explained:
    """What `explain` finds out about one decision (`to_json` gives the --json form)."""

    key: str
    domain: str
    declared: str
    source_line: str
    condition: str | None
    ties: list[str] = field(default_factory=list)
    activates: list[tuple[str, list[str]]] = field(default_factory=list)
    members: list[tuple[str, int | float]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "domain": self.domain, "declared": self.declared,
            "condition": self.condition, "ties": self.ties,
            "activates": [{"when": w, "keys": ks} for w, ks in self.activates],
            "members": [{"candidate": c, "count": n if isinstance(n, int) else str(n)}
                        for c, n in self.members],
        }


def explain(space: Space) -> list[Explained]:
    """One `Explained` per open decision, in declaration order."""
    tree = space.tree
    calls = _hyper_calls(space)
    out = []
    for d in space.decisions:
        span = d.span
        found = calls.get((span.path, span.line, span.col))
        out.append(Explained(
            key=d.key, domain=d.describe(),
            declared=str(span) if span.source is not None else "<unknown>",
            source_line=span.source.line(span.line).strip() if span.source is not None else "",
            condition=_condition(d, tree.by_key),
            ties=_ties(found) if found is not None else [],
            activates=_activates(d, tree.children.get(d.key, [])),
            members=_members(d, tree),
        ))
    return out


def render_text(items: list[Explained]) -> str:
    """The plain-text report, one paragraph per decision."""
    from archlang.humanize import format_size

    blocks = []
    for e in items:
        lines = [f"{e.key}  {e.domain}", f"  declared at {e.declared}: {e.source_line}"]
        if e.condition:
            lines.append(f"  active when {e.condition}")
        for place in e.ties:
            lines.append(f"  ties {place}")
        for when, keys in e.activates:
            lines.append(f"  activates when {when}: {', '.join(keys)}")
        lines.append("  members per candidate:")
        width = max((len(c) for c, _ in e.members), default=0)
        lines.extend(f"    {c.ljust(width)}  {format_size(n)}" for c, n in e.members)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# ---------------------------------------------------------------- counting


def _members(d: DecisionPoint, tree: Any) -> list[tuple[str, int | float]]:
    """(candidate as written, members with `d` active and taking it) for each candidate."""
    if not d.finite:
        return [(d.describe(), math.inf)]
    return [(d.value_text(v), n) for v, n in tree.value_counts(d.key)]


def _condition(d: DecisionPoint, by_key: dict[str, DecisionPoint]) -> str | None:
    if d.cond is None:
        return None
    parent = by_key.get(d.cond[0])
    return f"{d.cond[0]} in {_values(parent, d.cond[1])}"


def _values(parent: DecisionPoint | None, values: Any) -> str:
    items = sorted(values, key=repr)
    if parent is not None:
        shown = [parent.cond_value_text(v) for v in items]
    else:
        shown = [repr(list(v)) if isinstance(v, tuple) else repr(v) for v in items]
    return "{" + ", ".join(shown) + "}"


def _activates(d: DecisionPoint, kids: list[DecisionPoint]) -> list[tuple[str, list[str]]]:
    """The conditional children, grouped by the parent values that activate them."""
    groups: dict[frozenset[Any], list[str]] = {}
    for c in kids:
        assert c.cond is not None
        groups.setdefault(c.cond[1], []).append(c.key)
    return [(_values(d, values), keys) for values, keys in groups.items()]


# ---------------------------------------------------------------- ties, from the source


@dataclass
class _Found:
    """A hyper call in the source, with what it is bound or passed to."""

    call: A.Call
    bound_to: str | None = None
    passed_to: tuple[str, str] | None = None  # (block, parameter)
    later: tuple[A.Stmt, ...] = ()  # the statements after its binding, in the same body


def _hyper_calls(space: Space) -> dict[tuple[str, int, int], _Found]:
    """Every hyper call of the program's sources, by the place it starts at."""
    found: dict[tuple[str, int, int], _Found] = {}
    for mod in space.program.modules.values():
        for item in mod.tree.items:
            if isinstance(item, (A.BlockDef, A.NetworkDef)):
                _scan_body(item.body, found)
    return found


def _scan_body(body: tuple[A.Stmt, ...], found: dict[tuple[str, int, int], _Found]) -> None:
    for i, stmt in enumerate(body):
        bound = stmt.name if isinstance(stmt, A.Assign) else None
        for node, parent in _walk_with_parent(stmt):
            if isinstance(node, A.Call) and node.func in A.HYPER_NAMES:
                place = (node.span.path, node.span.line, node.span.col)
                entry = _Found(node)
                if bound is not None and isinstance(stmt, A.Assign) and stmt.value is node:
                    entry.bound_to, entry.later = bound, body[i + 1:]
                elif isinstance(parent, A.Kwarg):
                    entry.passed_to = (_enclosing_call(stmt, parent), parent.name)
                found.setdefault(place, entry)
            elif isinstance(node, A.Repeat):
                _scan_body(node.body, found)
        if isinstance(stmt, A.For):
            _scan_body(stmt.body, found)
        elif isinstance(stmt, A.If):
            for _, branch in stmt.branches:
                _scan_body(branch, found)
            if stmt.orelse:
                _scan_body(stmt.orelse, found)


def _ties(found: _Found) -> list[str]:
    if found.passed_to is not None:
        block, param = found.passed_to
        return [f"parameter `{param}` of `{block}`, read wherever `{block}` uses `{param}`"]
    if found.bound_to is None:
        return []
    places = []
    calls: dict[int, A.Call] = {}
    for stmt in found.later:
        for node, parent in _walk_with_parent(stmt, into_bodies=True):
            if isinstance(node, A.Kwarg) and isinstance(parent, A.Call):
                calls[id(node)] = parent
            if isinstance(node, A.Name) and node.id == found.bound_to:
                user = calls.get(id(parent), parent) if isinstance(parent, A.Kwarg) else parent
                text = format_expr(user) if isinstance(user, A.Call) else node.id
                places.append(f"{node.span}: {_short(text)}")
    return places


def _walk_with_parent(root: Any, into_bodies: bool = False) -> list[tuple[Any, Any]]:
    """(node, the innermost call or kwarg around it) for the expressions of one statement.

    Repeat, loop and branch bodies are entered only with `into_bodies` (`_scan_body` visits
    them itself, as separate bodies).
    """
    walker = _Around(root, into_bodies)
    walker.visit(root)
    return walker.out


class _Around(A.NodeVisitor):
    """Collects each node in preorder with the innermost `Call` or `Kwarg` above it."""

    def __init__(self, root: Any, into_bodies: bool) -> None:
        self.root, self.into_bodies = root, into_bodies
        self.out: list[tuple[Any, Any]] = []
        self.around: Any = None

    def visit(self, node: Any) -> None:
        self.out.append((node, self.around))
        if not self.into_bodies and isinstance(node, A.Repeat):
            self.visit(node.count)
            return
        if not self.into_bodies and isinstance(node, (A.For, A.If)) and node is not self.root:
            return
        outer = self.around
        if isinstance(node, (A.Call, A.Kwarg)):
            self.around = node
        self.generic_visit(node)
        self.around = outer


def _enclosing_call(stmt: A.Stmt, kwarg: A.Kwarg) -> str:
    for node, _ in _walk_with_parent(stmt):
        if isinstance(node, A.Call) and kwarg in node.kwargs:
            return node.func
    return "?"


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"

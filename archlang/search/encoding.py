"""The nested view of an assignment ("DNA"): conditional decisions sit under their parent.

A flat assignment (``{"n.repeat": 2, "n.repeat[0].choice": 1, ...}``) is what searchers,
`Space.bind` and storage use. `to_nested` shows the same thing as a tree, for reading and
for JSON: a decision with no active children maps to its value; one with active children
maps to ``{"value": v, "then": {child key: ...}}``. Values are never dicts, so a dict
always means nesting. `from_nested` is the inverse.

    >>> from archlang.ir.decisions import DecisionPoint, DecisionTree
    >>> n = DecisionPoint("n", "int", low=1, high=2)
    >>> c = DecisionPoint("c", "choice", labels=("a", "b"), values=("a", "b"),
    ...                   cond=("n", frozenset({2})))
    >>> to_nested(DecisionTree([n, c]), {"n": 2, "c": "b"})
    {'n': {'value': 2, 'then': {'c': 'b'}}}
    >>> from_nested({'n': {'value': 2, 'then': {'c': 'b'}}})
    {'n': 2, 'c': 'b'}
"""

from __future__ import annotations

from typing import Any

from archlang.ir.decisions import Assignment, DecisionPoint, DecisionTree, cond_allows


def to_nested(tree: DecisionTree, assignment: Assignment) -> dict[str, Any]:
    """The assignment as a tree of decisions, roots and children in declaration order."""
    def node(d: DecisionPoint) -> Any:
        value = assignment[d.key]
        kids = {c.key: node(c) for c in tree.children.get(d.key, [])
                if c.key in assignment and cond_allows(c.cond, value)}  # type: ignore[arg-type]
        return {"value": value, "then": kids} if kids else value

    return {d.key: node(d) for d in tree.roots if d.key in assignment}


def from_nested(nested: dict[str, Any]) -> Assignment:
    """The flat assignment of a nested one (parents before their children)."""
    out: Assignment = {}

    def walk(level: dict[str, Any]) -> None:
        for key, item in level.items():
            if isinstance(item, dict):
                out[key] = item["value"]
                walk(item.get("then", {}))
            else:
                out[key] = item

    walk(nested)
    return out

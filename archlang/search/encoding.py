"""The nested view of an assignment ("DNA"): conditional decisions sit under their parent.

A flat assignment (``{"n.repeat": 2, "n.repeat[0].choice": 1, ...}``) is what searchers,
`Space.bind` and storage use. `to_nested` shows the same thing as a tree, for reading and
for JSON: a decision with no active children maps to its value; one with active children
maps to ``{"value": v, "then": {child key: ...}}``. Values are never dicts, so a dict
always means nesting. `from_nested` is the inverse.

    >>> from archlang.ir.decisions import DecisionTree, IntRange, ValueChoice
    >>> n = IntRange("n", low=1, high=2)
    >>> c = ValueChoice("c", labels=("a", "b"), values=("a", "b"), cond=("n", frozenset({2})))
    >>> to_nested(DecisionTree([n, c]), {"n": 2, "c": "b"})
    {'n': {'value': 2, 'then': {'c': 'b'}}}
    >>> from_nested({'n': {'value': 2, 'then': {'c': 'b'}}})
    {'n': 2, 'c': 'b'}
"""

from __future__ import annotations

from typing import Any

from archlang.ir.decisions import MISSING, Assignment, DecisionTree


def to_nested(tree: DecisionTree, assignment: Assignment) -> dict[str, Any]:
    """The assignment as a tree of decisions, roots and children in declaration order."""
    out: dict[str, Any] = {}
    level_of: dict[str, dict[str, Any]] = {}  # decision key -> the level holding its entry
    for d, value in tree.walk(assignment):
        if value is MISSING:
            continue
        level = out
        if d.cond is not None:  # the walk gave the parent first: nest under it
            parent, up = d.cond[0], level_of[d.cond[0]]
            if not isinstance(up[parent], dict):
                up[parent] = {"value": up[parent], "then": {}}
            level = up[parent]["then"]
        level[d.key] = value
        level_of[d.key] = level
    return out


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

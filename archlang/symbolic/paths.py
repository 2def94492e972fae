"""Paths into a program tree, PyGlove-style: ``basic_block.body[0].value.stages[2]``.

A path starts with the name of a module item (a block, a network or a constant) and
follows the dataclass fields of `archlang.syntax.ast`, with ``[i]`` for tuple positions
(``If.branches[0][1][2]`` is statement 2 of the first branch's body). Paths are exact and
printable; `walk` lists every node with its path, `get` and `put` read and replace one
(`put` rebuilds the nodes above it with `dataclasses.replace`: trees are never mutated).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from archlang.syntax import ast as A

#: a step: a field name and the tuple positions below it
Step = tuple[str, tuple[int, ...]]

_STEP_RE = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")
_HEAD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class PathError(ValueError):
    """A path that names no node (the message says where it stops)."""


def format_path(item: str, steps: tuple[Step, ...]) -> str:
    return item + "".join(f".{f}" + "".join(f"[{i}]" for i in idx) for f, idx in steps)


def parse_path(path: str) -> tuple[str, tuple[Step, ...]]:
    """``"net.body[1].value"`` -> ``("net", (("body", (1,)), ("value", ())))``."""
    head = _HEAD_RE.match(path)
    if head is None:
        raise PathError(f"`{path}` is not a node path (it starts with an item name)")
    steps, pos = [], head.end()
    while pos < len(path):
        m = _STEP_RE.match(path, pos)
        if m is None:
            raise PathError(f"`{path}` is not a node path: cannot read `{path[pos:]}`")
        idx = tuple(int(i) for i in re.findall(r"\d+", m.group(2)))
        steps.append((m.group(1), idx))
        pos = m.end()
    return head.group(0), tuple(steps)


def children(node: Any) -> Iterator[tuple[Step, Any]]:
    """The AST nodes directly below `node`, with their steps."""
    for name, idx, child in A.iter_child_fields(node):
        yield (name, idx), child


def walk(node: Any, steps: tuple[Step, ...] = ()) -> Iterator[tuple[tuple[Step, ...], Any]]:
    """Every node at or below `node` in preorder, with its steps from `node`."""
    yield steps, node
    for step, child in children(node):
        yield from walk(child, steps + (step,))


def get(node: Any, steps: tuple[Step, ...], item: str = "…") -> Any:
    for depth, (name, idx) in enumerate(steps):
        try:
            node = dict(A.iter_fields(node))[name] if A.is_node(node) else None
            for i in idx:
                node = node[i]
        except (KeyError, IndexError, TypeError):
            node = None
        if node is None or not (A.is_node(node) or isinstance(node, tuple)):
            raise PathError(f"nothing at `{format_path(item, steps[:depth + 1])}`")
    return node


def put(node: Any, steps: tuple[Step, ...], new: Any) -> Any:
    """`node` with the node at `steps` replaced by `new` (a tuple edits a body or list)."""
    if not steps:
        return new
    (name, idx), rest = steps[0], steps[1:]
    value = getattr(node, name)
    return replace(node, **{name: _put_in(value, idx, rest, new)})


def _put_in(value: Any, idx: tuple[int, ...], rest: tuple[Step, ...], new: Any) -> Any:
    if not idx:
        return put(value, rest, new)
    i = idx[0]
    items = list(value)
    items[i] = _put_in(items[i], idx[1:], rest, new)
    return tuple(items)


def edit_sequence(node: Any, steps: tuple[Step, ...], fn: Any) -> Any:
    """`node` with ``fn(items, pos)`` in place of the tuple that holds the node at `steps`
    (a body, a pipe's stages, a call's arguments); `pos` is that node's position."""
    name, idx = steps[-1]
    if not idx:
        raise PathError(f"`{format_path('…', steps)}` is not an element of a sequence")
    owner = steps[:-1]
    seq = getattr(get(node, owner), name)
    for i in idx[:-1]:
        seq = seq[i]
    return put(node, owner + ((name, idx[:-1]),), fn(seq, idx[-1]))


def node_text(node: Any) -> str:
    """How a node reads in `.arch` (the first line of a statement or definition)."""
    from archlang.syntax.format import format_expr, format_item

    if isinstance(node, (A.Param, A.Input)):
        value = node.default if isinstance(node, A.Param) else node.shape
        head = node.name + (f": {node.type}" if getattr(node, "type", None) else "")
        sep = " = " if isinstance(node, A.Param) else ": "
        return head + (sep + format_expr(value) if value is not None else "")
    for fmt in (format_expr, format_item):
        try:
            return fmt(node).split("\n")[0]
        except (TypeError, AttributeError):
            continue
    return type(node).__name__

"""Readable, path-by-path differences between two spaces or two architectures.

    print(diff(space, space.apply(rule)))
    ~ basic_block.body[1].value.stages[2]: relu() -> choice(relu(), gelu(), silu())
    + decision resnet18.basic_block.choice: choice(relu(), gelu(), silu())

For Spaces: the definitions the networks use, compared node by node (a changed node is
reported at the deepest path where the two differ, as text), then the open decisions
(added, removed, or with another domain). For Arches: the decisions that differ, and
whether the networks are equal (canonical hash), with parameters and FLOPs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from archlang.symbolic import paths as P


@dataclass(frozen=True)
class Change:
    """One difference: ``+`` added, ``-`` removed, ``~`` changed."""

    op: str
    path: str
    old: str | None = None
    new: str | None = None

    def __str__(self) -> str:
        if self.op == "~":
            return f"~ {self.path}\n    - {self.old}\n    + {self.new}"
        return f"{self.op} {self.path}: {self.new if self.op == '+' else self.old}"


class Diff(list):  # type: ignore[type-arg]
    """A list of `Change`s that prints one per line ("no differences" when empty)."""

    def __str__(self) -> str:
        return "\n".join(str(c) for c in self) if self else "no differences"


def diff(a: Any, b: Any) -> Diff:
    """The differences from `a` to `b` (two Spaces or two Arches)."""
    from archlang.ir.arch import Arch

    if isinstance(a, Arch) and isinstance(b, Arch):
        return _diff_arches(a, b)
    return _diff_spaces(a, b)


def _diff_spaces(a: Any, b: Any) -> Diff:
    from archlang.symbolic.edit import reachable

    out = Diff()
    items_a = {it.name: it for it in reachable(a)}
    items_b = {it.name: it for it in reachable(b)}
    for name in list(items_a) + [n for n in items_b if n not in items_a]:
        if name not in items_b:
            out.append(Change("-", name, old=P.node_text(items_a[name])))
        elif name not in items_a:
            out.append(Change("+", name, new=P.node_text(items_b[name])))
        elif items_a[name] != items_b[name]:
            _nodes(items_a[name], items_b[name], name, (), out)
    da = {d.key: d for d in a.decisions}
    db = {d.key: d for d in b.decisions}
    for key, d in da.items():
        if key not in db:
            out.append(Change("-", f"decision {key}", old=d.describe()))
        elif db[key].describe() != d.describe():
            out.append(Change("~", f"decision {key}", d.describe(), db[key].describe()))
    out.extend(Change("+", f"decision {k}", new=d.describe()) for k, d in db.items()
               if k not in da)
    return out


def _nodes(x: Any, y: Any, item: str, steps: tuple[P.Step, ...], out: Diff) -> None:
    """Report where `x` and `y` differ: recurse while both have the same shape."""
    if type(x) is type(y) and _same_scalars(x, y):
        kids_x, kids_y = list(P.children(x)), list(P.children(y))
        if [s for s, _ in kids_x] == [s for s, _ in kids_y]:
            for (step, cx), (_, cy) in zip(kids_x, kids_y):
                if cx != cy:
                    _nodes(cx, cy, item, steps + (step,), out)
            return
        if _sequence_edit(kids_x, kids_y, item, steps, out):
            return
    out.append(Change("~", P.format_path(item, steps), P.node_text(x), P.node_text(y)))


def _same_scalars(x: Any, y: Any) -> bool:
    for f in fields(x):
        vx, vy = getattr(x, f.name), getattr(y, f.name)
        if not isinstance(vx, tuple) and not hasattr(vx, "__dataclass_fields__") and vx != vy:
            return False
    return True


def _sequence_edit(kx: list[Any], ky: list[Any], item: str, steps: tuple[P.Step, ...],
                   out: Diff) -> bool:
    """One element inserted or removed in one sequence: report just that element."""
    if abs(len(kx) - len(ky)) != 1:
        return False
    longer, shorter, op = (ky, kx, "+") if len(ky) > len(kx) else (kx, ky, "-")
    for i in range(len(longer)):
        if [n for _, n in longer[:i] + longer[i + 1:]] == [n for _, n in shorter]:
            step, node = longer[i]
            path = P.format_path(item, steps + (step,))
            out.append(Change(op, path, old=P.node_text(node) if op == "-" else None,
                              new=P.node_text(node) if op == "+" else None))
            return True
    return False


def _diff_arches(a: Any, b: Any) -> Diff:
    out = Diff()
    for key in list(a.assignment) + [k for k in b.assignment if k not in a.assignment]:
        va, vb = a.assignment.get(key), b.assignment.get(key)
        if key not in b.assignment:
            out.append(Change("-", key, old=repr(va)))
        elif key not in a.assignment:
            out.append(Change("+", key, new=repr(vb)))
        elif va != vb:
            out.append(Change("~", key, repr(va), repr(vb)))
    if a.hash != b.hash:
        out.append(Change("~", "network", f"{a.params:,} params, {a.flops:,} FLOPs",
                          f"{b.params:,} params, {b.flops:,} FLOPs"))
    return out

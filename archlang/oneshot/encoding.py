"""An assignment as a fixed-length vector: what a hypernetwork reads.

Each decision gets a block of the vector, in the space's decision order:

* a choice: one-hot over its candidates;
* an int range: one-hot over its values when it has at most `ONE_HOT_LIMIT`, else one
  number scaled to [0, 1];
* a float range: one number scaled to [0, 1] (on a log scale for ``log = true``);
* a subset: one 1 per chosen input.

A decision that is not active in the assignment (a conditional child whose parent took
another value) leaves its block at zero, so Arches differ exactly where their decisions do.

    >>> import archlang
    >>> space = archlang.parse('''
    ... network net() (x: [8]) {
    ...     return x -> linear(choice(16, 32)) -> dropout(float(0.0, 0.5)) -> linear(2)
    ... }''').network()
    >>> ArchEncoder(space).encode({"net.linear.out": 32, "net.dropout.p": 0.25})
    [0.0, 1.0, 0.5]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from archlang.ir.decisions import Assignment, DecisionPoint

if TYPE_CHECKING:
    from archlang.ir.space import Space

ONE_HOT_LIMIT = 32


class ArchEncoder:
    """Encodes the assignments of one space; `size` is the vector's length."""

    def __init__(self, space: Space) -> None:
        self.decisions = list(space.decisions)
        self.offsets: list[int] = []
        size = 0
        for d in self.decisions:
            self.offsets.append(size)
            size += _width(d)
        self.size = size

    def encode(self, assignment: Assignment) -> list[float]:
        out = [0.0] * self.size
        for d, offset in zip(self.decisions, self.offsets):
            if d.key in assignment:
                for i, v in _block(d, assignment[d.key]):
                    out[offset + i] = v
        return out


def _width(d: DecisionPoint) -> int:
    if d.kind in ("choice", "subset"):
        return len(d.labels)
    if d.kind == "int" and d.cardinality() <= ONE_HOT_LIMIT:
        return int(d.cardinality())
    return 1


def _block(d: DecisionPoint, value: Any) -> list[tuple[int, float]]:
    """(index in the decision's block, value) pairs for the non-zero entries."""
    if d.kind == "choice":
        return [(d.index_of(value), 1.0)]
    if d.kind == "subset":
        return [(int(i), 1.0) for i in value]
    if d.kind == "int" and _width(d) > 1:
        return [(int(value) - int(d.low), 1.0)]  # type: ignore[arg-type]
    lo, hi = float(d.low), float(d.high)  # type: ignore[arg-type]
    if d.log and lo > 0:
        lo, hi, value = math.log(lo), math.log(hi), math.log(value)
    return [(0, (float(value) - lo) / (hi - lo) if hi > lo else 0.0)]

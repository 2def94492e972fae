"""An assignment as a fixed-length vector: what a hypernetwork reads.

Each decision gets a block of the vector, in the space's decision order (each kind says
how: `DecisionPoint.encoding_width` and `DecisionPoint.encode`):

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

from typing import TYPE_CHECKING

from archlang.ir.decisions import Assignment
from archlang.ir.decisions.int_range import ONE_HOT_LIMIT

if TYPE_CHECKING:
    from archlang.ir.space import Space

__all__ = ["ONE_HOT_LIMIT", "ArchEncoder"]


class ArchEncoder:
    """Encodes the assignments of one space; `size` is the vector's length."""

    def __init__(self, space: Space) -> None:
        self.decisions = list(space.decisions)
        self.offsets: list[int] = []
        size = 0
        for d in self.decisions:
            self.offsets.append(size)
            size += d.encoding_width()
        self.size = size

    def encode(self, assignment: Assignment) -> list[float]:
        out = [0.0] * self.size
        for d, offset in zip(self.decisions, self.offsets):
            if d.key in assignment:
                for i, v in d.encode(assignment[d.key]):
                    out[offset + i] = v
        return out

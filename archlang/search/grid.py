"""Grid search: every assignment of a finite space, once each, in a seeded order that spreads.

The members of the space are numbered by `DecisionTree.unrank` (the order of
`archlang.ir.decisions.iter_assignments`: the first decision varies slowest, a conditional
decision is enumerated only under the parent values that activate it, so a space with
conditions has exactly ``space.size`` numbers). Grid search walks those numbers through a
seeded permutation of ``range(size)``, so a budget smaller than the space covers every
decision's values from the first trials on, rather than the first members of the fixed
order (with ``width`` slowest, a budget of 50 would try one width only). Small spaces are
shuffled as a list; large ones (past `SHUFFLE_MAX`) go through `FeistelPermutation`, a
bijection that needs no memory. Every member is still proposed exactly once before
`SpaceExhausted`, and the same seed gives the same order (a resumed search skips what it
replayed).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING

from archlang.diagnostics import ArchSpaceError
from archlang.ir.decisions import Assignment, DecisionTree, iter_assignments
from archlang.search.base import Searcher, SpaceExhausted

if TYPE_CHECKING:
    from archlang.ir.space import Space

#: spaces up to this many members are walked as a shuffled list of their ranks
SHUFFLE_MAX = 1 << 16


def check_finite(tree: DecisionTree) -> None:
    """Raise a located error for the first continuous decision."""
    for d in tree.decisions:
        if not d.finite:
            raise ArchSpaceError(
                f"grid search needs a finite space, but `{d.key}` is {d.describe()}", d.span,
                hint="use `--algorithm random`, or write the values out: choice(0.1, 0.3)",
                code="E517")


def coverage_note(size: int | float, budget: int) -> str | None:
    """What the command line says before a grid search whose budget is smaller than the
    space: how many of its members the budget covers (None when it covers them all, or
    when the space is infinite: grid search refuses that one with a located error).

    >>> coverage_note(1200, 50)
    "grid search: the budget covers 50 of the space's 1,200 members (order seeded by --seed)"
    >>> coverage_note(12, 50) is None
    True
    """
    if budget >= size or math.isinf(size):
        return None
    return (f"grid search: the budget covers {budget:,} of the space's {int(size):,} members "
            "(order seeded by --seed)")


class FeistelPermutation:
    """A seeded bijection of ``range(n)`` that stores nothing per member.

    A balanced four-round Feistel network permutes ``range(4**half)`` (the smallest power
    of four at least `n`); a result outside ``range(n)`` is permuted again (cycle walking),
    which keeps it a bijection of ``range(n)``, at under four steps per number on average.

    >>> p = FeistelPermutation(1000, key=7)
    >>> sorted(p(i) for i in range(1000)) == list(range(1000))
    True
    >>> [p(i) for i in range(5)] == [FeistelPermutation(1000, key=7)(i) for i in range(5)]
    True
    """

    ROUNDS = 4

    def __init__(self, n: int, *, key: int) -> None:
        self.n = n
        self.half = max(1, ((n - 1).bit_length() + 1) // 2)
        self.mask = (1 << self.half) - 1
        self.width = (self.half + 7) // 8
        self.key = key.to_bytes(16, "big", signed=False)

    def _round(self, r: int, x: int) -> int:
        data = self.key + bytes([r]) + x.to_bytes(self.width, "big")
        return int.from_bytes(hashlib.shake_256(data).digest(self.width), "big") & self.mask

    def _permute(self, x: int) -> int:
        left, right = x >> self.half, x & self.mask
        for r in range(self.ROUNDS):
            left, right = right, left ^ self._round(r, right)
        return (left << self.half) | right

    def __call__(self, i: int) -> int:
        x = self._permute(i)
        while x >= self.n:
            x = self._permute(x)
        return x


class GridSearch(Searcher):
    """Exhaustive search over a finite space; `propose` raises `SpaceExhausted` at the end.

    The order is a permutation of the space's members seeded by ``seed`` (see the module
    docstring); ``spread=False`` walks `iter_assignments`' fixed order instead (the seed
    then changes nothing). Assignments that a decision-only `require` rules out are skipped.
    """

    name = "grid"

    def __init__(self, *, seed: int = 0, spread: bool = True) -> None:
        super().__init__(seed=seed)
        self.spread = spread

    def setup(self, space: Space) -> None:
        super().setup(space)
        assert self.tree is not None
        check_finite(self.tree)
        self._iter = self._order(self.tree)

    def _order(self, tree: DecisionTree) -> Iterator[Assignment]:
        if not self.spread:
            return iter_assignments(tree)
        size = int(tree.size())
        rng = random.Random(self.seed)  # not `self.rng`: setting up again gives the same order
        if size <= SHUFFLE_MAX:
            ranks: list[int] = list(range(size))
            rng.shuffle(ranks)
            return (tree.unrank(r) for r in ranks)
        permute = FeistelPermutation(size, key=rng.getrandbits(128))
        return (tree.unrank(permute(i)) for i in range(size))

    def propose(self) -> Assignment:
        for assignment in self._iter:
            if self.admit(assignment):
                return assignment
        raise SpaceExhausted("every assignment of the space has been proposed")

"""Random search: independent top-down samples of the decision tree, never repeated.

Each proposal is a fresh `DecisionTree.sample`; one whose canonical assignment was
proposed before, or that a decision-only `require` rules out, is drawn again. When
rejection keeps failing in a finite space, the remaining assignments are enumerated and one
is picked at random, so the search ends exactly when every assignment has been proposed
(`propose` raises `SpaceExhausted`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from archlang.ir.decisions import Assignment
from archlang.search.base import Searcher, SpaceExhausted, assignment_key
from archlang.search.grid import iter_assignments

if TYPE_CHECKING:
    from archlang.ir.space import Space

#: draws before falling back to enumerating what is left
MAX_DRAWS = 200
#: the largest space that fallback enumerates; past it, repeated collisions end the search
MAX_ENUMERATE = 200_000


class RandomSearch(Searcher):
    """Uniform per-decision sampling with deduplication by canonical assignment."""

    name = "random"

    def setup(self, space: Space) -> None:
        super().setup(space)
        assert self.tree is not None
        self.size = self.tree.size()

    def propose(self) -> Assignment:
        assert self.tree is not None, "call setup(space) first"
        if len(self.proposed) >= self.size:
            raise SpaceExhausted(f"all {len(self.proposed)} assignments have been proposed")
        assignment = self.sample_new(MAX_DRAWS)
        return assignment if assignment is not None else pick_unseen(self)


def pick_unseen(searcher: Searcher) -> Assignment:
    """A random assignment not yet admitted, by enumerating what is left of a finite space.

    Raises `SpaceExhausted` when nothing is left or the space is too large to enumerate.
    """
    tree = searcher.tree
    assert tree is not None
    size = tree.size()
    if math.isinf(size) or size > MAX_ENUMERATE:
        raise SpaceExhausted(f"{MAX_DRAWS} draws in a row gave assignments already "
                             "proposed or ruled out by a `require`")
    left = [a for a in iter_assignments(tree) if assignment_key(a) not in searcher.proposed
            and searcher.allows(a)]
    if not left:
        raise SpaceExhausted(f"all {len(searcher.proposed)} allowed assignments have been "
                             "proposed")
    assignment = searcher.rng.choice(left)
    searcher.admit(assignment)
    return assignment

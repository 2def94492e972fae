"""Random search: independent top-down samples of the decision tree, never repeated.

Each proposal is a fresh `DecisionTree.sample`; one whose canonical assignment was
proposed before, or that a decision-only `require` rules out, is drawn again. When
rejection keeps failing in a finite space, the remaining assignments are enumerated and one
is picked at random, so the search ends exactly when every assignment has been proposed
(`propose` raises `SpaceExhausted`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archlang.ir.decisions import MAX_DRAWS, Assignment, pick_unseen
from archlang.search.base import Searcher, SpaceExhausted

if TYPE_CHECKING:
    from archlang.ir.space import Space


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

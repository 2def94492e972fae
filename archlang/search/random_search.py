"""Random search: independent top-down samples of the decision tree, never repeated.

Each proposal is a fresh `DecisionTree.sample`; one whose canonical assignment was
proposed before is drawn again. When rejection keeps failing in a finite space, the
remaining assignments are enumerated and one is picked at random, so the search ends
exactly when every assignment has been proposed (`propose` raises `SpaceExhausted`).
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
        self.seen: set[str] = set()

    def propose(self) -> Assignment:
        assert self.tree is not None, "call setup(space) first"
        if len(self.seen) >= self.size:
            raise SpaceExhausted(f"all {len(self.seen)} assignments have been proposed")
        for _ in range(MAX_DRAWS):
            assignment = self.tree.sample(self.rng)
            if self._take(assignment):
                return assignment
        return self._pick_unseen()

    def mark_seen(self, assignment: Assignment) -> None:
        self.seen.add(assignment_key(assignment))

    def _take(self, assignment: Assignment) -> bool:
        key = assignment_key(assignment)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def _pick_unseen(self) -> Assignment:
        assert self.tree is not None
        if math.isinf(self.size) or self.size > MAX_ENUMERATE:
            raise SpaceExhausted(f"{MAX_DRAWS} draws in a row gave assignments already "
                                 "proposed")
        left = [a for a in iter_assignments(self.tree) if assignment_key(a) not in self.seen]
        if not left:
            raise SpaceExhausted(f"all {len(self.seen)} assignments have been proposed")
        assignment = self.rng.choice(left)
        self._take(assignment)
        return assignment

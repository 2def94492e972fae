"""Regularized (aging) evolution, after Real et al. 2019, "Regularized Evolution for Image
Classifier Architecture Search".

The algorithm, as proposals and observations:

1. The first ``population_size`` proposals are random (distinct, allowed by the space's
   `require`s).
2. Each later proposal samples ``tournament_size`` members of the population without
   replacement, takes the best as the parent and proposes a mutation of it
   (`archlang.search.mutation.mutate`: one decision changes, what it activates is sampled,
   what it deactivates is dropped).
3. Each observed success joins the population as its youngest member; when the population
   holds more than ``population_size`` members, the oldest dies — whatever its score. That
   aging is the regularization: a network survives by having good children, not by one lucky
   evaluation.

Several proposals may be pending: a proposal only needs the members observed so far, so a
child can be proposed while its siblings (or the parent's other children) are still
running. Age is the order of *observation*, so results that arrive out of order are
handled. Failures (score None) never join the population. While no success has been
observed yet, proposals stay random.

Deduplication: a mutation that gives an assignment proposed before (or ruled out by a
`require`) is retried, re-running the tournament every few tries; after ``MAX_TRIES`` the
proposal falls back to a fresh random one, and in a finite space to what is left of it.

Defaults: ``population_size=20, tournament_size=5``. Real et al. use P=100, S=25 for 20,000
models; with the budgets archlang is used at (around 100 evaluations) P=100 leaves no budget
for evolution at all — PyGlove's default makes it a random search at budget 100. P=20 gives
four fifths of a 100-trial budget to evolution while still seeding it with 20 random
points, and S=5 keeps the paper's ratio S/P = 1/4 (moderate selection pressure: the parent is
in the population's top quarter on average); it is also what the peer comparisons use.
Measured on NAS-Bench-Graph at budget 100 (50 seeds, four datasets), 10/3, 20/10 and 30/8
were all within 0.1 of 20/5 on the best validation accuracy; see benchmarks/README.md.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from archlang.ir.decisions import Assignment, pick_unseen
from archlang.search.base import Searcher
from archlang.search.mutation import mutable, mutate

if TYPE_CHECKING:
    from archlang.ir.space import Space

#: mutation attempts before a proposal falls back to random
MAX_TRIES = 64
#: attempts per tournament before a new tournament picks a (maybe different) parent
TRIES_PER_PARENT = 8


class RegularizedEvolution(Searcher):
    """Aging evolution: tournament selection, one mutation per child, the oldest dies."""

    name = "evolution"

    def __init__(self, *, seed: int = 0, population_size: int = 20,
                 tournament_size: int = 5) -> None:
        super().__init__(seed=seed)
        if population_size < 1 or not 1 <= tournament_size <= population_size:
            raise ValueError("`1 <= tournament_size <= population_size` must hold, but got "
                             f"(population_size={population_size}, "
                             f"tournament_size={tournament_size})")
        self.population_size = population_size
        self.tournament_size = tournament_size

    def setup(self, space: Space) -> None:
        super().setup(space)
        #: (assignment, score) of observed successes, oldest first
        self.population: deque[tuple[Assignment, float]] = deque()
        self.count = 0

    def propose(self) -> Assignment:
        assert self.tree is not None, "call setup(space) first"
        self.count += 1
        child = None
        if self.count > self.population_size and self.population:
            child = self._child()
        if child is None:
            child = self.sample_new()
        return child if child is not None else pick_unseen(self)

    def _child(self) -> Assignment | None:
        assert self.tree is not None
        parent: Assignment = {}
        for attempt in range(MAX_TRIES):
            if attempt % TRIES_PER_PARENT == 0:
                parent = self.tournament()
                if not mutable(self.tree, parent):
                    return None
            child = mutate(self.tree, parent, self.rng)
            if self.admit(child):
                return child
        return None

    def tournament(self) -> Assignment:
        """The best of `tournament_size` members drawn without replacement (ties: older)."""
        members = list(self.population)
        k = min(self.tournament_size, len(members))
        picked = sorted(self.rng.sample(range(len(members)), k))
        best = max(picked, key=lambda i: (members[i][1], -i))
        return members[best][0]

    def observe(self, assignment: Assignment, result: dict[str, Any]) -> None:
        super().observe(assignment, result)
        score = result.get("score")
        if score is None:
            return
        self.population.append((dict(assignment), float(score)))
        while len(self.population) > self.population_size:
            self.population.popleft()

    def __repr__(self) -> str:
        return (f"<RegularizedEvolution seed={self.seed} population={self.population_size} "
                f"tournament={self.tournament_size}>")


__all__ = ["RegularizedEvolution"]

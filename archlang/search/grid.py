"""Grid search: every assignment of a finite space, once each, in a stable order.

The order is `archlang.ir.decisions.iter_assignments`': the first decision varies slowest,
and a conditional decision is enumerated right after the value of its parent that activates
it (and only there), so a space with conditions yields exactly ``space.size`` distinct
assignments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archlang.diagnostics import ArchSpaceError
from archlang.ir.decisions import Assignment, DecisionTree, iter_assignments
from archlang.search.base import Searcher, SpaceExhausted

if TYPE_CHECKING:
    from archlang.ir.space import Space


def check_finite(tree: DecisionTree) -> None:
    """Raise a located error for the first continuous decision."""
    for d in tree.decisions:
        if not d.finite:
            raise ArchSpaceError(
                f"grid search needs a finite space, but `{d.key}` is {d.describe()}", d.span,
                hint="use `--algorithm random`, or write the values out: choice(0.1, 0.3)",
                code="E517")


class GridSearch(Searcher):
    """Exhaustive search over a finite space; `propose` raises `SpaceExhausted` at the end.

    The order is fixed by the space, so the seed changes nothing. Assignments that a
    decision-only `require` rules out are skipped.
    """

    name = "grid"

    def setup(self, space: Space) -> None:
        super().setup(space)
        assert self.tree is not None
        check_finite(self.tree)
        self._iter = iter_assignments(self.tree)

    def propose(self) -> Assignment:
        for assignment in self._iter:
            if self.admit(assignment):
                return assignment
        raise SpaceExhausted("every assignment of the space has been proposed")

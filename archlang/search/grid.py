"""Grid search: every assignment of a finite space, once each, in a stable order.

The order walks the decision tree depth-first in declaration order: the first decision
varies slowest, and a conditional decision is enumerated right after the value of its
parent that activates it (and only there), so a space with conditions yields exactly
``space.size`` distinct assignments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from archlang.diagnostics import ArchSpaceError
from archlang.ir.decisions import Assignment, DecisionPoint, DecisionTree, cond_allows
from archlang.search.base import Searcher, SpaceExhausted

if TYPE_CHECKING:
    from archlang.ir.space import Space


def iter_assignments(tree: DecisionTree) -> Iterator[Assignment]:
    """Every assignment of a finite tree, keys in declaration order.

    >>> from archlang.ir.decisions import DecisionPoint, DecisionTree
    >>> n = DecisionPoint("n", "int", low=1, high=2)
    >>> c = DecisionPoint("c", "choice", labels=("a", "b"), values=("a", "b"),
    ...                   cond=("n", frozenset({2})))
    >>> list(iter_assignments(DecisionTree([n, c])))
    [{'n': 1}, {'n': 2, 'c': 'a'}, {'n': 2, 'c': 'b'}]
    """
    order = {d.key: i for i, d in enumerate(tree.decisions)}
    partial: Assignment = {}

    def walk(queue: list[DecisionPoint]) -> Iterator[Assignment]:
        if not queue:
            yield dict(sorted(partial.items(), key=lambda kv: order[kv[0]]))
            return
        d, rest = queue[0], queue[1:]
        for value in d.domain():
            kids = [c for c in tree.children.get(d.key, [])
                    if cond_allows(c.cond, value)]  # type: ignore[arg-type]
            partial[d.key] = value
            yield from walk(kids + rest)
        partial.pop(d.key, None)

    yield from walk(list(tree.roots))


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

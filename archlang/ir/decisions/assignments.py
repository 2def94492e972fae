"""Whole assignments of a decision tree: their canonical key, every one in a stable order
(`iter_assignments`), and a random one a searcher has not proposed yet (`pick_unseen`)."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from typing import Any, Protocol

from archlang.ir.decisions.base import Assignment, DecisionPoint
from archlang.ir.decisions.tree import DecisionTree

#: draws a searcher makes before falling back to enumerating what is left
MAX_DRAWS = 200
#: the largest space that fallback enumerates; past it, repeated collisions end the search
MAX_ENUMERATE = 200_000


class SpaceExhausted(Exception):
    """`Searcher.propose` raises this when it has nothing new left to propose."""


def assignment_key(assignment: Assignment) -> str:
    """The canonical text of an assignment: equal assignments give equal keys.

    >>> assignment_key({"b": [2, 0], "a": 1}) == assignment_key({"a": 1, "b": [2, 0]})
    True
    """
    return json.dumps(assignment, sort_keys=True)


def iter_assignments(tree: DecisionTree) -> Iterator[Assignment]:
    """Every assignment of a finite tree, once each, keys in declaration order.

    The order follows `DecisionTree.walk`: the first decision varies slowest, and a
    conditional decision is enumerated right after the value of its parent that activates
    it (and only there), so a tree with conditions yields exactly ``tree.size()`` distinct
    assignments.

    >>> from archlang.ir.decisions import IntRange, ValueChoice
    >>> n = IntRange("n", low=1, high=2)
    >>> c = ValueChoice("c", labels=("a", "b"), values=("a", "b"), cond=("n", frozenset({2})))
    >>> list(iter_assignments(DecisionTree([n, c])))
    [{'n': 1}, {'n': 2, 'c': 'a'}, {'n': 2, 'c': 'b'}]
    """
    domains: dict[str, list[Any]] = {}
    counter: list[int] = []  # the value index of each decision of the last walk, an odometer
    steps: list[DecisionPoint] = []  # the decisions of the current walk, in walk order

    def choose(d: DecisionPoint) -> Any:
        if d.key not in domains:
            domains[d.key] = list(d.domain())
        if len(steps) == len(counter):
            counter.append(0)  # a decision this walk reaches first: its first value
        steps.append(d)
        return domains[d.key][counter[len(steps) - 1]]

    while True:
        steps.clear()
        yield {d.key: value for d, value in tree.walk(choose)}
        while counter and counter[-1] + 1 == len(domains[steps[len(counter) - 1].key]):
            counter.pop()
        if not counter:
            return
        counter[-1] += 1


class _Proposer(Protocol):
    tree: DecisionTree | None
    rng: random.Random
    proposed: set[str]

    def allows(self, assignment: Assignment) -> bool: ...

    def admit(self, assignment: Assignment) -> bool: ...


def pick_unseen(searcher: _Proposer) -> Assignment:
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

"""`DecisionTree`: decisions indexed by their conditions, and the one walk over the decisions
active under an assignment (counting, sampling and enumerating go through it)."""

from __future__ import annotations

import functools
import heapq
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from archlang.ir.decisions.base import Assignment, DecisionPoint, cond_allows


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: what a `walk` chooser gives a decision it has no value for: the decision is active, its
#: conditional children stay hidden (a mapping's missing key reads as this)
MISSING: Any = _Marker("MISSING")
#: what a `walk` chooser gives an undecided decision: every conditional child may be active
OPEN: Any = _Marker("OPEN")

Chooser = Mapping[str, Any] | Callable[[DecisionPoint], Any]


class DecisionTree:
    """Decisions indexed by their conditions: counting and sampling walk it top-down."""

    def __init__(self, decisions: list[DecisionPoint]) -> None:
        self.decisions = decisions
        self.by_key = {d.key: d for d in decisions}
        #: the keys in declaration order
        self.keys = list(self.by_key)
        self.roots = [d for d in decisions if d.cond is None]
        self._sizes: tuple[dict[str, int | float], dict[str, int | float]] | None = None
        #: per decision: its values, and how many subtree assignments each value opens
        self._branches: dict[str, tuple[list[Any], list[int]]] = {}
        self._position = {d.key: i for i, d in enumerate(decisions)}
        self.children: dict[str, list[DecisionPoint]] = {}
        for d in decisions:
            if d.cond is not None:
                self.children.setdefault(d.cond[0], []).append(d)

    # ------------------------------------------------------------ the walk

    def walk(self, choose: Chooser, *, order: Sequence[DecisionPoint] | None = None
             ) -> Iterator[tuple[DecisionPoint, Any]]:
        """(decision, value) for each decision active under the values `choose` gives.

        `choose` is an assignment (a missing key gives `MISSING`) or a function of the
        decision, called when the walk reaches it: a value there reveals the conditional
        children that value activates. Decisions come in declaration order (or in `order`,
        which must put parents before their children), so a parent's value is chosen before
        any decision it conditions.

        >>> from archlang.ir.decisions import IntRange, ValueChoice
        >>> n = IntRange("n", low=1, high=2)
        >>> c = ValueChoice("c", labels=("a",), values=("a",), cond=("n", frozenset({2})))
        >>> [(d.key, v) for d, v in DecisionTree([n, c]).walk({"n": 2, "c": "a"})]
        [('n', 2), ('c', 'a')]
        >>> [(d.key, v) for d, v in DecisionTree([n, c]).walk({"n": 1, "c": "a"})]
        [('n', 1)]
        """
        get = (lambda d: choose.get(d.key, MISSING)) if isinstance(choose, Mapping) else choose
        if order is None:
            at, position = self.decisions, self._position
        else:
            at, position = list(order), {d.key: i for i, d in enumerate(order)}
        heap = sorted(position[d.key] for d in self.roots)  # a sorted list is a heap
        while heap:
            d = at[heapq.heappop(heap)]
            value = get(d)
            yield d, value
            if value is MISSING:
                continue
            for c in self.children.get(d.key, ()):
                if value is OPEN or cond_allows(c.cond, value):  # type: ignore[arg-type]
                    heapq.heappush(heap, position[c.key])

    def sample(self, rng: random.Random, fixed: Assignment | None = None) -> Assignment:
        """A random assignment, top-down, so that only active decisions get values."""
        if not fixed and not self.children:
            # every decision is active, and the walk visits them in declaration order: the
            # same draws without it (a third of the cost; searchers draw once per trial)
            choices = self._choices
            if choices is not None and type(rng) is random.Random:
                below = rng._randbelow  # what `randrange(n)` returns for n > 0: the same draw
                return {key: below(n) if values is None else values[below(n)]
                        for key, n, values in choices}
            return {key: draw(rng) for key, draw in self._draws}
        fixed = fixed or {}
        return {d.key: value for d, value in self.walk(
            lambda d: fixed[d.key] if d.key in fixed else d.sample(rng))}

    @functools.cached_property
    def _choices(self) -> list[tuple[str, int, tuple[Any, ...] | None]] | None:
        """(key, how many candidates, the values or None for an index) of each decision,
        when every one is a choice of at least one candidate drawn as `_Choice.sample` draws
        (``_at(rng.randrange(n))``, `_at` an index or a value); None otherwise."""
        from archlang.ir.decisions.choice import ValueChoice, _Choice

        out = []
        for d in self.decisions:
            kind = type(d)
            if not isinstance(d, _Choice) or kind.sample is not _Choice.sample or \
                    not d.labels or kind._at not in (_Choice._at, ValueChoice._at):
                return None
            out.append((d.key, len(d.labels),
                        d.values if kind._at is ValueChoice._at else None))  # type: ignore[attr-defined]
        return out

    @functools.cached_property
    def _draws(self) -> list[tuple[str, Callable[[random.Random], Any]]]:
        return [(d.key, d.sample) for d in self.decisions]

    def active(self, assignment: Assignment) -> list[DecisionPoint]:
        """The decisions active under an assignment, in declaration order."""
        return [d for d, _ in self.walk(assignment)]

    def descendants(self, key: str) -> set[str]:
        """The keys of the decisions conditional on `key`, transitively."""
        out: set[str] = set()
        stack = list(self.children.get(key, []))
        while stack:
            d = stack.pop()
            if d.key not in out:
                out.add(d.key)
                stack.extend(self.children.get(d.key, []))
        return out

    # ------------------------------------------------------------ counting

    def size(self) -> int | float:
        """The exact number of distinct assignments (``math.inf`` with a float decision)."""
        memo: dict[str, int | float] = {}
        total: int | float = 1
        for d in self.roots:
            total = _mul(total, self._size(d, memo))
        return total

    def value_counts(self, key: str) -> list[tuple[Any, int | float]]:
        """For each value of decision `key`, how many assignments make `key` active and give it
        that value (exact; ``math.inf`` with a float decision). For a decision that is always
        active the counts add up to `size()`. Used by `archlang show --explain`.

        Each call costs the depth of `key` times its ancestors' domains: subtree sizes and the
        products of the other top-level decisions are computed once per tree.
        """
        d = self.by_key[key]
        sizes, without = self._subtree_sizes()
        if not d.finite:
            return [(None, math.inf)]
        counts = []
        for value in d.domain():
            count: int | float = 1
            for c in self.children.get(d.key, []):
                if cond_allows(c.cond, value):  # type: ignore[arg-type]
                    count = _mul(count, sizes[c.key])
            node = d
            while node.cond is not None:  # up to the root: the ancestors' values that lead here
                parent = self.by_key[node.cond[0]]
                total: int | float = 0
                for u in parent.domain():
                    if not cond_allows(node.cond, u):
                        continue
                    prod = count
                    for c in self.children.get(parent.key, []):
                        if c is not node and cond_allows(c.cond, u):  # type: ignore[arg-type]
                            prod = _mul(prod, sizes[c.key])
                    total += prod
                count, node = total, parent
            counts.append((value, _mul(count, without[node.key])))
        return counts

    def unrank(self, index: int) -> Assignment:
        """The assignment at position `index` of `iter_assignments`' order, found from subtree
        sizes without enumerating (cost: the active decisions times their domains).

        The order is lexicographic over the walk: at each decision the walk reaches, the
        values before the chosen one account for ``count(value) * pending`` assignments each,
        where ``count`` is the product of the subtree sizes of the children that value
        activates and ``pending`` the product of those of the decisions still to be reached.

        >>> from archlang.ir.decisions import IntRange, ValueChoice
        >>> n = IntRange("n", low=1, high=2)
        >>> c = ValueChoice("c", labels=("a", "b"), values=("a", "b"), cond=("n", frozenset({2})))
        >>> [DecisionTree([n, c]).unrank(i) for i in range(3)]
        [{'n': 1}, {'n': 2, 'c': 'a'}, {'n': 2, 'c': 'b'}]
        """
        sizes, _ = self._subtree_sizes()
        total = self.size()
        if math.isinf(total):
            raise ValueError("only a finite tree has ranks")
        if not 0 <= index < total:
            raise IndexError(f"rank {index} is outside the tree's {total} assignments")
        pending = int(total)  # the product of the sizes of the decisions not reached yet

        def choose(d: DecisionPoint) -> Any:
            nonlocal index, pending
            pending //= int(sizes[d.key])
            values, counts = self._branch(d)
            if d.key not in self.children:  # every value opens one assignment: no scan
                at, index = divmod(index, pending)
                return values[at]
            for value, count in zip(values, counts, strict=True):
                if index < count * pending:
                    pending *= count
                    return value
                index -= count * pending
            raise AssertionError("subtree sizes disagree with the domains")

        return {d.key: value for d, value in self.walk(choose)}

    def _branch(self, d: DecisionPoint) -> tuple[list[Any], list[int]]:
        """`d`'s values, and for each the product of the subtree sizes it activates."""
        if d.key not in self._branches:
            sizes, _ = self._subtree_sizes()
            values = list(d.domain())
            counts = []
            for value in values:
                count = 1
                for c in self.children.get(d.key, ()):
                    if cond_allows(c.cond, value):  # type: ignore[arg-type]
                        count *= int(sizes[c.key])
                counts.append(count)
            self._branches[d.key] = (values, counts)
        return self._branches[d.key]

    def _subtree_sizes(self) -> tuple[dict[str, int | float], dict[str, int | float]]:
        """(size of each decision's subtree, product of the other roots' sizes per root)."""
        if self._sizes is None:
            sizes: dict[str, int | float] = {}
            for d in self.roots:
                self._size(d, sizes)
            before: list[int | float] = [1]
            for d in self.roots:
                before.append(_mul(before[-1], sizes[d.key]))
            after: int | float = 1
            without: dict[str, int | float] = {}
            for i in range(len(self.roots) - 1, -1, -1):
                without[self.roots[i].key] = _mul(before[i], after)
                after = _mul(after, sizes[self.roots[i].key])
            self._sizes = (sizes, without)
        return self._sizes

    def _size(self, d: DecisionPoint, memo: dict[str, int | float]) -> int | float:
        if d.key in memo:
            return memo[d.key]
        kids = self.children.get(d.key, [])
        if not kids:
            result = d.cardinality()
        elif not d.finite:
            result = math.inf
        else:
            result = 0
            for value in d.domain():
                prod: int | float = 1
                for c in kids:
                    if cond_allows(c.cond, value):  # type: ignore[arg-type]
                        prod = _mul(prod, self._size(c, memo))
                result += prod
        memo[d.key] = result
        return result


def _mul(a: int | float, b: int | float) -> int | float:
    if a == 0 or b == 0:
        return 0
    if (isinstance(a, float) and math.isinf(a)) or (isinstance(b, float) and math.isinf(b)):
        return math.inf
    return a * b

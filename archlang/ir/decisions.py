"""Decision points: the open places of a space, their domains, conditions, size and sampling.

A decision is active when its condition holds: ``cond = (parent_key, allowed_values)`` says
"active when the parent decision takes one of these values" (the innermost condition; the
parent has its own). Conditions arise from choices between layers (a candidate's decisions),
from repeat counts (the decisions of copy i need count > i) and from subsets.

An *assignment* maps the keys of the active decisions to values: for ``choice`` the chosen
value when every candidate is a plain value, else the candidate's index; an int for ``int``,
a float for ``float``, a sorted list of candidate indices for ``subset``.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from archlang.source import NO_SPAN, Span

Assignment = dict[str, Any]


@dataclass(frozen=True)
class DecisionPoint:
    """One open question.

    Attributes:
        key: stable, readable path: ``digits_cnn.repeat[1].choice``.
        kind: "choice", "int", "float" or "subset".
        labels: for choice and subset, how each candidate reads in the source.
        values: for a choice between plain values, the values (the assignment holds one of
            them); None when candidates are layers or tensors (the assignment holds an index).
        low, high, log: the range of an int or float.
        k: how many a subset picks.
        cond: ``(parent_key, allowed parent values)`` or None for a top-level decision.
    """

    key: str
    kind: str
    labels: tuple[str, ...] = ()
    values: tuple[Any, ...] | None = None
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    k: int = 0
    cond: tuple[str, frozenset[Any]] | None = None
    span: Span = field(default=NO_SPAN, compare=False)

    # ------------------------------------------------------------ domain

    @property
    def finite(self) -> bool:
        return self.kind != "float"

    def domain(self) -> Iterator[Any]:
        """Every value the assignment may hold, in a stable order (not for floats)."""
        if self.kind == "choice":
            yield from self.values if self.values is not None else range(len(self.labels))
        elif self.kind == "int":
            yield from range(int(self.low), int(self.high) + 1)  # type: ignore[arg-type]
        elif self.kind == "subset":
            for combo in itertools.combinations(range(len(self.labels)), self.k):
                yield list(combo)
        else:
            raise ValueError(f"decision `{self.key}` is continuous")

    def cardinality(self) -> int | float:
        if self.kind == "choice":
            return len(self.labels)
        if self.kind == "int":
            return int(self.high) - int(self.low) + 1  # type: ignore[arg-type]
        if self.kind == "subset":
            return math.comb(len(self.labels), self.k)
        return math.inf

    def contains(self, value: Any) -> bool:
        if self.kind == "choice":
            if self.values is not None:
                return any(_same(value, v) for v in self.values)
            return _is_int(value) and 0 <= value < len(self.labels)
        if self.kind == "int":
            return _is_int(value) and self.low <= value <= self.high  # type: ignore[operator]
        if self.kind == "float":
            return (isinstance(value, (int, float)) and not isinstance(value, bool)
                    and self.low <= value <= self.high)  # type: ignore[operator]
        if self.kind == "subset":
            return (isinstance(value, (list, tuple)) and len(value) == self.k
                    and all(_is_int(i) and 0 <= i < len(self.labels) for i in value)
                    and len(set(value)) == self.k)
        return False

    def normalize(self, value: Any) -> Any:
        """The canonical form of a valid value (subsets sorted, ints for integral floats)."""
        if self.kind == "subset":
            return sorted(int(i) for i in value)
        if self.kind == "float":
            return float(value)
        if self.kind == "choice" and self.values is not None:
            for v in self.values:
                if _same(value, v):
                    return v
        return value

    def index_of(self, value: Any) -> int:
        """The candidate index a choice value selects."""
        if self.values is not None:
            for i, v in enumerate(self.values):
                if _same(value, v):
                    return i
            raise ValueError(value)
        return int(value)

    def sample(self, rng: random.Random) -> Any:
        if self.kind == "choice":
            i = rng.randrange(len(self.labels))
            return self.values[i] if self.values is not None else i
        if self.kind == "int":
            return rng.randint(int(self.low), int(self.high))  # type: ignore[arg-type]
        if self.kind == "float":
            lo, hi = float(self.low), float(self.high)  # type: ignore[arg-type]
            if self.log:
                return math.exp(rng.uniform(math.log(lo), math.log(hi)))
            return rng.uniform(lo, hi)
        return sorted(rng.sample(range(len(self.labels)), self.k))

    def describe(self) -> str:
        """The domain in one line: ``choice(16, 32, 64)``, ``int(1, 3)``."""
        if self.kind == "choice":
            return f"choice({', '.join(self.labels)})"
        if self.kind == "int":
            return f"int({self.low}, {self.high})"
        if self.kind == "float":
            return f"float({self.low}, {self.high}{', log = true' if self.log else ''})"
        return f"subset({self.k}, {', '.join(self.labels)})"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "kind": self.kind}
        if self.kind in ("choice", "subset"):
            out["labels"] = list(self.labels)
        if self.values is not None:
            out["values"] = list(self.values)
        if self.kind in ("int", "float"):
            out["low"], out["high"] = self.low, self.high
        if self.log:
            out["log"] = True
        if self.kind == "subset":
            out["k"] = self.k
        if self.cond is not None:
            allowed = sorted(self.cond[1], key=repr)
            out["when"] = {"key": self.cond[0], "in": [list(a) if isinstance(a, tuple) else a
                                                       for a in allowed]}
        return out


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps True apart from 1 and 2 apart from 2.0."""
    return type(a) is type(b) and a == b or (
        isinstance(a, (int, float)) and isinstance(b, float) and not isinstance(a, bool)
        and float(a) == b)


def cond_allows(cond: tuple[str, frozenset[Any]], value: Any) -> bool:
    allowed = cond[1]
    if isinstance(value, list):
        value = tuple(value)
    return value in allowed


# ---------------------------------------------------------------- the decision tree


class DecisionTree:
    """Decisions indexed by their conditions: counting and sampling walk it top-down."""

    def __init__(self, decisions: list[DecisionPoint]) -> None:
        self.decisions = decisions
        self.by_key = {d.key: d for d in decisions}
        self.roots = [d for d in decisions if d.cond is None]
        self._sizes: tuple[dict[str, int | float], dict[str, int | float]] | None = None
        self.children: dict[str, list[DecisionPoint]] = {}
        for d in decisions:
            if d.cond is not None:
                self.children.setdefault(d.cond[0], []).append(d)

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

    def sample(self, rng: random.Random, fixed: Assignment | None = None) -> Assignment:
        """A random assignment, top-down, so that only active decisions get values."""
        out: Assignment = {}
        stack = list(reversed(self.roots))
        while stack:
            d = stack.pop()
            if fixed is not None and d.key in fixed:
                value = fixed[d.key]
            else:
                value = d.sample(rng)
            out[d.key] = value
            kids = [c for c in self.children.get(d.key, []) if cond_allows(c.cond, value)]
            stack.extend(reversed(kids))
        return {d.key: out[d.key] for d in self.decisions if d.key in out}

    def active(self, assignment: Assignment) -> list[DecisionPoint]:
        """The decisions active under an assignment, in declaration order."""
        out = []
        for d in self.decisions:
            if d.cond is None or (d.cond[0] in assignment and any(
                    p.key == d.cond[0] for p in out) and cond_allows(d.cond,
                                                                     assignment[d.cond[0]])):
                out.append(d)
        return out


def _mul(a: int | float, b: int | float) -> int | float:
    if a == 0 or b == 0:
        return 0
    if (isinstance(a, float) and math.isinf(a)) or (isinstance(b, float) and math.isinf(b)):
        return math.inf
    return a * b

"""Choices: one of several candidates, as plain values (`ValueChoice`) or as layers or
tensors, which the assignment names by index (`CandidateChoice`)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from archlang.ir.decisions.base import DecisionPoint, is_int, is_number, same

_PLAIN = (str, int, float, bool, type(None))


def _matches(value: Any, candidate: Any) -> bool:
    """`same`, where a list matches a tuple candidate element by element: JSON (``--set``,
    stored trials, a resumed search) has no tuples, so ``[0, 1]`` stands for ``(0, 1)``."""
    if isinstance(candidate, tuple):
        return isinstance(value, (list, tuple)) and len(value) == len(candidate) and all(
            _matches(v, c) for v, c in zip(value, candidate))
    return same(value, candidate)


@dataclass(frozen=True)
class _Choice(DecisionPoint):
    """What both choices share: candidates with source labels, one picked uniformly."""

    kind = "choice"

    #: how each candidate reads in the source
    labels: tuple[str, ...] = ()

    def cardinality(self) -> int:
        return len(self.labels)

    def index_of(self, value: Any) -> int:
        """The candidate index a value selects."""
        return int(value)

    def _at(self, i: int) -> Any:
        """The assignment value of candidate `i`."""
        return i

    def sample(self, rng: random.Random) -> Any:
        return self._at(rng.randrange(len(self.labels)))

    def mutate(self, value: Any, rng: random.Random, **_: Any) -> Any:
        """Another candidate, uniformly."""
        i = self.index_of(value)
        j = rng.randrange(len(self.labels) - 1)
        return self._at(j + (j >= i))

    def encoding_width(self) -> int:
        return len(self.labels)

    def encode(self, value: Any) -> list[tuple[int, float]]:
        """One-hot over the candidates."""
        return [(self.index_of(value), 1.0)]

    def _suggest_index(self, trial: Any) -> int:
        return trial.suggest_categorical(self.key, list(range(len(self.labels))))

    def _index_params(self, value: Any, dist: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({self.key: self.index_of(value)},
                {self.key: dist.CategoricalDistribution(list(range(len(self.labels))))})

    def describe(self) -> str:
        return f"choice({', '.join(self.labels)})"

    def sweep_values(self) -> list[Any]:
        return list(self.domain())

    def sweep_labels(self) -> list[str]:
        return list(self.labels)

    def blame(self, label: str, shown: str) -> str:
        return f"candidate `{label}` of `{self.key}`"

    def blame_hint(self, label: str) -> str:
        return f"drop `{label}` from the choice, or change what it feeds into"


@dataclass(frozen=True)
class ValueChoice(_Choice):
    """A choice between plain values: the assignment holds the chosen value itself.

    >>> d = ValueChoice("w", labels=("16", "32"), values=(16, 32))
    >>> d.contains(32), d.contains(32.0), d.contains(True), d.describe()
    (True, False, False, 'choice(16, 32)')

    A list (JSON's spelling) matches a tuple candidate, and `normalize` gives the tuple:

    >>> p = ValueChoice("p", labels=("[0, 1]", "[0, 2]"), values=((0, 1), (0, 2)))
    >>> p.contains([0, 2]), p.normalize([0, 2]), p.contains([0, 3]), p.contains((0, 1))
    (True, (0, 2), False, True)
    """

    values: tuple[Any, ...] = ()

    @classmethod
    def _reads(cls, data: dict[str, Any]) -> bool:
        return super()._reads(data) and "values" in data

    def domain(self) -> Iterator[Any]:
        yield from self.values

    def contains(self, value: Any) -> bool:
        return any(_matches(value, v) for v in self.values)

    def normalize(self, value: Any) -> Any:
        for v in self.values:
            if _matches(value, v):
                return v
        return value

    def index_of(self, value: Any) -> int:
        for i, v in enumerate(self.values):
            if _matches(value, v):
                return i
        raise ValueError(value)

    def _at(self, i: int) -> Any:
        return self.values[i]

    def largest_number(self) -> Any:
        return max(self.values) if self.values and all(is_number(v) for v in self.values) \
            else None

    def int_bounds(self) -> tuple[int, int] | None:
        if all(is_int(v) for v in self.values):
            return min(self.values), max(self.values)
        return None

    def suggest(self, trial: Any) -> Any:
        """Categorical over the values themselves when Optuna can hold them (`_plain`),
        else over the indexes."""
        if self._plain():
            return trial.suggest_categorical(self.key, list(self.values))
        return self._at(self._suggest_index(trial))

    def optuna_params(self, value: Any, dist: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        if self._plain():
            return ({self.key: self.normalize(value)},
                    {self.key: dist.CategoricalDistribution(list(self.values))})
        return self._index_params(value, dist)

    def _plain(self) -> bool:
        """True when Optuna can hold the values as they are: plain, and no two of them equal
        under Python's ``==`` (Optuna finds a value by ``list.index``: 1 == True == 1.0)."""
        if not all(isinstance(v, _PLAIN) for v in self.values):
            return False
        return all(not (a == b) for i, a in enumerate(self.values) for b in self.values[i + 1:])

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        return st.sampled_from(self.values)

    def value_text(self, value: Any) -> str:
        return self.labels[self.index_of(value)]

    def _json_fields(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "values": list(self.values)}


@dataclass(frozen=True)
class CandidateChoice(_Choice):
    """A choice between layers or tensors: the assignment holds the candidate's index.

    >>> d = CandidateChoice("op", labels=("conv()", "pool()"))
    >>> list(d.domain()), d.picked(1), d.value_text(1)
    ([0, 1], ('pool()',), '1: pool()')
    """

    @classmethod
    def _reads(cls, data: dict[str, Any]) -> bool:
        return super()._reads(data) and "values" not in data

    @property
    def values(self) -> None:
        """No values: the candidates are layers or tensors, so the assignment holds indexes."""
        return None

    def domain(self) -> Iterator[Any]:
        yield from range(len(self.labels))

    def contains(self, value: Any) -> bool:
        return is_int(value) and 0 <= value < len(self.labels)

    @property
    def readable(self) -> bool:
        return False

    def suggest(self, trial: Any) -> Any:
        return self._suggest_index(trial)

    def optuna_params(self, value: Any, dist: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return self._index_params(value, dist)

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        return st.integers(0, len(self.labels) - 1)

    def picked(self, value: Any) -> tuple[str, ...]:
        return (self.labels[value],)

    def picked_text(self, value: Any, sep: str) -> str:
        return self.labels[value]

    def value_text(self, value: Any) -> str:
        i = self.index_of(value)
        return f"{i}: {self.labels[i]}"

    def cond_value_text(self, value: Any) -> str:
        return f"{value} ({self.labels[value]})"

    def diagram_when(self, allowed: frozenset[Any]) -> str:
        return " if " + ", ".join(str(i) for i in sorted(allowed))

    def domain_hint(self) -> str:
        return f"its candidates are layers or tensors: give the index, 0 to " \
               f"{len(self.labels) - 1}"

    def _json_fields(self) -> dict[str, Any]:
        return {"labels": list(self.labels)}

"""`Subset`: k of n candidates, held as a sorted list of candidate indices."""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from archlang.ir.decisions.base import DecisionPoint, is_int

#: the most subsets a subset decision may have to be one Optuna categorical parameter;
#: past it, one float in [0, 1] per candidate (named ``KEY[i]``) picks the k largest
MAX_COMBINATIONS = 1000


@dataclass(frozen=True)
class Subset(DecisionPoint):
    """``subset(k, a, b, ...)``.

    >>> d = Subset("s", labels=("a", "b", "c"), k=2)
    >>> d.cardinality(), d.normalize([2, 0]), d.picked_text([0, 2], ",")
    (3, [0, 2], '{a,c}')
    """

    kind = "subset"

    labels: tuple[str, ...] = ()
    #: how many it picks
    k: int = 0

    def domain(self) -> Iterator[Any]:
        for combo in itertools.combinations(range(len(self.labels)), self.k):
            yield list(combo)

    def cardinality(self) -> int:
        return math.comb(len(self.labels), self.k)

    def contains(self, value: Any) -> bool:
        return (isinstance(value, (list, tuple)) and len(value) == self.k
                and all(is_int(i) and 0 <= i < len(self.labels) for i in value)
                and len(set(value)) == self.k)

    def normalize(self, value: Any) -> Any:
        return sorted(int(i) for i in value)

    def sample(self, rng: random.Random) -> Any:
        return sorted(rng.sample(range(len(self.labels)), self.k))

    def mutate(self, value: Any, rng: random.Random, **_: Any) -> Any:
        """One chosen candidate swapped for one not chosen (the smallest step)."""
        chosen = set(value)
        out_ = rng.choice(sorted(chosen))
        in_ = rng.choice([i for i in range(len(self.labels)) if i not in chosen])
        return sorted((chosen - {out_}) | {in_})

    @property
    def readable(self) -> bool:
        return False

    def encoding_width(self) -> int:
        return len(self.labels)

    def encode(self, value: Any) -> list[tuple[int, float]]:
        """One 1 per chosen candidate."""
        return [(int(i), 1.0) for i in value]

    def suggest(self, trial: Any) -> Any:
        """One categorical over the combinations (their index in `domain` order), or past
        `MAX_COMBINATIONS` one weight per candidate and the k largest (ties: lower index)."""
        combos = self._combos()
        if combos is not None:
            return list(combos[trial.suggest_categorical(self.key, list(range(len(combos))))])
        weights = [trial.suggest_float(f"{self.key}[{i}]", 0.0, 1.0)
                   for i in range(len(self.labels))]
        return sorted(sorted(range(len(weights)), key=lambda i: (-weights[i], i))[:self.k])

    def optuna_params(self, value: Any, dist: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        combos = self._combos()
        if combos is not None:
            return ({self.key: combos.index(tuple(sorted(value)))},
                    {self.key: dist.CategoricalDistribution(list(range(len(combos))))})
        chosen = set(value)
        names = [f"{self.key}[{i}]" for i in range(len(self.labels))]
        return ({name: 1.0 if i in chosen else 0.0 for i, name in enumerate(names)},
                {name: dist.FloatDistribution(0.0, 1.0) for name in names})

    def _combos(self) -> list[tuple[int, ...]] | None:
        if self.cardinality() > MAX_COMBINATIONS:
            return None
        return _combinations(len(self.labels), self.k)

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        return st.lists(st.integers(0, len(self.labels) - 1), min_size=self.k,
                        max_size=self.k, unique=True).map(sorted)

    def describe(self) -> str:
        return f"subset({self.k}, {', '.join(self.labels)})"

    def picked(self, value: Any) -> tuple[str, ...]:
        return tuple(self.labels[i] for i in value)

    def picked_text(self, value: Any, sep: str) -> str:
        return "{" + sep.join(self.picked(value)) + "}"

    def value_text(self, value: Any) -> str:
        return self.picked_text(value, ", ")

    def domain_hint(self) -> str:
        return f"give {self.k} distinct indices from 0 to {len(self.labels) - 1}, e.g. " \
               f"--set {self.key}={list(range(self.k))}".replace(" ", "")

    def _json_fields(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "k": self.k}


@functools.lru_cache(maxsize=64)
def _combinations(n: int, k: int) -> list[tuple[int, ...]]:
    return list(itertools.combinations(range(n), k))

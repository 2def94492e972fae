"""`IntRange`: ``int(low, high)``, every int from low to high inclusive."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from archlang.ir.decisions.base import LOCAL, DecisionPoint, is_int, scaled

#: an int range with at most this many values is one-hot encoded, a wider one is one number
ONE_HOT_LIMIT = 32


@dataclass(frozen=True)
class IntRange(DecisionPoint):
    """``int(low, high)``.

    >>> d = IntRange("n", low=1, high=3)
    >>> list(d.domain()), d.describe(), d.encode(2)
    ([1, 2, 3], 'int(1, 3)', [(1, 1.0)])
    """

    kind = "int"

    low: int = 0
    high: int = 0

    def domain(self) -> Iterator[Any]:
        yield from range(int(self.low), int(self.high) + 1)

    def cardinality(self) -> int:
        return int(self.high) - int(self.low) + 1

    def contains(self, value: Any) -> bool:
        return is_int(value) and self.low <= value <= self.high

    def sample(self, rng: random.Random) -> Any:
        return rng.randint(int(self.low), int(self.high))

    def mutate(self, value: Any, rng: random.Random, *, local: float = LOCAL) -> Any:
        """With probability `local` a step of 1 (in a wide range, up to a tenth of it),
        clipped to the range; otherwise a uniform draw of another value."""
        lo, hi = int(self.low), int(self.high)
        if rng.random() < local:
            reach = max(1, (hi - lo) // 10)
            step = rng.randint(1, reach) * rng.choice((-1, 1))
            new = min(hi, max(lo, value + step))
            if new != value:
                return new
            return min(hi, max(lo, value - step))
        new = rng.randint(lo, hi - 1)
        return new + (new >= value)

    def probe_values(self, rng: random.Random) -> list[Any]:
        return list(self.domain()) if self.cardinality() <= 16 else [self.low, self.high]

    def largest_number(self) -> Any:
        return self.high

    def int_bounds(self) -> tuple[int, int] | None:
        return self.low, self.high

    def encoding_width(self) -> int:
        return self.cardinality() if self.cardinality() <= ONE_HOT_LIMIT else 1

    def encode(self, value: Any) -> list[tuple[int, float]]:
        """One-hot over the values up to `ONE_HOT_LIMIT` of them, else scaled to [0, 1]."""
        if self.encoding_width() > 1:
            return [(int(value) - int(self.low), 1.0)]
        return [(0, scaled(value, float(self.low), float(self.high)))]

    def suggest(self, trial: Any) -> Any:
        return trial.suggest_int(self.key, int(self.low), int(self.high))

    def optuna_params(self, value: Any, dist: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({self.key: int(value)},
                {self.key: dist.IntDistribution(int(self.low), int(self.high))})

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        return st.integers(int(self.low), int(self.high))

    def describe(self) -> str:
        return f"int({self.low}, {self.high})"

    def sweep_values(self) -> list[Any]:
        """The two ends of the range."""
        return [int(self.low), int(self.high)] if self.high != self.low else []

    def _json_fields(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high}

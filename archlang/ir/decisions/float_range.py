"""`FloatRange`: ``float(low, high)`` and ``float(low, high, log = true)``, continuous."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from archlang.ir.decisions.base import LOCAL, DecisionPoint, scaled


@dataclass(frozen=True)
class FloatRange(DecisionPoint):
    """``float(low, high, log = ...)``: not finite, so it has no `domain`.

    >>> d = FloatRange("lr", low=1e-4, high=1e-2, log=True)
    >>> d.describe(), d.contains(1e-3), d.contains(1), d.encode(1e-2)
    ('float(0.0001, 0.01, log = true)', True, False, [(0, 1.0)])
    """

    kind = "float"

    low: float = 0.0
    high: float = 0.0
    #: drawn, stepped and encoded on a log scale
    log: bool = False

    @property
    def finite(self) -> bool:
        return False

    def domain(self) -> Iterator[Any]:
        raise ValueError(f"decision `{self.key}` is continuous")

    def cardinality(self) -> float:
        return math.inf

    def contains(self, value: Any) -> bool:
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and self.low <= value <= self.high)

    def normalize(self, value: Any) -> Any:
        return float(value)

    def sample(self, rng: random.Random) -> Any:
        lo, hi = float(self.low), float(self.high)
        if self.log:
            return math.exp(rng.uniform(math.log(lo), math.log(hi)))
        return rng.uniform(lo, hi)

    def mutate(self, value: Any, rng: random.Random, *, local: float = LOCAL) -> Any:
        """With probability `local` a Gaussian step of a tenth of the range (in log space for
        a log range), otherwise a uniform draw; clipped to the range."""
        lo, hi = float(self.low), float(self.high)
        to, back = (math.log, math.exp) if self.log else (float, float)
        a, b, x = to(lo), to(hi), to(value)
        for _ in range(16):
            y = x + rng.gauss(0.0, 0.1 * (b - a)) if rng.random() < local else rng.uniform(a, b)
            new = min(hi, max(lo, back(min(b, max(a, y)))))
            if new != value:
                return new
        return hi if value != hi else lo

    def probe_values(self, rng: random.Random) -> list[Any]:
        return [self.low, self.high]

    def largest_number(self) -> Any:
        return self.high

    def encoding_width(self) -> int:
        return 1

    def encode(self, value: Any) -> list[tuple[int, float]]:
        """One number scaled to [0, 1], on a log scale for a log range."""
        lo, hi = float(self.low), float(self.high)
        if self.log and lo > 0:
            lo, hi, value = math.log(lo), math.log(hi), math.log(value)
        return [(0, scaled(value, lo, hi))]

    def suggest(self, trial: Any) -> Any:
        return trial.suggest_float(self.key, float(self.low), float(self.high), log=self.log)

    def optuna_params(self, value: Any, dist: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({self.key: float(value)},
                {self.key: dist.FloatDistribution(float(self.low), float(self.high),
                                                  log=self.log)})

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        lo, hi = float(self.low), float(self.high)
        if self.log:
            return st.floats(math.log(lo), math.log(hi)).map(
                lambda v: min(max(math.exp(v), lo), hi))
        return st.floats(lo, hi, allow_nan=False, allow_infinity=False)

    def describe(self) -> str:
        return f"float({self.low}, {self.high}{', log = true' if self.log else ''})"

    def _json_fields(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, **({"log": True} if self.log else {})}

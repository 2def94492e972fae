"""What a search optimizes and what it must respect: objectives, the Pareto front, constraints.

An `Objective` is a metric name and a direction (``val_accuracy:max``, ``params:min``). The
first objective of a search orders its tables and is the scalar ``score`` algorithms see;
with several, `pareto_front` keeps the trials no other trial beats on every objective.

`Constraints` are static bounds (``--max-params 2M``, ``--max-flops 300k``) checked on the
bound `Arch` before any training: a network that breaks one is *infeasible*, never trained.

    >>> Objective.parse("params:min"), Objective.parse("val_accuracy").direction
    (Objective(name='params', direction='minimize'), 'maximize')
    >>> parse_count("2M"), parse_count("300k"), parse_count("1.5G"), parse_count("12_000")
    (2000000, 300000, 1500000000, 12000)
    >>> pareto_front([(1.0, -5), (0.5, -1), (0.4, -2), (1.0, -5)])
    [0, 1, 3]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archlang.syntax.lexicon import SUFFIXES

if TYPE_CHECKING:
    from archlang.ir.arch import Arch

MAXIMIZE = "maximize"
MINIMIZE = "minimize"
_DIRECTIONS = {"max": MAXIMIZE, "maximize": MAXIMIZE, "min": MINIMIZE, "minimize": MINIMIZE}
#: the `.arch` suffixes in either case, and `T` (the rules differ: see archlang.syntax.lexicon)
_SUFFIX = {"": 1, **{k.lower(): v for k, v in SUFFIXES.items()}, "t": 10**12}


@dataclass(frozen=True)
class Objective:
    """A metric the search optimizes, and which way."""

    name: str
    direction: str = MAXIMIZE

    def __post_init__(self) -> None:
        if self.direction not in (MAXIMIZE, MINIMIZE):
            raise ValueError(f"direction must be 'maximize' or 'minimize', "
                             f"not {self.direction!r}")

    @classmethod
    def parse(cls, text: str) -> Objective:
        """``NAME``, ``NAME:max`` or ``NAME:min`` (also ``:maximize`` / ``:minimize``)."""
        name, _, way = text.strip().partition(":")
        if not re.fullmatch(r"[A-Za-z_][\w.]*", name):
            raise ValueError(f"`{text}` is not an objective: write NAME:max or NAME:min, "
                             "e.g. val_accuracy:max")
        if way and way.lower() not in _DIRECTIONS:
            raise ValueError(f"`{text}`: the direction must be `max` or `min`, not `{way}`")
        return cls(name, _DIRECTIONS[way.lower()] if way else MAXIMIZE)

    def oriented(self, value: Any) -> float:
        """The value turned so that larger is better."""
        v = float(value)
        return v if self.direction == MAXIMIZE else -v

    def __str__(self) -> str:
        return f"{self.name}:{'max' if self.direction == MAXIMIZE else 'min'}"


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """True when `a` is at least as good as `b` everywhere and better somewhere (larger is
    better on every axis)."""
    return all(x >= y for x, y in zip(a, b)) and any(x > y for x, y in zip(a, b))


def pareto_front(points: Sequence[Sequence[float]]) -> list[int]:
    """Indices of the points no other point dominates, in input order (equal points all
    stay). Sorting by the first axis makes it O(n * front) rather than O(n^2)."""
    order = sorted(range(len(points)), key=lambda i: tuple(-x for x in points[i]))
    front: list[int] = []
    for i in order:
        if not any(dominates(points[j], points[i]) for j in front):
            front.append(i)
    return sorted(front)


def parse_count(text: str | int) -> int:
    """A count with an optional suffix: ``300k``, ``2M``, ``1.5G``, ``12_000``."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([kKmMgGtT]?)\s*", text)
    if m is None:
        raise ValueError(f"`{text}` is not a count: write e.g. 300000, 300k, 2M or 1.5G")
    value = float(m.group(1).replace("_", "")) * _SUFFIX[m.group(2).lower()]
    if value != int(value):
        raise ValueError(f"`{text}` is not a whole number")
    return int(value)


@dataclass(frozen=True)
class Constraints:
    """Static bounds on a bound network, checked before it is trained."""

    max_params: int | None = None
    max_flops: int | None = None

    def __bool__(self) -> bool:
        return self.max_params is not None or self.max_flops is not None

    def violation(self, arch: Arch) -> str | None:
        """Why `arch` is infeasible, or None. Reads only static figures (no torch)."""
        if self.max_params is not None and arch.params > self.max_params:
            return f"{arch.params:,} parameters > --max-params {self.max_params:,}"
        if self.max_flops is not None and arch.flops > self.max_flops:
            return f"{arch.flops:,} FLOPs > --max-flops {self.max_flops:,}"
        return None

    def to_json(self) -> dict[str, int]:
        return {k: v for k, v in (("max_params", self.max_params),
                                  ("max_flops", self.max_flops)) if v is not None}

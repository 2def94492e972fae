"""The abstract decision point: key, condition and span, and what every kind must answer.

A decision is active when its condition holds: ``cond = (parent_key, allowed_values)`` says
"active when the parent decision takes one of these values" (the innermost condition; the
parent has its own). Conditions arise from choices between layers (a candidate's decisions),
from repeat counts (the decisions of copy i need count > i) and from subsets.

An *assignment* maps the keys of the active decisions to values, in the form each kind says
(`ValueChoice`: the value itself; `CandidateChoice`: the candidate's index; `IntRange`: an
int; `FloatRange`: a float; `Subset`: a sorted list of candidate indices).

One class per kind, as PyGlove's ``pg.hyper.OneOf``/``Float`` and Optuna's distributions:
each owns its domain, membership, sampling, mutation, encoding, Optuna parameter, JSON and
how its values read. Code that consumes decisions calls these methods and never asks which
kind it holds; `kind` is the user-visible name (the JSON ``"kind"`` field).
"""

from __future__ import annotations

import inspect
import random
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from archlang.source import NO_SPAN, Span

Assignment = dict[str, Any]

#: probability that a range decision's mutation takes a local step rather than a uniform draw
LOCAL = 0.5


@dataclass(frozen=True)
class DecisionPoint(ABC):
    """One open question.

    Attributes:
        key: stable, readable path: ``digits_cnn.repeat[1].choice``.
        cond: ``(parent_key, allowed parent values)`` or None for a top-level decision.
        span: where the decision is written (not part of equality).
    """

    #: the kind's user-visible name: the JSON ``"kind"`` field
    kind: ClassVar[str]

    key: str
    cond: tuple[str, frozenset[Any]] | None = field(default=None, kw_only=True)
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True)

    # ------------------------------------------------------------ domain

    @property
    def finite(self) -> bool:
        """True when `domain` can list every value."""
        return True

    @abstractmethod
    def domain(self) -> Iterator[Any]:
        """Every value the assignment may hold, in a stable order (not for floats)."""

    @abstractmethod
    def cardinality(self) -> int | float:
        """How many values (``math.inf`` for a continuous range)."""

    @abstractmethod
    def contains(self, value: Any) -> bool:
        """True when `value` is a value of this decision in assignment form."""

    def normalize(self, value: Any) -> Any:
        """The canonical form of a valid value (subsets sorted, floats for a float range)."""
        return value

    @abstractmethod
    def sample(self, rng: random.Random) -> Any:
        """A uniform draw (log-uniform for a log range)."""

    @abstractmethod
    def mutate(self, value: Any, rng: random.Random, *, local: float = LOCAL) -> Any:
        """A value different from `value`: the smallest step a kind has, or (ranges, with
        probability ``1 - local``) a uniform draw."""

    def probe_values(self, rng: random.Random) -> list[Any]:
        """A few values that cover the domain: all of them when there are at most 16, else
        16 draws (the one-shot layout sweeps them to find the largest shapes)."""
        if self.cardinality() <= 16:
            return list(self.domain())
        return [self.sample(rng) for _ in range(16)]

    def largest_number(self) -> Any:
        """The largest value when the values are numbers (None otherwise)."""
        return None

    def int_bounds(self) -> tuple[int, int] | None:
        """(least, greatest) when every value is an int, so it can count repeats; else None."""
        return None

    @property
    def readable(self) -> bool:
        """True when the assignment holds the value itself, so expressions can read it
        (False when it holds indexes into candidates)."""
        return True

    # ------------------------------------------------------------ search back ends

    @abstractmethod
    def encoding_width(self) -> int:
        """The length of this decision's block in the hypernetwork's input vector."""

    @abstractmethod
    def encode(self, value: Any) -> list[tuple[int, float]]:
        """(index in the block, value) for the non-zero entries of `value`'s block."""

    @abstractmethod
    def suggest(self, trial: Any) -> Any:
        """A value drawn through an Optuna trial (define-by-run), in assignment form."""

    @abstractmethod
    def optuna_params(self, value: Any, dist: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """(params, distributions) that `suggest` would have given `value`; `dist` is
        ``optuna.distributions``."""

    @abstractmethod
    def strategy(self) -> Any:
        """A hypothesis strategy for every value, in assignment form."""

    # ------------------------------------------------------------ reading

    @abstractmethod
    def describe(self) -> str:
        """The domain in one line: ``choice(16, 32, 64)``, ``int(1, 3)``."""

    def picked(self, value: Any) -> tuple[str, ...] | None:
        """The source labels of the candidates an index value picks (None: the value is the
        value itself)."""
        return None

    def picked_text(self, value: Any, sep: str) -> str | None:
        """The picked candidates in one short word (a subset in braces, joined by `sep`);
        None when the value speaks for itself."""
        return None

    def value_text(self, value: Any) -> str:
        """A value as `archlang show --explain` lists it."""
        return str(value)

    def cond_value_text(self, value: Any) -> str:
        """A value of this decision in the condition of a child (``{2, 3}``)."""
        return repr(list(value) if isinstance(value, tuple) else value)

    def diagram_when(self, allowed: frozenset[Any]) -> str:
        """What the space diagram adds to a child active for `allowed` values of this one."""
        return ""

    def domain_hint(self) -> str | None:
        """How to write a value on the command line, when that is not obvious."""
        return None

    def sweep_values(self) -> list[Any]:
        """The values `archlang check` forces one by one to find a candidate that never
        works (none: the kind is not swept)."""
        return []

    def sweep_labels(self) -> list[str]:
        """How each of `sweep_values` reads in a diagnostic."""
        return [str(v) for v in self.sweep_values()]

    def blame(self, label: str, shown: str) -> str:
        """Who a diagnostic about the swept value `label` (shown as `shown`) accuses."""
        return f"`{self.key}` = {shown}"

    def blame_hint(self, label: str) -> str:
        """How to fix a swept value that never works."""
        return f"narrow the range to leave out {label}"

    # ------------------------------------------------------------ JSON

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _KINDS.append(cls)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DecisionPoint:
        """The decision `to_json` wrote (without its span).

        >>> from archlang.ir.decisions import Subset
        >>> d = Subset("s", labels=("a", "b"), k=1, cond=("n", frozenset({(0, 1)})))
        >>> DecisionPoint.from_json(d.to_json()) == d
        True
        """
        kind = next((k for k in reversed(_KINDS) if not inspect.isabstract(k) and k._reads(data)),
                    None)
        if kind is None:
            raise ValueError(f"no decision kind reads {data!r}")
        own = {f.name for f in fields(kind) if f.name not in ("key", "cond", "span")}
        values = {name: tuple(v) if isinstance(v, list) else v
                  for name, v in data.items() if name in own}
        when = data.get("when")
        cond = None if when is None else (when["key"], frozenset(
            tuple(v) if isinstance(v, list) else v for v in when["in"]))
        make: Any = kind  # a concrete subclass, whose own fields `values` holds
        return make(data["key"], cond=cond, **values)

    @classmethod
    def _reads(cls, data: dict[str, Any]) -> bool:
        """True when `data` is this kind's `to_json`."""
        return data.get("kind") == getattr(cls, "kind", None)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "kind": self.kind, **self._json_fields()}
        if self.cond is not None:
            allowed = sorted(self.cond[1], key=repr)
            out["when"] = {"key": self.cond[0], "in": [list(a) if isinstance(a, tuple) else a
                                                       for a in allowed]}
        return out

    @abstractmethod
    def _json_fields(self) -> dict[str, Any]:
        """The kind's own fields of `to_json`, in output order."""


#: every subclass, in definition order (`from_json` asks the concrete ones, latest first)
_KINDS: list[type[DecisionPoint]] = []


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def same(a: Any, b: Any) -> bool:
    """Equality that keeps True apart from 1 and 2 apart from 2.0."""
    return type(a) is type(b) and a == b or (
        isinstance(a, (int, float)) and isinstance(b, float) and not isinstance(a, bool)
        and float(a) == b)


def cond_allows(cond: tuple[str, frozenset[Any]], value: Any) -> bool:
    allowed = cond[1]
    if isinstance(value, list):
        value = tuple(value)
    return value in allowed


def scaled(value: float, lo: float, hi: float) -> float:
    """`value` mapped from [lo, hi] to [0, 1] (0 for an empty range)."""
    return (float(value) - lo) / (hi - lo) if hi > lo else 0.0

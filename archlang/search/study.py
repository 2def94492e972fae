"""The record of a search: `Trial` (one proposal and its outcome) and `Study` (all of them).

A `Trial` is a plain dataclass of JSON-able fields, ready to be stored as it is
(`archlang.search.storage`); the `Study` ranks its trials by its objectives. Neither
proposes, binds nor evaluates anything: that is the scheduler's (`archlang.search.loop`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from archlang.ir.decisions import Assignment
from archlang.search.objectives import Objective, pareto_front

RUNNING = "running"
COMPLETE = "complete"
FAILED = "failed"
INFEASIBLE = "infeasible"
STATES = (RUNNING, COMPLETE, FAILED, INFEASIBLE)


@dataclass
class Trial:
    """One proposal and what came of it."""

    number: int
    assignment: Assignment
    hash: str | None = None
    state: str = FAILED
    metrics: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    #: the number of the trial whose result this one reused (an equal network)
    duplicate_of: int | None = None
    #: wall-clock time (``time.time()``) the trial started, for storage and listings
    started: float | None = None
    #: how many times the worker evaluating it died (a killed process, a lost Ray actor or
    #: node): 1 for a trial re-queued once, 2 for one failed on its second loss
    lost: int = 0

    @property
    def ok(self) -> bool:
        return self.state == COMPLETE

    @property
    def counted(self) -> bool:
        """Whether the trial spends budget: evaluated (or tried to be), not reused."""
        return self.duplicate_of is None and self.state in (COMPLETE, FAILED)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Study:
    """Every trial of one search, the best one by the first objective, the Pareto front."""

    objective: str = "val_accuracy"
    direction: str = "maximize"
    trials: list[Trial] = field(default_factory=list)
    #: why the loop ended: "budget", "exhausted: ...", "interrupted", "duplicates" or
    #: "infeasible"
    stopped: str | None = None
    #: every objective, the first one being `objective`/`direction`
    objectives: list[Objective] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.objectives:
            self.objectives = [Objective(self.objective, self.direction)]
        self.objective, self.direction = self.objectives[0].name, self.objectives[0].direction

    def scores(self, trial: Trial) -> tuple[float, ...] | None:
        """Every objective oriented so that larger is better; None unless complete."""
        if trial.state != COMPLETE:
            return None
        metrics = trial.metrics
        try:
            return tuple([o.oriented(metrics[o.name]) for o in self.objectives])
        except (KeyError, TypeError, ValueError):
            return None

    def score(self, trial: Trial) -> float | None:
        """The first objective oriented so that larger is better; None for a failed trial
        (or one that lacks an objective: `scores` is None)."""
        if len(self.objectives) != 1:
            scores = self.scores(trial)
            return None if scores is None else scores[0]
        if trial.state != COMPLETE:
            return None
        objective = self.objectives[0]
        try:
            return objective.oriented(trial.metrics[objective.name])
        except (KeyError, TypeError, ValueError):
            return None

    def evaluated(self) -> list[Trial]:
        """Completed trials that were evaluated (not reused) and carry every objective."""
        return [t for t in self.trials
                if t.ok and t.duplicate_of is None and self.scores(t) is not None]

    def ranked(self) -> list[Trial]:
        """`evaluated` trials, best first by the first objective; ties go to the next
        objectives, then to the earlier trial."""
        return sorted(self.evaluated(),
                      key=lambda t: (*(-x for x in self.scores(t)), t.number))  # type: ignore[union-attr]

    def pareto(self) -> list[Trial]:
        """The trials no other trial beats on every objective, best first by the first
        objective. With one objective: every trial tied for the best."""
        done = self.ranked()
        return [done[i] for i in pareto_front([self.scores(t) for t in done])]  # type: ignore[misc]

    @property
    def best(self) -> Trial | None:
        ranked = self.ranked()
        return ranked[0] if ranked else None

    @property
    def spent(self) -> int:
        """Trials counted against the budget (not reused results, not infeasible ones)."""
        return sum(1 for t in self.trials if t.counted)

    @property
    def failed(self) -> list[Trial]:
        return [t for t in self.trials if t.state == FAILED]

    @property
    def infeasible(self) -> list[Trial]:
        return [t for t in self.trials if t.state == INFEASIBLE]

"""The search loop and its record: propose, bind, evaluate, observe; `Trial` and `Study`.

`run_search` is the only place that turns assignments into networks. Its rules:

* A bind that raises `ArchError` is a failed trial carrying the rendered message.
* An evaluator that raises, returns no objective, or returns a NaN/infinite metric gives a
  failed trial; the search goes on.
* Equal networks are evaluated once. A proposal whose `Arch.hash` equals an evaluated
  trial's reuses that result (``duplicate_of`` names the trial) and does not count
  against the budget; the searcher observes it like any other result. Failures (bind or
  evaluation) do count. After ``max_duplicates`` reuses the loop stops, so a space with
  many assignments but few distinct networks cannot spin forever.
* The loop ends when the budget is spent, the searcher raises `SpaceExhausted`, or on
  Ctrl-C; `Study.stopped` says why.

`Trial` is a plain dataclass of JSON-able fields, ready to be stored as it is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchError
from archlang.ir.decisions import Assignment
from archlang.search.base import Searcher, SpaceExhausted

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.space import Space

COMPLETE = "complete"
FAILED = "failed"


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

    @property
    def ok(self) -> bool:
        return self.state == COMPLETE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Study:
    """Every trial of one search, and the best one by the objective."""

    objective: str = "val_accuracy"
    direction: str = "maximize"
    trials: list[Trial] = field(default_factory=list)
    #: why the loop ended: "budget", "exhausted: ...", "interrupted" or "duplicates"
    stopped: str | None = None

    def score(self, trial: Trial) -> float | None:
        """The objective oriented so that larger is better; None for a failed trial."""
        if not trial.ok:
            return None
        value = float(trial.metrics[self.objective])
        return value if self.direction == "maximize" else -value

    def ranked(self) -> list[Trial]:
        """Completed trials that were evaluated (not reused), best first, ties by number."""
        done = [t for t in self.trials if t.ok and t.duplicate_of is None]
        return sorted(done, key=lambda t: (-self.score(t), t.number))  # type: ignore[operator]

    @property
    def best(self) -> Trial | None:
        ranked = self.ranked()
        return ranked[0] if ranked else None

    @property
    def spent(self) -> int:
        """Trials counted against the budget (everything but reused results)."""
        return sum(1 for t in self.trials if t.duplicate_of is None)

    @property
    def failed(self) -> list[Trial]:
        return [t for t in self.trials if not t.ok]


Evaluate = Callable[["Arch"], dict[str, Any]]
OnTrial = Callable[[Trial, Study], None]


def run_search(space: Space, evaluate: Evaluate, searcher: Searcher, budget: int,
               on_trial: OnTrial | None = None, *, objective: str = "val_accuracy",
               direction: str = "maximize", max_duplicates: int | None = None) -> Study:
    """Search `space` with `searcher`, evaluating up to `budget` distinct networks."""
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction must be 'maximize' or 'minimize', not {direction!r}")
    study = Study(objective, direction)
    searcher.setup(space)
    evaluated: dict[str, Trial] = {}
    duplicates_left = max_duplicates if max_duplicates is not None else 10 * budget + 100
    try:
        while study.spent < budget:
            try:
                assignment = searcher.propose()
            except SpaceExhausted as exc:
                study.stopped = f"exhausted: {exc}"
                break
            trial = _run_trial(space, evaluate, study, assignment, evaluated)
            duplicates_left -= trial.duplicate_of is not None
            study.trials.append(trial)
            searcher.observe(assignment, _result(study, trial))
            if on_trial is not None:
                on_trial(trial, study)
            if duplicates_left < 0:
                study.stopped = "duplicates"
                break
        else:
            study.stopped = "budget"
    except KeyboardInterrupt:
        study.stopped = "interrupted"
    return study


def _run_trial(space: Space, evaluate: Evaluate, study: Study, assignment: Assignment,
               evaluated: dict[str, Trial]) -> Trial:
    trial = Trial(len(study.trials), dict(assignment))
    start = time.perf_counter()
    try:
        arch = space.bind(assignment)
        trial.hash = arch.hash
    except ArchError as err:
        trial.error = err.render()
        trial.seconds = time.perf_counter() - start
        return trial
    earlier = evaluated.get(arch.hash)
    if earlier is not None:
        trial.state, trial.error = earlier.state, earlier.error
        trial.metrics = dict(earlier.metrics)
        trial.duplicate_of = earlier.number
        return trial
    _evaluate_into(trial, arch, evaluate, study.objective)
    trial.seconds = time.perf_counter() - start
    evaluated[arch.hash] = trial
    return trial


def _evaluate_into(trial: Trial, arch: Arch, evaluate: Evaluate, objective: str) -> None:
    try:
        metrics = dict(evaluate(arch))
    except ArchError as err:
        trial.error = err.render()
        return
    except Exception as exc:  # noqa: BLE001 - any failure of one trial is recorded
        trial.error = f"{type(exc).__name__}: {exc}"
        return
    trial.metrics = metrics
    trial.error = _problem(metrics, objective)
    trial.state = COMPLETE if trial.error is None else FAILED


def _problem(metrics: dict[str, Any], objective: str) -> str | None:
    """Why these metrics cannot count as a result, or None."""
    if objective not in metrics:
        return f"the evaluator returned no `{objective}` (got {sorted(metrics)})"
    for name, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            return f"metric `{name}` is {value}"
    try:
        float(metrics[objective])
    except (TypeError, ValueError):
        return f"metric `{objective}` is not a number: {metrics[objective]!r}"
    return None


def _result(study: Study, trial: Trial) -> dict[str, Any]:
    return {"state": trial.state, "metrics": dict(trial.metrics), "score": study.score(trial)}

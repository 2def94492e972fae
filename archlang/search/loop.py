"""The search loop and its record: propose, bind, check, evaluate, observe; `Trial`, `Study`.

`run_search` is the only place that turns assignments into networks. Its rules:

* A bind that raises `ArchError` is a failed trial carrying the rendered message, except
  when a `require` of the `.arch` file rules the assignment out (E514): that trial is
  *infeasible*. A bound network that breaks a static `Constraints` bound
  (``--max-params``) is infeasible too. Infeasible trials are never trained and do not
  count against the budget; after ``max_infeasible`` of them the loop stops.
* An evaluator that raises, returns no objective, returns a NaN/infinite metric, or runs
  past ``trial_timeout`` (the evaluation then runs in a forked child, see
  `archlang.search.isolate`) gives a failed trial; the search goes on.
* Equal networks are evaluated once. A proposal whose `Arch.hash` equals an evaluated
  trial's reuses that result (``duplicate_of`` names the trial) and does not count
  against the budget; the searcher observes it like any other result. Failures (bind or
  evaluation) do count. After ``max_duplicates`` reuses the loop stops, so a space with
  many assignments but few distinct networks cannot spin forever.
* Resuming: ``history`` holds the trials of an earlier run (from `archlang.search.storage`).
  Finished ones are replayed into the searcher (`Searcher.replay`) and never rerun; ones
  left ``running`` by a killed process are run again under their own numbers. The budget
  counts the history's trials too, so the total reaches it.
* A ``recorder`` (a `StudyStore`) is told when a trial starts and when it ends, so each
  finished trial is on disk before the next one begins.
* The loop ends when the budget is spent, the searcher raises `SpaceExhausted`, on too
  many duplicates or infeasible proposals, or on Ctrl-C; `Study.stopped` says why.

`Trial` is a plain dataclass of JSON-able fields, ready to be stored as it is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from archlang.diagnostics import ArchError
from archlang.ir.decisions import Assignment
from archlang.search.base import Searcher, SpaceExhausted
from archlang.search.objectives import Constraints, Objective, pareto_front

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.space import Space

RUNNING = "running"
COMPLETE = "complete"
FAILED = "failed"
INFEASIBLE = "infeasible"
STATES = (RUNNING, COMPLETE, FAILED, INFEASIBLE)
#: the diagnostic code of a `require` that does not hold (archlang/ir/elaborate.py)
REQUIRE_CODE = "E514"


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
        if not trial.ok:
            return None
        try:
            return tuple(o.oriented(trial.metrics[o.name]) for o in self.objectives)
        except (KeyError, TypeError, ValueError):
            return None

    def score(self, trial: Trial) -> float | None:
        """The first objective oriented so that larger is better; None for a failed trial."""
        scores = self.scores(trial)
        return None if scores is None else scores[0]

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


Evaluate = Callable[["Arch"], dict[str, Any]]
OnTrial = Callable[[Trial, Study], None]


class Recorder(Protocol):
    """Where trials go as they happen (`archlang.search.storage.StudyStore`)."""

    def start(self, trial: Trial) -> None: ...

    def finish(self, trial: Trial) -> None: ...

    def next_number(self) -> int:
        """The first trial number not used yet (dropped trials keep theirs)."""
        ...


@dataclass
class _Run:
    """What one call of `run_search` needs at hand for every trial."""

    space: Space
    evaluate: Evaluate
    study: Study
    constraints: Constraints
    recorder: Recorder | None
    trial_timeout: float | None
    evaluated: dict[str, Trial] = field(default_factory=dict)
    #: the forked worker that runs evaluations when there is a time limit
    worker: Any = None


def run_search(space: Space, evaluate: Evaluate, searcher: Searcher, budget: int,
               on_trial: OnTrial | None = None, *, objective: str = "val_accuracy",
               direction: str = "maximize", objectives: Sequence[Objective] | None = None,
               constraints: Constraints | None = None, history: Sequence[Trial] = (),
               recorder: Recorder | None = None, trial_timeout: float | None = None,
               max_duplicates: int | None = None,
               max_infeasible: int | None = None) -> Study:
    """Search `space` with `searcher` until `budget` distinct networks are evaluated
    (counting those of `history`); see the module docstring for the rules."""
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction must be 'maximize' or 'minimize', not {direction!r}")
    study = Study(objectives=list(objectives or [Objective(objective, direction)]))
    run = _Run(space, evaluate, study, constraints or Constraints(), recorder, trial_timeout)
    if trial_timeout is not None:
        from archlang.search.isolate import ChildWorker

        run.worker = ChildWorker(space, evaluate)
    try:
        return _loop(run, searcher, budget, history, on_trial, max_duplicates, max_infeasible)
    finally:
        if run.worker is not None:
            run.worker.close()


def _loop(run: _Run, searcher: Searcher, budget: int, history: Sequence[Trial],
          on_trial: OnTrial | None, max_duplicates: int | None,
          max_infeasible: int | None) -> Study:
    study = run.study
    searcher.setup(run.space)
    rerun = _replay(run, searcher, history)
    number = max((t.number for t in history), default=-1) + 1
    if run.recorder is not None:
        number = max(number, run.recorder.next_number())
    duplicates_left = max_duplicates if max_duplicates is not None else 10 * budget + 100
    infeasible_left = max_infeasible if max_infeasible is not None else 10 * budget + 100
    spent = study.spent  # kept up to date here: `Study.spent` walks every trial
    try:
        while spent < budget:
            if rerun:
                trial = rerun.pop(0)
                searcher.replay(trial.assignment, None)
            else:
                try:
                    assignment = searcher.propose()
                except SpaceExhausted as exc:
                    study.stopped = f"exhausted: {exc}"
                    break
                trial, number = Trial(number, dict(assignment)), number + 1
            _run_trial(run, trial)
            spent += trial.counted
            duplicates_left -= trial.duplicate_of is not None
            infeasible_left -= trial.state == INFEASIBLE
            study.trials.append(trial)
            searcher.observe(trial.assignment, _result(study, trial))
            if on_trial is not None:
                on_trial(trial, study)
            if duplicates_left < 0 or infeasible_left < 0:
                study.stopped = "duplicates" if duplicates_left < 0 else "infeasible"
                break
        else:
            study.stopped = "budget"
    except KeyboardInterrupt:
        study.stopped = "interrupted"
    return study


def _replay(run: _Run, searcher: Searcher, history: Sequence[Trial]) -> list[Trial]:
    """Feed finished trials of an earlier run to the searcher; return the ones to rerun."""
    rerun = []
    for trial in sorted(history, key=lambda t: t.number):
        if trial.state == RUNNING:
            rerun.append(Trial(trial.number, dict(trial.assignment)))
            continue
        run.study.trials.append(trial)
        if trial.hash is not None and trial.counted:
            run.evaluated.setdefault(trial.hash, trial)
        searcher.replay(trial.assignment, _result(run.study, trial))
    return rerun


def _run_trial(run: _Run, trial: Trial) -> None:
    trial.started = time.time()
    start = time.perf_counter()
    try:
        arch = run.space.bind(trial.assignment)
        trial.hash = arch.hash
    except ArchError as err:
        trial.error = err.render()
        if err.diagnostic.code == REQUIRE_CODE:
            trial.state = INFEASIBLE
        return _finish(run, trial, start)
    earlier = run.evaluated.get(arch.hash)
    if earlier is not None:
        trial.state, trial.error = earlier.state, earlier.error
        trial.metrics = dict(earlier.metrics)
        trial.duplicate_of = earlier.number
        return _finish(run, trial, start)
    violation = run.constraints.violation(arch) if run.constraints else None
    if violation is not None:
        trial.state, trial.error = INFEASIBLE, violation
        trial.metrics = {"params": arch.params, "flops": arch.flops}
        return _finish(run, trial, start)
    if run.recorder is not None:
        trial.state = RUNNING
        run.recorder.start(trial)
    _evaluate_into(trial, arch, run)
    run.evaluated[arch.hash] = trial
    _finish(run, trial, start)


def _finish(run: _Run, trial: Trial, start: float) -> None:
    trial.seconds = time.perf_counter() - start
    if run.recorder is not None:
        run.recorder.finish(trial)


def _evaluate_into(trial: Trial, arch: Arch, run: _Run) -> None:
    from archlang.search.isolate import TrialError, TrialTimeout

    trial.state = FAILED
    try:
        if run.worker is None:
            metrics = dict(run.evaluate(arch))
        else:
            metrics = run.worker.run(trial.assignment, run.trial_timeout)
    except ArchError as err:
        trial.error = err.render()
        return
    except (TrialTimeout, TrialError) as exc:
        trial.error = str(exc)
        return
    except Exception as exc:  # noqa: BLE001 - any failure of one trial is recorded
        trial.error = f"{type(exc).__name__}: {exc}"
        return
    trial.metrics = metrics
    trial.error = _problem(metrics, run.study.objectives)
    trial.state = COMPLETE if trial.error is None else FAILED


def _problem(metrics: dict[str, Any], objectives: Sequence[Objective]) -> str | None:
    """Why these metrics cannot count as a result, or None."""
    for o in objectives:
        if o.name not in metrics:
            return f"the evaluator returned no `{o.name}` (got {sorted(metrics)})"
    for name, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            return f"metric `{name}` is {value}"
    for o in objectives:
        try:
            float(metrics[o.name])
        except (TypeError, ValueError):
            return f"metric `{o.name}` is not a number: {metrics[o.name]!r}"
    return None


def _result(study: Study, trial: Trial) -> dict[str, Any]:
    return {"state": trial.state, "metrics": dict(trial.metrics), "score": study.score(trial)}

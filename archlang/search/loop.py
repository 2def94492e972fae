"""The search loop: propose, bind, check, evaluate, observe, record (the scheduler).

`run_search` is the only place that turns assignments into networks. Its rules:

* A bind that raises `ArchError` is a failed trial carrying the rendered message, except
  when a `require` of the `.arch` file rules the assignment out (E514): that trial is
  *infeasible*. A bound network that breaks a static `Constraints` bound
  (``--max-params``) is infeasible too. Infeasible trials are never trained and do not
  count against the budget; after ``max_infeasible`` of them the loop stops.
* An evaluator that raises (or calls ``sys.exit``), returns no objective, a non-numeric
  objective or a NaN/infinite metric, or runs past ``trial_timeout`` gives a failed trial
  with the reason; the search goes on. What it returns is normalised once
  (`archlang.search.results`): numbers of any kind become floats (ints stay ints), other
  values text. With ``executor="pool"`` the evaluation runs in a forked worker
  (`archlang.search.isolate`), so even ``os._exit`` or a segfault fails only its trial.
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
  finished trial is on disk as soon as it ends. Only this loop (the driver) writes it.
* Several trials in flight (`archlang.search.executors`: ``executor="pool"`` or ``"ray"``
  with ``workers``): the loop proposes until ``executor.slots`` trials are in flight or
  the trials in flight would fill the budget, binds and checks each in the driver, and
  observes results in the order they come back. A proposal whose network equals one in
  flight is not submitted: it waits and reuses that result. A trial whose worker died is
  submitted once more (`Trial.lost` counts the deaths, and the recorder stores it at once),
  then failed with the reason. With one slot the loop is the serial
  loop: the same trials, numbers and observations for a given seed.
* Rounds (``rounds=R``, what `archlang search` uses): the loop proposes ``R`` trials, has
  the executor evaluate them (``executor.slots`` at a time), then tells the searcher their
  results in proposal order, whatever order they finished in. What the searcher sees then
  depends on the seed and ``R`` only, so any number of workers gives the same trials,
  metrics included. A trial that finishes at once (a failed bind, a duplicate of an
  evaluated network, an infeasible one) is observed at once, at the same point every time.
* The loop ends when the budget is spent, the searcher raises `SpaceExhausted`, on too
  many duplicates or infeasible proposals, or on Ctrl-C; `Study.stopped` says why.

The record it fills, `Trial` and `Study`, lives in `archlang.search.study`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from archlang.diagnostics import ArchError
from archlang.search.base import Searcher, SpaceExhausted
from archlang.search.executors import LOST, OK, make_executor
from archlang.search.objectives import Constraints, Objective
from archlang.search.results import ResultError, clean_metrics, problem
from archlang.search.study import COMPLETE, FAILED, INFEASIBLE, RUNNING, Study, Trial

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.space import Space
    from archlang.search.executors import Executor

#: the diagnostic code of a `require` that does not hold (archlang/ir/elaborate.py)
REQUIRE_CODE = "E514"


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
class _Pending:
    """A trial handed to the executor, or waiting for an equal network in flight."""

    trial: Trial
    start: float
    arch: Any = None


@dataclass
class _Run:
    """What one call of `run_search` needs at hand for every trial."""

    space: Space
    study: Study
    #: None when it sets no bound (nothing to check)
    constraints: Constraints | None
    recorder: Recorder | None
    executor: Executor
    evaluated: dict[str, Trial] = field(default_factory=dict)
    #: trials in the executor, by number
    in_flight: dict[int, _Pending] = field(default_factory=dict)
    #: network hash of a trial in flight -> trials proposed meanwhile with an equal network
    waiting: dict[str, list[_Pending]] = field(default_factory=dict)
    #: trials proposed this round, not yet handed to the executor (all slots busy)
    queued: list[_Pending] = field(default_factory=list)

    def submit_queued(self) -> None:
        """Hand queued trials to the executor while it has a free slot."""
        while self.queued and len(self.in_flight) < self.executor.slots:
            pending = self.queued.pop(0)
            self.in_flight[pending.trial.number] = pending
            self.executor.submit(pending.trial.number, pending.trial.assignment, pending.arch)


def run_search(space: Space, evaluate: Evaluate, searcher: Searcher, budget: int,
               on_trial: OnTrial | None = None, *, objective: str = "val_accuracy",
               direction: str = "maximize", objectives: Sequence[Objective] | None = None,
               constraints: Constraints | None = None, history: Sequence[Trial] = (),
               recorder: Recorder | None = None, trial_timeout: float | None = None,
               max_duplicates: int | None = None, max_infeasible: int | None = None,
               executor: str | Executor = "inprocess", workers: int = 1,
               address: str | None = None, gpus: float = 0,
               threads: int | None = 1, rounds: int | None = None) -> Study:
    """Search `space` with `searcher` until `budget` distinct networks are evaluated
    (counting those of `history`); see the module docstring for the rules.

    ``executor`` is "inprocess", "pool" or "ray" (with ``workers`` and, for Ray, the
    cluster ``address`` and the ``gpus`` each Ray worker asks for), or an
    `archlang.search.executors.Executor` the caller made (and closes). Each evaluation runs
    with torch on ``threads`` intra-op threads (None: torch's default, one per core); one,
    the default, gives the same metrics on every executor. ``rounds``: propose that many
    trials at a time and observe them in proposal order (the same trials for any
    ``workers``); None keeps every slot busy and observes results as they come back."""
    if rounds is not None and rounds < 1:
        raise ValueError(f"rounds must be at least 1, not {rounds}")
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction must be 'maximize' or 'minimize', not {direction!r}")
    study = Study(objectives=list(objectives or [Objective(objective, direction)]))
    owned = isinstance(executor, str)
    runner = (make_executor(executor, space, evaluate, workers=workers,  # type: ignore[arg-type]
                            trial_timeout=trial_timeout, address=address, gpus=gpus,
                            threads=threads)
              if owned else executor)
    run = _Run(space, study, constraints if constraints else None, recorder,
               runner)  # type: ignore[arg-type]
    try:
        return _loop(run, searcher, budget, history, on_trial, max_duplicates, max_infeasible,
                     rounds)
    finally:
        if owned:
            runner.close()  # type: ignore[union-attr]


def _loop(run: _Run, searcher: Searcher, budget: int, history: Sequence[Trial],
          on_trial: OnTrial | None, max_duplicates: int | None,
          max_infeasible: int | None, rounds: int | None = None) -> Study:
    """Keep up to ``executor.slots`` trials in flight (or propose ``rounds`` at a time);
    record each as it ends."""
    study = run.study
    searcher.setup(run.space)
    rerun = _replay(run, searcher, history)
    number = max((t.number for t in history), default=-1) + 1
    if run.recorder is not None:
        number = max(number, run.recorder.next_number())
    left = {"duplicates": max_duplicates if max_duplicates is not None else 10 * budget + 100,
            "infeasible": max_infeasible if max_infeasible is not None else 10 * budget + 100}
    spent = study.spent  # kept up to date here: `Study.spent` walks every trial

    def conclude(trial: Trial) -> None:
        nonlocal spent
        spent += trial.counted
        left["duplicates"] -= trial.duplicate_of is not None
        left["infeasible"] -= trial.state == INFEASIBLE
        study.trials.append(trial)
        searcher.observe(trial.assignment, _result(study, trial))
        if on_trial is not None:
            on_trial(trial, study)
        if study.stopped is None and (left["duplicates"] < 0 or left["infeasible"] < 0):
            study.stopped = min(left, key=left.__getitem__)

    ended: list[Trial] = []  # this round's evaluated trials, observed when it ends
    try:
        while True:
            proposed = 0
            while (study.stopped is None
                   and (proposed < rounds if rounds is not None
                        else len(run.in_flight) < run.executor.slots)
                   and spent + len(run.in_flight) + len(run.queued) < budget):
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
                if _start_trial(run, trial):
                    conclude(trial)
                else:
                    proposed += 1
                    if rounds is None:
                        run.submit_queued()
            run.submit_queued()
            if not run.in_flight:
                break
            while run.in_flight:
                done = _collect(run)
                run.submit_queued()
                if rounds is None:
                    for trial in done:
                        conclude(trial)
                    break
                ended.extend(done)
            for trial in sorted(ended, key=lambda t: t.number):
                conclude(trial)
            ended.clear()
        if study.stopped is None:
            study.stopped = "budget"
    except KeyboardInterrupt:
        for trial in sorted(ended, key=lambda t: t.number):
            study.trials.append(trial)
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


def _start_trial(run: _Run, trial: Trial) -> bool:
    """Bind and check `trial` in the driver and hand it to the executor; True when it is
    already finished (a failed bind, a duplicate, an infeasible network)."""
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
    earlier = run.evaluated.get(trial.hash)
    if earlier is not None:
        return _finish(run, _reuse(trial, earlier), start)
    violation = run.constraints.violation(arch) if run.constraints is not None else None
    if violation is not None:
        trial.state, trial.error = INFEASIBLE, violation
        trial.metrics = {"params": arch.params, "flops": arch.flops}
        return _finish(run, trial, start)
    pending = _Pending(trial, start, arch)
    if (run.in_flight or run.queued) and any(  # an equal network is being evaluated:
            p.trial.hash == arch.hash for p in (*run.in_flight.values(), *run.queued)):
        run.waiting.setdefault(arch.hash, []).append(pending)  # wait for its result
        return False
    if run.recorder is not None:
        trial.state = RUNNING
        run.recorder.start(trial)
    run.queued.append(pending)
    return False


def _collect(run: _Run) -> list[Trial]:
    """Wait for the executor; the trials that ended, each followed by those that waited
    for its network. A trial whose worker died is submitted again the first time."""
    done = []
    for outcome in run.executor.wait():
        pending = run.in_flight.pop(outcome.ticket)
        trial = pending.trial
        if outcome.kind == LOST:
            trial.lost += 1
        if outcome.kind == LOST and trial.lost == 1:
            if run.recorder is not None:  # on disk at once: still running, re-queued once
                run.recorder.start(trial)
            run.in_flight[trial.number] = pending
            run.executor.submit(trial.number, trial.assignment, pending.arch)
            continue
        trial.state, trial.metrics = FAILED, {}
        if outcome.kind == OK:
            trial.error = _take_metrics(trial, outcome.value, run.study.objectives,
                                        clean=getattr(run.executor, "clean", False))
            trial.state = COMPLETE if trial.error is None else FAILED
        elif outcome.kind == LOST:
            trial.error = f"{outcome.value}; it had died once already, so the trial failed"
        else:
            trial.error = outcome.value
        run.evaluated[trial.hash] = trial  # type: ignore[index]
        _finish(run, trial, pending.start)
        done.append(trial)
        for twin in run.waiting.pop(trial.hash, []):  # type: ignore[arg-type]
            _finish(run, _reuse(twin.trial, trial), twin.start)
            done.append(twin.trial)
    return done


def _reuse(trial: Trial, earlier: Trial) -> Trial:
    trial.state, trial.error = earlier.state, earlier.error
    trial.metrics = dict(earlier.metrics)
    trial.duplicate_of = earlier.number
    return trial


def _finish(run: _Run, trial: Trial, start: float) -> bool:
    trial.seconds = time.perf_counter() - start
    if run.recorder is not None:
        run.recorder.finish(trial)
    return True


def _take_metrics(trial: Trial, raw: Any, objectives: Sequence[Objective], *,
                  clean: bool = False) -> str | None:
    """Store an evaluator's (normalised) metrics on `trial`; why they fail it, or None. The
    built-in executors send clean metrics (``clean``, their `Executor.clean`); a custom
    one may not, so its metrics are cleaned here."""
    if clean:
        trial.metrics = raw
        return problem(raw, objectives)
    try:
        trial.metrics = clean_metrics(raw)
    except ResultError as exc:
        return str(exc)
    return problem(trial.metrics, objectives)


def _result(study: Study, trial: Trial) -> dict[str, Any]:
    return {"state": trial.state, "metrics": dict(trial.metrics), "score": study.score(trial)}

"""`archlang search`: search a space on a task, show the best trials, write the results.

The command only wires things together: the space from the `.arch` file, a searcher
(`archlang.search`), a task's evaluator (`archlang.tasks`), the objectives and constraints
(`archlang.search.objectives`), a storage file (`archlang.search.storage`, reconciled by
`archlang.search.resume`), `run_search`, then a rich progress bar while it runs, a table of
the top trials (the Pareto front with several objectives) and the files `--out` asks for.
Rich and the library's heavy parts load inside the command, so `archlang --help` stays fast.

Storage: ``--storage PATH`` if given, else ``OUT/study.db`` when ``--out`` is given, else
none (the trials live in memory only). The study is ``--study NAME``, by default
``<file stem>.<network>``. Rerunning the same command resumes the study.

Executors (`archlang.search.executors`): each trial trains with torch on ``--threads``
intra-op threads, on every executor: ``auto``, the default, is 1, or the cores each worker
has to itself where the space's networks are large (`executors.auto_threads`: the median of
8 seeded members at 100 M multiply-accumulates per example or more; with a worker per core
it is 1). ``--workers N`` trials at once, in
forked processes (``--executor pool``, the default for N > 1) or on Ray (``--executor ray
[--address ADDR]``); ``--workers auto``, the default, is one per core this process may use,
at most `ROUND`. The loop proposes `ROUND` trials at a time and tells the searcher their
results in proposal order (`run_search`'s ``rounds``), so the same seed gives the same
trials, metrics included, with any number of workers or in-process: several single-thread
workers keep small networks fast and, when other processes take cores, each trial only
waits its turn instead of stalling a team of threads. A task that runs the user's code
(``MODULE:FUNCTION``, `Task.isolate`) evaluates in a worker process even with one worker
(``pool``), so its crash, ``sys.exit``, ``os._exit`` or segfault fails only its trial;
``--executor inprocess`` runs it in this process instead. The built-in tasks run in this
process by default (their code is archlang's).

Devices (`archlang.tasks.device`): ``--device auto|cpu|cuda[:I]`` (auto: CUDA when present)
and ``--amp`` are checked before anything runs and passed to the evaluator (a user's
function gets ``device=`` when it takes it); pool worker i trains on GPU ``i % GPUs``, and
on Ray each worker asks for one GPU when the device is CUDA.

``--out DIR`` belongs to one study (`archlang.search.export.claim_results_folder`): a
second study given the same folder is refused (exit 2) rather than overwriting the
first one's results.

Exit codes: 0 with at least one completed trial; 1 for a problem in the `.arch` file
(diagnostics on stderr) or when every trial failed; 2 for a wrong command line (a bad
``--objective``, a study run on another task, ``--executor ray`` without Ray,
``--algorithm tpe|gp`` without Optuna, ``--device cuda`` without CUDA or a GPU index this
machine lacks, ``--amp`` on the CPU); 4 when
another search process holds the study (`archlang.search.storage.Storage.lock`); 130
when interrupted (the trials done so far
are still shown, stored and written).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archlang import humanize
from archlang.cli.ops_option import ops_option
from archlang.cli.task_option import TaskSpec
from archlang.diagnostics import ArchError
from archlang.report.results import write_results
from archlang.search import Searcher, SearcherUnavailable, get_searcher, run_search, searcher_names
from archlang.search.executors import ExecutorError
from archlang.search.export import error_line, short_assignment
from archlang.tasks import SPEC_HELP, check_fits, get_task

if TYPE_CHECKING:
    from rich.console import Console

    from archlang.search.objectives import Objective
    from archlang.search.study import Study, Trial

TOP = 5
#: trials proposed at a time, observed in proposal order; the most workers auto gives
ROUND = 8
#: the exit code when another search holds the study
LOCKED = 4
#: metrics the table shows when a task reports them, and their column titles
SHOWN = {"val_accuracy": "val acc", "test_accuracy": "test acc"}


def _count_option(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    from archlang.search.objectives import parse_count

    if value is None:
        return None
    try:
        return parse_count(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("search")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--network", default=None, help="The network to search (default: the only one).")
@click.option("--task", "task_name", required=True, type=TaskSpec(),
              help=f"What to train and score each architecture on: {SPEC_HELP}.")
@click.option("--algorithm", default="bo", show_default=True,
              type=click.Choice(searcher_names()),
              help="The search algorithm; see the README's \"Search algorithms\".")
@click.option("--budget", default=20, show_default=True, type=click.IntRange(min=1),
              help="Distinct networks to evaluate.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seeds the search and every trial's training.")
@click.option("--epochs", default=8, show_default=True, type=click.IntRange(min=1),
              help="Training epochs per trial.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Learning rate for tasks that train (default: the task's own).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Batch size for tasks that train (default: the task's own).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write best.arch, best.py, best.json, trials.csv, the report (curve.png, "
                   "report.html) and study.db here.")
@click.option("--objective", "objective_texts", multiple=True, metavar="NAME[:max|min]",
              help="A metric to optimize; repeat for several (a Pareto front). "
                   "Default: the task's objective.")
@click.option("--max-params", callback=_count_option, metavar="N",
              help="Skip networks with more parameters, untrained (e.g. 2M, 300k).")
@click.option("--max-flops", callback=_count_option, metavar="N",
              help="Skip networks with more FLOPs (multiply-accumulates), untrained.")
@click.option("--storage", "storage_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="SQLite file of the trials [default: OUT/study.db with "
                                 "--out, else memory only]. Rerun to resume.")
@click.option("--study", "study_name", default=None, metavar="NAME",
              help="Study name in the storage [default: FILE-STEM.NETWORK].")
@click.option("--trial-timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Fail a trial that runs longer (each trial then "
                                      "runs in a forked child process).")
@click.option("--weight-sharing", type=click.Choice(["supernet", "hypernet"]), default=None,
              help="One-shot search: train one shared model, score networks with its "
                   "weights, then retrain the best on their own.")
@click.option("--retrain-top", default=3, show_default=True, type=click.IntRange(min=1),
              metavar="K", help="With --weight-sharing: networks retrained on their own.")
@click.option("--shared-steps", default=400, show_default=True, type=click.IntRange(min=1),
              metavar="N", help="With --weight-sharing: training steps of the shared model.")
@click.option("--workers", default="auto", show_default=True, metavar="N|auto",
              help="Trials to evaluate at once (more than 1 implies --executor pool); auto "
                   f"is one per core, at most {ROUND}. The trials do not depend on it.")
@click.option("--threads", "threads_text", default="auto", show_default=True, metavar="N|auto",
              help="torch intra-op threads per trial; auto is 1, or the cores each worker "
                   "has to itself where the space's networks are large (100 M "
                   "multiply-accumulates per example or more).")
@click.option("--executor", type=click.Choice(["inprocess", "pool", "ray"]), default=None,
              help="Where trials run: this process, a pool of forked processes, or Ray "
                   "[default: pool with --workers > 1 or a MODULE:FUNCTION task (its "
                   "crash fails only its trial), else inprocess].")
@click.option("--address", default=None, metavar="ADDR",
              help="The Ray cluster to join (e.g. ray://host:10001) [default: a local one].")
@click.option("--device", "device_spec", default="auto", show_default=True,
              metavar="auto|cpu|cuda[:I]",
              help="Where the built-in tasks train (trials, the shared model, retraining); "
                   "auto is CUDA when present. With --workers, each worker takes its own "
                   "GPU; a MODULE:FUNCTION task gets it as `device=`.")
@click.option("--amp", is_flag=True,
              help="Mixed precision (bf16, or fp16 with loss scaling) on CUDA.")
@click.option("--quiet", is_flag=True, help="No progress output; only the summary.")
@ops_option
def search(file: Path, network: str | None, task_name: str, algorithm: str, budget: int,
           seed: int, epochs: int, lr: float | None, batch_size: int | None,
           out: Path | None, objective_texts: tuple[str, ...],
           max_params: int | None, max_flops: int | None, storage_path: Path | None,
           study_name: str | None, trial_timeout: float | None, weight_sharing: str | None,
           retrain_top: int, shared_steps: int, workers: str, threads_text: str,
           executor: str | None, address: str | None, device_spec: str, amp: bool,
           quiet: bool) -> None:
    """Search the architectures of FILE on a task and report the best ones."""
    from rich.console import Console
    from rich.markup import escape

    from archlang.search.objectives import Constraints

    err = Console(stderr=True)
    task = get_task(task_name)
    count = _workers(workers, executor)
    threads = _threads(threads_text, count, executor, file, network)
    executor = _executor(executor, count, address, task.isolate)
    device = _device(device_spec, amp, remote=executor == "ray" and address is not None)
    placing = {"device": device, **({"amp": True} if amp else {})}
    searcher = _searcher(algorithm, seed)
    objectives = _objectives(objective_texts, task)
    given = {k: v for k, v in (("lr", lr), ("batch_size", batch_size)) if v is not None}
    settings = {"file": str(file), "task": task_name, "algorithm": algorithm,
                "budget": budget, "seed": seed, "epochs": epochs, **given,
                "threads": threads,
                "objectives": [str(o) for o in objectives],
                **Constraints(max_params, max_flops).to_json()}
    if weight_sharing is not None:
        sys.exit(_one_shot(file, network, task, searcher, budget, seed, epochs, out, settings,
                           weight_sharing, retrain_top, shared_steps, quiet, err, placing))
    try:
        space = _load_space(file, network)
        check_fits(task, space)
        if not quiet:
            _say_coverage(err, searcher, space, budget)
        resumed = _open_study(storage_path, out, study_name, file, space, settings, err)
        evaluate = functools.partial(task.evaluate, epochs=epochs, seed=seed, **given,
                                     **placing)
        history = resumed.history if resumed else []
        with _Reporter(err, _planned(space, budget), quiet, history) as reporter:
            study = run_search(space, evaluate, searcher, budget,
                               reporter.on_trial, objectives=objectives,
                               constraints=Constraints(max_params, max_flops),
                               history=history, recorder=resumed.store if resumed else None,
                               trial_timeout=trial_timeout, executor=executor,
                               workers=count, address=address, threads=threads,
                               rounds=ROUND,
                               gpus=1 if device.startswith("cuda") else 0)
    except ArchError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(1)
    except ExecutorError as exc:
        raise click.UsageError(str(exc)) from None
    _summarize(Console(), space, study, reporter.seconds)
    if out is not None:
        for warning in write_results(study, space, out, settings):
            err.print("[yellow]warning:[/]", escape(warning))
        err.print(f"results written to {escape(str(out))}/", highlight=False)
    if resumed is not None:
        err.print(f"trials stored in {escape(str(resumed.store.storage.path))} "
                  f"(study `{escape(resumed.store.name)}`)", highlight=False)
    sys.exit(_exit_code(study, err))


def _one_shot(file: Path, network: str | None, task: Any, searcher: Searcher, budget: int,
              seed: int, epochs: int, out: Path | None, settings: dict[str, Any], kind: str,
              retrain_top: int, steps: int, quiet: bool, err: Console,
              placing: dict[str, Any]) -> int:
    """`--weight-sharing`: see `archlang.cli.search_oneshot`."""
    from archlang.cli.search_oneshot import run_one_shot

    try:
        space = _load_space(file, network)
        check_fits(task, space)
        return run_one_shot(space, task, searcher, budget, kind=kind,
                            retrain_top=retrain_top, steps=steps, seed=seed, epochs=epochs,
                            out=out, settings=settings, quiet=quiet, err=err, **placing)
    except ArchError as exc:
        click.echo(exc.render(), err=True)
        return 1
    except ValueError as exc:  # a checkpoint made with other settings
        click.echo(f"error: {exc}", err=True)
        return 1


def _searcher(algorithm: str, seed: int) -> Searcher:
    """The searcher `--algorithm` names; a usage error when it needs a missing package."""
    searcher = get_searcher(algorithm, seed=seed)
    try:
        searcher.check_available()
    except SearcherUnavailable as exc:
        raise click.UsageError(str(exc)) from None
    return searcher


def _say_coverage(err: Console, searcher: Searcher, space: Any, budget: int) -> None:
    """One line before a grid search whose budget does not cover the space."""
    from archlang.search.grid import GridSearch, coverage_note

    note = coverage_note(space.size, budget) if isinstance(searcher, GridSearch) else None
    if note is not None:
        err.print(note, markup=False, highlight=False)


def _objectives(texts: tuple[str, ...], task: Any) -> list[Objective]:
    from archlang.search.objectives import Objective

    if not texts:
        return [Objective(task.objective, task.direction)]
    try:
        objectives = [Objective.parse(t) for t in texts]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--objective") from None
    names = [o.name for o in objectives]
    if len(set(names)) != len(names):
        raise click.BadParameter(f"an objective is named twice: {', '.join(texts)}",
                                 param_hint="--objective")
    return objectives


def _open_study(storage_path: Path | None, out: Path | None, study_name: str | None,
                file: Path, space: Any, settings: dict[str, Any], err: Console) -> Any:
    """The study to record into (and resume), or None when nothing is stored."""
    from rich.markup import escape

    from archlang.search.resume import prepare_study
    from archlang.search.storage import Storage, StorageError, StudyLocked

    path = storage_path or (out / "study.db" if out is not None else None)
    if path is None:
        return None
    name = study_name or f"{file.stem}.{space.name}"
    try:
        storage = Storage(path)
    except StorageError as exc:
        raise click.BadParameter(str(exc), param_hint="--storage") from None
    try:
        lock = storage.lock(name)  # a process that dies drops it too (flock)
    except StudyLocked as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(LOCKED)
    if lock is not None:
        click.get_current_context().call_on_close(lock.release)
    if out is not None:
        _claim_out(out, storage.path, name)
    if storage.has_study(name):
        _check_same_task(storage.open_study(name).field("settings"), settings, name)
    resumed = prepare_study(storage, name, space, settings=settings,
                            objectives=settings["objectives"])
    err.print(resumed.summary(), markup=False, highlight=False)
    return resumed


def _workers(text: str, executor: str | None) -> int:
    """``--workers``: a count, or auto (one per usable core, at most `ROUND`; one for
    ``--executor inprocess``)."""
    if text == "auto":
        return 1 if executor == "inprocess" else max(1, min(ROUND, _cores()))
    return _count(text, "--workers")


def _cores() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _count(text: str, option: str) -> int:
    """A whole number of at least 1 given to `option`; else a usage error naming it."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise click.BadParameter(f"expected a whole number of at least 1 or 'auto', "
                                 f"not {text!r}", param_hint=option)
    return count


def _threads(text: str, workers: int, executor: str | None, file: Path,
             network: str | None) -> int:
    """``--threads``: a count, or auto (`executors.auto_threads` of the median size of 8
    seeded members; one on Ray, whose machines this process does not see)."""
    from archlang.search.executors import auto_threads

    if text != "auto":
        return _count(text, "--threads")
    cores = _cores()
    if executor == "ray" or cores // workers <= 1:
        return 1  # the common case decides without loading the space
    try:
        space = _load_space(file, network)
    except ArchError:
        return 1  # the search reports it, located
    macs = []
    for seed in range(8):
        try:
            macs.append(space.sample(seed).flops)
        except ArchError:
            continue  # a member that does not bind is the search's to report
    return auto_threads(macs, workers, cores)


def _executor(name: str | None, workers: int, address: str | None, isolate: bool) -> str:
    """The executor to use: `name`, else a pool when there are several workers or the
    task runs user code (`isolate`)."""
    if name is None:
        name = ("ray" if address is not None else
                "pool" if workers > 1 or isolate else "inprocess")
    if address is not None and name != "ray":
        raise click.BadParameter("--address is the Ray cluster's: use it with "
                                 "--executor ray", param_hint="--address")
    if name == "ray":
        from archlang.search.executors import import_ray

        try:
            import_ray()
        except ExecutorError as exc:
            raise click.UsageError(str(exc)) from None
    return name


def _device(spec: str, amp: bool, remote: bool) -> str:
    """`--device`/`--amp` checked on this machine (`archlang.tasks.device.resolve`); a usage
    error (exit 2) when it cannot serve them. On a remote Ray cluster (`remote`) an explicit
    ``cuda[:I]`` is the cluster's to serve, so only its spelling is checked here."""
    from archlang.tasks.device import DeviceError, parse, resolve

    try:
        if remote and parse(spec)[0] == "cuda":
            return spec.strip().lower()
        return resolve(spec, amp)
    except DeviceError as exc:
        raise click.BadParameter(str(exc), param_hint="--amp" if "--amp" in exc.message
                                 else "--device") from None


def _claim_out(out: Path, storage: str, name: str) -> None:
    """`--out` holds one study's results: refuse a folder another study wrote, or one
    that cannot be written."""
    import os

    from archlang.search.export import FolderTaken, claim_results_folder

    try:
        claim_results_folder(out, storage, name)
        if not os.access(out, os.W_OK | os.X_OK):
            raise PermissionError(f"{out} is read-only")
    except FolderTaken as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from None
    except OSError as exc:
        raise click.BadParameter(f"cannot write the results to {out}: "
                                 f"{exc.strerror or exc}", param_hint="--out") from None


#: settings that change what a trial's metrics mean: a study cannot mix them
_RESULT_SETTINGS = ("task", "epochs", "lr", "batch_size")


def _check_same_task(stored: dict[str, Any], settings: dict[str, Any], name: str) -> None:
    for key in _RESULT_SETTINGS:
        old, new = stored.get(key), settings.get(key)
        if (key in stored or key in settings) and old != new:
            option = "--" + key.replace("_", "-")
            raise click.UsageError(
                f"study `{name}` was run with {option} {_shown(old)}, not {_shown(new)}: "
                f"its results would not compare; use another --study NAME or the same "
                f"{option}")


def _shown(value: Any) -> str:
    return "the default" if value is None else str(value)


def _load_space(file: Path, network: str | None) -> Any:
    import archlang

    return archlang.load(file).network(network)


def _planned(space: Any, budget: int) -> int:
    """How many trials the bar expects: the budget, or the whole space when smaller."""
    return int(min(budget, space.size))


class _Reporter:
    """A progress bar on a terminal, one line per trial otherwise, nothing when quiet.

    Trials of a resumed study (``history``) count from the start."""

    def __init__(self, console: Console, budget: int, quiet: bool,
                 history: list[Trial]) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console, self.quiet, self.budget = console, quiet, budget
        self.bar = not quiet and console.is_terminal
        self.progress = Progress(
            TextColumn("[bold]search"), BarColumn(), MofNCompleteColumn(),
            TextColumn("best {task.fields[best]}"), TimeElapsedColumn(),
            TextColumn("eta"), TimeRemainingColumn(), console=console, disable=not self.bar)
        self.done = sum(1 for t in history if t.counted)  # `Study.spent` walks every trial
        self.task_id = self.progress.add_task("search", total=budget, best="-",
                                              completed=self.done)
        self.start = time.perf_counter()
        self.seconds = 0.0
        #: the best trial so far and its score, kept as trials come (no re-ranking)
        self.best: tuple[float, Trial] | None = None

    def __enter__(self) -> _Reporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
        self.seconds = time.perf_counter() - self.start

    def on_trial(self, trial: Trial, study: Study) -> None:
        if self.best is None:  # the first call: the best of a resumed study's trials
            best = study.best
            self.best = (study.score(best), best) if best is not None else None  # type: ignore[assignment]
        score = study.score(trial) if trial.duplicate_of is None else None
        if score is not None and (self.best is None or score > self.best[0]):
            self.best = (score, trial)
        best = self.best[1].metrics[study.objective] if self.best is not None else None
        shown = f"{study.objective} {humanize.metric_text(best)}" if self.best is not None else "-"
        self.done += trial.counted
        self.progress.update(self.task_id, completed=self.done, best=shown)
        if not self.bar and not self.quiet:
            self.console.print(_trial_line(trial, study, self.done, self.budget), markup=False,
                               highlight=False, soft_wrap=True)


def _trial_line(trial: Trial, study: Study, done: int, budget: int) -> str:
    head = f"trial {trial.number:>3} [{done}/{budget}]"
    if trial.duplicate_of is not None:
        return f"{head} same network as trial {trial.duplicate_of} (not counted)"
    first = error_line(trial.error)
    if trial.state == "infeasible":
        return f"{head} infeasible (not trained, not counted): {first}"
    if not trial.ok:
        return f"{head} failed: {first}"
    names = list(dict.fromkeys([*(o.name for o in study.objectives), "params"]))
    shown = "  ".join(f"{m} {humanize.metric_text(trial.metrics.get(m))}" for m in names)
    return f"{head} {shown}  {trial.seconds:.1f}s"


def _summarize(console: Console, space: Any, study: Study, seconds: float) -> None:
    """The top trials by the first objective; with several objectives, the Pareto front."""
    from rich.table import Table
    from rich.text import Text

    ranked = study.ranked()
    names = [o.name for o in study.objectives]
    metrics = list(dict.fromkeys([*names, *SHOWN, "params"]))
    metrics = [m for m in metrics if m in names or any(m in t.metrics for t in ranked)]
    counts = (f"{len(study.failed)} failed, {len(study.infeasible)} infeasible, "
              f"{seconds:.0f}s")
    if len(study.objectives) > 1:
        rows = study.pareto()
        title = (f"Pareto front: {len(rows)} of {len(ranked)} evaluated ({counts}); "
                 + ", ".join(str(o) for o in study.objectives))
    else:
        rows = ranked[:TOP]
        title = f"top {TOP} of {len(ranked)} evaluated ({counts})"
    table = Table(title=title)
    table.add_column("#", justify="right")
    for m in metrics:
        table.add_column(SHOWN.get(m, m), justify="right")
    table.add_column("decisions", overflow="fold")
    for t in rows:
        table.add_row(str(t.number), *(humanize.metric_text(t.metrics.get(m)) for m in metrics),
                      Text(short_assignment(space, t.assignment)))
    console.print(table)
    if study.stopped and study.stopped != "budget":
        console.print(f"stopped early: {study.stopped}", markup=False, highlight=False)


def _exit_code(study: Study, err: Console) -> int:
    if study.stopped == "interrupted":
        return 130
    if study.best is None:
        errors = list(dict.fromkeys(t.error for t in study.trials if t.error))
        err.print(f"[red]error:[/] no trial completed ({len(study.failed)} failed, "
                  f"{len(study.infeasible)} infeasible)")
        for message in errors[:3]:
            click.echo(message, err=True)
        return 1
    return 0

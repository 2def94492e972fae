"""`archlang search`: search a space on a task, show the best trials, write the results.

The command only wires things together: the space from the `.arch` file, a searcher
(`archlang.search`), a task's evaluator (`archlang.tasks`), `run_search`, then a rich
progress bar while it runs, a table of the top trials and the files `--out` asks for.
Rich and the library's heavy parts load inside the command, so `archlang --help` stays fast.

Exit codes: 0 with at least one completed trial; 1 for a problem in the `.arch` file
(diagnostics on stderr) or when every trial failed; 130 when interrupted (the trials done
so far are still shown and written).
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archlang.cli.task_option import TaskSpec
from archlang.diagnostics import ArchError
from archlang.search import get_searcher, run_search, searcher_names
from archlang.search.export import short_assignment, write_results
from archlang.tasks import SPEC_HELP, get_task

if TYPE_CHECKING:
    from rich.console import Console

    from archlang.search.loop import Study, Trial

TOP = 5
#: metrics the table shows when a task reports them, and their column titles
SHOWN = {"val_accuracy": "val acc", "test_accuracy": "test acc"}


@click.command("search")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--network", default=None, help="The network to search (default: the only one).")
@click.option("--task", "task_name", required=True, type=TaskSpec(),
              help=f"What to train and score each architecture on: {SPEC_HELP}.")
@click.option("--algorithm", default="random", show_default=True,
              type=click.Choice(searcher_names()))
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
              help="Write best.arch, best.py, best.json and trials.csv here.")
@click.option("--quiet", is_flag=True, help="No progress output; only the summary.")
def search(file: Path, network: str | None, task_name: str, algorithm: str, budget: int,
           seed: int, epochs: int, lr: float | None, batch_size: int | None,
           out: Path | None, quiet: bool) -> None:
    """Search the architectures of FILE on a task and report the best ones."""
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True)
    task = get_task(task_name)
    try:
        space = _load_space(file, network)
        given = {k: v for k, v in (("lr", lr), ("batch_size", batch_size)) if v is not None}
        evaluate = functools.partial(task.evaluate, epochs=epochs, seed=seed, **given)
        with _Reporter(err, _planned(space, budget), quiet) as reporter:
            study = run_search(space, evaluate, get_searcher(algorithm, seed=seed), budget,
                               reporter.on_trial, objective=task.objective,
                               direction=task.direction)
    except ArchError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(1)
    _summarize(Console(), space, study, reporter.seconds)
    if out is not None:
        settings = {"file": str(file), "task": task_name, "algorithm": algorithm,
                    "budget": budget, "seed": seed, "epochs": epochs}
        for warning in write_results(study, space, out, settings):
            err.print("[yellow]warning:[/]", escape(warning))
        err.print(f"results written to {escape(str(out))}/", highlight=False)
    sys.exit(_exit_code(study, err))


def _load_space(file: Path, network: str | None) -> Any:
    import archlang

    return archlang.load(file).network(network)


def _planned(space: Any, budget: int) -> int:
    """How many trials the bar expects: the budget, or the whole space when smaller."""
    return int(min(budget, space.size))


class _Reporter:
    """A progress bar on a terminal, one line per trial otherwise, nothing when quiet."""

    def __init__(self, console: Console, budget: int, quiet: bool) -> None:
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
            TextColumn("best val {task.fields[best]}"), TimeElapsedColumn(),
            TextColumn("eta"), TimeRemainingColumn(), console=console, disable=not self.bar)
        self.task_id = self.progress.add_task("search", total=budget, best="-")
        self.start = time.perf_counter()
        self.seconds = 0.0

    def __enter__(self) -> _Reporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
        self.seconds = time.perf_counter() - self.start

    def on_trial(self, trial: Trial, study: Study) -> None:
        best = study.best
        shown = f"{best.metrics[study.objective]:.4f}" if best is not None else "-"
        self.progress.update(self.task_id, completed=study.spent, best=shown)
        if not self.bar and not self.quiet:
            self.console.print(_trial_line(trial, study, self.budget), markup=False,
                               highlight=False)


def _trial_line(trial: Trial, study: Study, budget: int) -> str:
    head = f"trial {trial.number:>3} [{study.spent}/{budget}]"
    if trial.duplicate_of is not None:
        return f"{head} same network as trial {trial.duplicate_of} (not counted)"
    if not trial.ok:
        first = (trial.error or "").splitlines()[0] if trial.error else "?"
        return f"{head} failed: {first}"
    value = trial.metrics[study.objective]
    return (f"{head} {study.objective} {value:.4f}  params {_count(trial.metrics.get('params'))}"
            f"  {trial.seconds:.1f}s")


def _summarize(console: Console, space: Any, study: Study, seconds: float) -> None:
    from rich.table import Table
    from rich.text import Text

    ranked = study.ranked()
    metrics = list(dict.fromkeys([study.objective, *SHOWN]))
    metrics = [m for m in metrics if any(m in t.metrics for t in ranked)] or [study.objective]
    table = Table(title=f"top {TOP} of {len(ranked)} evaluated "
                        f"({len(study.failed)} failed, {seconds:.0f}s)")
    table.add_column("#", justify="right")
    for m in metrics:
        table.add_column(SHOWN.get(m, m), justify="right")
    table.add_column("params", justify="right")
    table.add_column("decisions", overflow="fold")
    for t in ranked[:TOP]:
        table.add_row(str(t.number), *(_fmt(t.metrics.get(m)) for m in metrics),
                      _count(t.metrics.get("params")),
                      Text(short_assignment(space, t.assignment)))
    console.print(table)
    if study.stopped and study.stopped != "budget":
        console.print(f"stopped early: {study.stopped}", markup=False, highlight=False)


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.4f}"


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "-"


def _exit_code(study: Study, err: Console) -> int:
    if study.stopped == "interrupted":
        return 130
    if study.best is None:
        errors = list(dict.fromkeys(t.error for t in study.failed if t.error))
        err.print(f"[red]error:[/] no trial completed ({len(study.trials)} failed)")
        for message in errors[:3]:
            click.echo(message, err=True)
        return 1
    return 0

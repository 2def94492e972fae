"""`archlang trials`: list the studies of a storage file, or the trials of one study.

With one study in the file (or ``--study NAME``) it prints one row per trial: number,
state, the objectives and a few metrics, the decisions in short form, and the first line
of the error of a failed or infeasible trial. Stale trials (an edit changed the network
they measured, `archlang.search.resume`) follow, marked ``stale``: kept for the record,
never credited. With several studies and no ``--study`` it
lists the studies. ``--json`` prints the same as JSON on stdout (no table, no colour).

Layer and input choices read by label (``repeat[0].choice=residual(width)``) when the
study's `.arch` file is still where it was and unchanged; otherwise by index.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archlang import humanize
from archlang.cli.ops_option import ops_option

if TYPE_CHECKING:
    from archlang.search.storage import Storage, StudyStore
    from archlang.search.study import Trial

#: metrics shown after the objectives when trials report them
SHOWN = ("val_accuracy", "test_accuracy", "params")
#: short column titles
TITLES = {"val_accuracy": "val acc", "test_accuracy": "test acc"}


@click.command("trials")
@ops_option
@click.option("--storage", "storage_path", required=True, metavar="PATH",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The SQLite file `archlang search --storage` (or --out) wrote.")
@click.option("--study", "study_name", default=None, metavar="NAME",
              help="The study to list (needed when the file holds several).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def trials(storage_path: Path, study_name: str | None, as_json: bool) -> None:
    """List the stored trials of a search (state, decisions, metrics)."""
    from archlang.search.storage import Storage, StorageError

    try:
        storage = Storage(storage_path, readonly=True)
        studies = storage.studies()
        if study_name is None and len(studies) != 1:
            _print_studies(storage, as_json)
            return
        store = storage.open_study(study_name or studies[0].name, create=False)
    except StorageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    _print_trials(store, as_json)


def _print_studies(storage: Storage, as_json: bool) -> None:
    infos = storage.studies()
    if as_json:
        click.echo(json.dumps({"storage": storage.path,
                               "studies": [i.to_json() for i in infos]}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(infos)} studies in {storage.path}")
    for column in ("study", "network", "complete", "failed", "infeasible", "running",
                   "objectives"):
        table.add_column(column, justify="right" if column in _STATES else "left")
    for i in infos:
        table.add_row(i.name, i.network or "-", *(str(i.counts.get(s, 0)) for s in _STATES),
                      ", ".join(i.objectives))
    Console().print(table)
    if infos:
        click.echo("pick one with --study NAME", err=True)


_STATES = ("complete", "failed", "infeasible", "running")


def _print_trials(store: StudyStore, as_json: bool) -> None:
    trials = store.trials()
    stale = store.trials(stale=True)
    objectives = [o.partition(":")[0] for o in store.field("objectives")]
    dropped = len(store.trials(dropped=True))
    if as_json:
        click.echo(json.dumps({"study": store.name, "network": store.field("network"),
                               "objectives": store.field("objectives"),
                               "settings": store.field("settings"), "dropped": dropped,
                               "trials": [t.to_dict() for t in trials],
                               "stale": [t.to_dict() for t in stale]}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    short = _shortener(store)
    metrics = list(dict.fromkeys([*objectives, *SHOWN]))
    metrics = [m for m in metrics if any(m in t.metrics for t in trials)]
    counts = ", ".join(f"{n} {s}" for s in _STATES
                       if (n := sum(t.state == s for t in trials)))
    table = Table(title=f"study `{store.name}`: {len(trials)} trials ({counts or 'none'})"
                  + (f"; {dropped} dropped after an edit" if dropped else "")
                  + (f"; {len(stale)} stale (network changed)" if stale else ""))
    table.add_column("#", justify="right")
    table.add_column("state")
    for m in metrics:
        table.add_column(TITLES.get(m, m), justify="right")
    table.add_column("decisions", overflow="fold")
    table.add_column("note", overflow="fold", ratio=1)
    for t in trials:
        table.add_row(str(t.number), t.state, *(_cell(t, m) for m in metrics),
                      Text(short(t.assignment)), Text(_note(t)))
    for t in stale:
        table.add_row(str(t.number), "stale", *(_cell(t, m) for m in metrics),
                      Text(short(t.assignment)),
                      Text(f"was {t.state}; an edit changed its network: not credited"))
    Console().print(table)


def _note(t: Trial) -> str:
    from archlang.search.export import error_line

    if t.duplicate_of is not None:
        return f"same network as #{t.duplicate_of}"
    if t.error and t.state != "complete":
        return error_line(t.error)
    return "its worker died: re-queued once" if t.lost else ""


def _shortener(store: StudyStore) -> Any:
    """``short(assignment)``: with labels when the study's space can be loaded unchanged."""
    from archlang.search.export import short_assignment
    from archlang.search.resume import stored_space

    space = stored_space(store)
    if space is not None:
        return lambda a: short_assignment(space, a)
    prefix = f"{store.field('network')}."
    return lambda a: " ".join(f"{k.removeprefix(prefix)}={json.dumps(v)}"
                              for k, v in a.items())


def _cell(trial: Trial, metric: str) -> str:
    return humanize.metric_text(trial.metrics.get(metric))

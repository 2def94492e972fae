"""`archlang search --weight-sharing supernet|hypernet`: the one-shot path of the command.

Three phases, each with its own progress line: train the shared model (checkpointed under
``OUT/<kind>/`` so a killed run resumes training), search the space with the chosen
algorithm scoring every network with the shared weights (cheap), then train the best
``--retrain-top`` networks on their own with the task's evaluator. The table shows both
scores side by side; ``--out`` gets the usual files for the best *retrained* network plus
``retrained.json``. The one-shot trials are not written to ``--storage``: their scores are
only meaningful for that shared model, which the checkpoint keeps.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from archlang.oneshot.search import WeightSharingResult


def run_one_shot(space: Any, task: Any, searcher: Any, budget: int, *, kind: str,
                 retrain_top: int, steps: int, seed: int, epochs: int, out: Path | None,
                 settings: dict[str, Any], quiet: bool, err: Console,
                 device: str | None = None, amp: bool = False) -> int:
    """Run the three phases, print the tables, write `out`; returns the exit code.
    `device` and `amp` (checked by the command) hold for training and retraining."""
    from rich.console import Console

    from archlang.oneshot import run_weight_sharing_search

    phases = _PhaseLine(err, quiet)
    result = run_weight_sharing_search(
        space, task, searcher, budget, kind=kind, retrain_top=retrain_top, steps=steps,
        seed=seed, storage_dir=out, retrain_options={"epochs": epochs, "seed": seed},
        on_phase=phases, device=device, amp=amp)
    phases.close()
    _summarize(Console(), space, result)
    if out is not None:
        _write(result, space, out, {**settings, "weight_sharing": kind, "steps": steps,
                                    "retrain_top": retrain_top})
        err.print(f"results written to {out}/", highlight=False, markup=False)
    return 0 if result.best is not None else 1


class _PhaseLine:
    """One line per phase start and a line every tenth of it (no bar: phases are short)."""

    NAMES = {"train": "training the shared model", "search": "searching with shared weights",
             "retrain": "retraining the best on their own"}

    def __init__(self, console: Console, quiet: bool) -> None:
        self.console, self.quiet = console, quiet
        self.phase: str | None = None
        self.started = time.perf_counter()
        self.shown = -1

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if phase != self.phase:
            self.close()
            self.phase, self.started, self.shown = phase, time.perf_counter(), -1
            self.console.print(f"{self.NAMES.get(phase, phase)} ({total} "
                               f"{'steps' if phase == 'train' else 'networks'})",
                               highlight=False, markup=False)
        tenth = 10 * done // max(total, 1)
        if done and tenth > self.shown and tenth % 2 == 0:
            self.shown = tenth
            self.console.print(f"  {done}/{total}  {time.perf_counter() - self.started:.0f}s",
                               highlight=False, markup=False)

    def close(self) -> None:
        if self.phase is not None and not self.quiet:
            self.console.print(f"  done in {time.perf_counter() - self.started:.1f}s",
                               highlight=False, markup=False)
        self.phase = None


def _summarize(console: Console, space: Any, result: WeightSharingResult) -> None:
    from rich.table import Table
    from rich.text import Text

    from archlang.search.export import short_assignment

    study = result.study
    name = study.objective
    table = Table(title=f"best {len(result.retrained)} by one-shot {name}, retrained "
                        f"(searched {len(study.ranked())} networks; "
                        + ", ".join(f"{k} {v:.0f}s" for k, v in result.seconds.items()) + ")")
    for column in ("#", f"one-shot {name}", f"retrained {name}", "test acc", "params"):
        table.add_column(column, justify="right")
    table.add_column("decisions", overflow="fold")
    for r in result.retrained:
        table.add_row(str(r.trial), f"{r.one_shot:.4f}", _fmt(r.metrics.get(name)),
                      _fmt(r.metrics.get("test_accuracy")), _fmt(r.metrics.get("params")),
                      Text(short_assignment(space, r.assignment)))
    console.print(table)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:.4f}"


def _write(result: WeightSharingResult, space: Any, out: Path, settings: dict[str, Any]) -> None:
    """The usual result files for the best retrained network, and ``retrained.json``."""
    from archlang.search.export import write_best, write_trials_csv

    out.mkdir(parents=True, exist_ok=True)
    write_trials_csv(result.study, out / "trials.csv")
    rows = [{"trial": r.trial, "assignment": r.assignment, "one_shot": r.one_shot,
             "metrics": r.metrics} for r in result.retrained]
    (out / "retrained.json").write_text(
        json.dumps({"search": settings, "seconds": result.seconds, "retrained": rows},
                   indent=2) + "\n", encoding="utf-8")
    best = result.best
    if best is None:
        return
    arch = space.bind(best.assignment)
    summary = {"network": space.name, "trial": best.trial, "hash": arch.hash,
               "assignment": best.assignment, "one_shot": best.one_shot,
               "metrics": best.metrics, "search": settings}
    for warning in write_best(arch, summary, out):
        click.echo(f"warning: {warning}", err=True)

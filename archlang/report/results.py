"""Everything a finished search leaves in its folder: the result files and the report.

``best.arch`` (the best network by the first objective, with every decision fixed),
``best.py`` (its generated PyTorch source), ``best.json`` (assignment, metrics, the search's
settings, and the Pareto front when there are several objectives), ``trials.csv`` (one row
per trial, every state), and the report: ``curve.png`` (best so far), ``pareto.png``
(several objectives) and ``report.html``. It lives in report, above search: it writes
search's files (archlang.search.export) and the report's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from archlang.search.export import write_best, write_trials_csv

if TYPE_CHECKING:
    from archlang.ir.space import Space
    from archlang.search.study import Study


def write_results(study: Study, space: Space, out: Path,
                  settings: dict[str, Any] | None = None) -> list[str]:
    """Write the result files and the report (only ``trials.csv`` without a best trial).

    Returns warnings for files that could not be written (``best.arch`` needs the
    formatter, which may be missing).
    """
    out.mkdir(parents=True, exist_ok=True)
    write_trials_csv(study, out / "trials.csv")
    best = study.best
    if best is None:
        return ["no trial completed: wrote only trials.csv"]
    arch = space.bind(best.assignment)
    summary = {"network": space.name, "trial": best.number, "hash": arch.hash,
               "objective": study.objective, "direction": study.direction,
               "objectives": [str(o) for o in study.objectives],
               "assignment": best.assignment, "metrics": best.metrics,
               "search": settings or {}}
    if len(study.objectives) > 1:
        summary["pareto"] = [{"trial": t.number, "assignment": t.assignment,
                              "metrics": t.metrics} for t in study.pareto()]
    return write_pictures(study, space, out) + write_best(arch, summary, out)


def write_pictures(study: Study, space: Space, out: Path) -> list[str]:
    """``curve.png``, ``pareto.png`` (several objectives) and ``report.html`` via
    `archlang.report` (matplotlib is a dependency, so they are always drawn)."""
    from archlang.report import write_report

    write_report(study, space, out)
    return []

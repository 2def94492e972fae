"""What the report reads from a `Study`: its objectives, the best-so-far series, the Pareto front.

The study (`archlang.search.study.Study`) owns its objectives and its front (`Study.pareto`,
built on `archlang.search.objectives.pareto_front`); this module only turns them into what
the pictures and the page draw.
"""

from __future__ import annotations

import math
from typing import Any

Objective = tuple[str, str]  # (metric name, "maximize" | "minimize")


def objectives(study: Any) -> list[Objective]:
    """The study's objectives as ``(name, direction)``, the main one first."""
    return [(o.name, o.direction) for o in study.objectives]


def evaluated(study: Any) -> list[Any]:
    """Completed trials that were evaluated (not reused from an equal network), by number."""
    return [t for t in study.trials if _ok(t) and getattr(t, "duplicate_of", None) is None]


def value(trial: Any, name: str) -> float | None:
    """A finite metric as a float, else None."""
    try:
        v = float(trial.metrics[name])
    except (KeyError, TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def best_so_far(study: Any, objective: Objective) -> tuple[list[int], list[float]]:
    """(trial numbers, best value of the objective up to and including that trial)."""
    name, direction = objective
    better = max if direction == "maximize" else min
    xs: list[int] = []
    ys: list[float] = []
    best: float | None = None
    for t in evaluated(study):
        v = value(t, name)
        if v is None:
            continue
        best = v if best is None else better(best, v)
        xs.append(t.number)
        ys.append(best)
    return xs, ys


def pareto_front(study: Any) -> list[Any]:
    """The trials no other trial beats on every objective, best first (`Study.pareto`)."""
    return list(study.pareto())


def _ok(trial: Any) -> bool:
    ok = getattr(trial, "ok", None)
    return bool(ok) if ok is not None else trial.state == "complete"

"""What the report reads from a study: its objectives, the best-so-far series, the Pareto front.

Works with today's single-objective `Study` (``objective``, ``direction``) and with studies that
carry several objectives (``objectives``: a list of ``(name, "maximize" | "minimize")``, and
``pareto()`` when the study computes its own front).
"""

from __future__ import annotations

import math
from typing import Any

Objective = tuple[str, str]  # (metric name, "maximize" | "minimize")


def objectives(study: Any) -> list[Objective]:
    """The study's objectives, the main one first."""
    many = getattr(study, "objectives", None)
    if many:  # `archlang.search.objectives.Objective`s, or (name, direction) pairs
        return [(str(o.name), str(o.direction)) if hasattr(o, "name") else (str(o[0]), str(o[1]))
                for o in many]
    return [(study.objective, study.direction)]


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
    """The trials no other trial beats on every objective, ordered by the first objective.

    Uses ``study.pareto()`` when the study has it; else computes the front over the evaluated
    trials that report every objective (equal points all stay on the front).
    """
    if callable(getattr(study, "pareto", None)):
        return list(study.pareto())
    objs = objectives(study)
    points = []
    for t in evaluated(study):
        vals = [value(t, name) for name, _ in objs]
        if all(v is not None for v in vals):
            signs = [1.0 if d == "maximize" else -1.0 for _, d in objs]
            points.append((t, [s * v for s, v in zip(signs, vals)]))  # larger is better
    front = [t for t, p in points
             if not any(all(a >= b for a, b in zip(q, p)) and q != p for _, q in points)]
    name, direction = objs[0]
    return sorted(front, key=lambda t: (value(t, name) or 0.0) * (-1 if direction == "maximize"
                                                                  else 1))


def _ok(trial: Any) -> bool:
    ok = getattr(trial, "ok", None)
    return bool(ok) if ok is not None else trial.state == "complete"

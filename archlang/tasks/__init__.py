"""Tasks: what a search trains and scores an architecture on, by name.

A `Task` bundles an evaluator (``evaluate(arch, *, epochs, seed) -> metrics``) with the
metric it optimizes. Tasks import their heavy dependencies (torch, scikit-learn) only
when they evaluate, so listing them is cheap.

    >>> from archlang.tasks import get_task, task_names
    >>> task_names()
    ['digits']
    >>> get_task("digits").objective
    'val_accuracy'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archlang.tasks import digits


@dataclass(frozen=True)
class Task:
    """A named evaluation: how to score an Arch, and which metric to optimize."""

    name: str
    description: str
    evaluate: Callable[..., dict[str, Any]]
    objective: str
    direction: str = "maximize"


_TASKS = {
    "digits": Task("digits", "scikit-learn 8x8 digits, input [1, 8, 8], 10 classes (CPU)",
                   digits.evaluate, digits.OBJECTIVE, digits.DIRECTION),
}


def task_names() -> list[str]:
    return list(_TASKS)


def get_task(name: str) -> Task:
    """The task registered under `name`; ValueError naming the known ones otherwise."""
    try:
        return _TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known: {', '.join(_TASKS)}") from None

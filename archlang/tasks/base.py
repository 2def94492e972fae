"""What a task is (`Task`) and the error a bad task spec raises (`TaskError`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Task:
    """A named evaluation: how to score an Arch, and which metric to optimize.

    ``evaluate(arch, *, seed, epochs, **options) -> dict of metrics``; a task ignores the
    options that mean nothing to it only when it says so in its docstring (a lookup table
    has no epochs), and refuses unknown ones otherwise. `info` holds what the task knows
    about its data (input shape, classes, split sizes, dataset name...). `load_data`, for a
    task that trains on arrays, returns ``{"train" | "val" | "test": (x, y)}`` as torch
    tensors (weight-sharing search trains its shared model on them); None otherwise.
    `isolate` is True for a task that runs a user's code (``MODULE:FUNCTION``): the search
    then evaluates in a worker process by default, so that code's crash, ``sys.exit`` or
    runaway memory fails only its trial (`archlang.search.isolate`).
    """

    name: str
    description: str
    evaluate: Callable[..., dict[str, Any]]
    objective: str
    direction: str = "maximize"
    info: dict[str, Any] = field(default_factory=dict, compare=False)
    load_data: Callable[[], dict[str, tuple[Any, Any]]] | None = field(default=None,
                                                                        compare=False)
    isolate: bool = False


class TaskError(ValueError):
    """A task spec that cannot be served: unknown name, missing file, module or package."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint

    def __str__(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")

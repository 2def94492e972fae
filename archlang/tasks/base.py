"""What a task is (`Task`) and the error a bad task spec raises (`TaskError`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archlang.diagnostics import ArchError, ArchShapeError

#: members of a space sampled to read the shapes a network gives its data
FIT_SAMPLES = 8


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

    A task whose `info` has ``input_shape`` (and ``classes``) is checked against the
    network before a search starts (`check_fits`).
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


def check_fits(task: Task, space: Any) -> None:
    """Refuse, before the first trial, a network that cannot read the task's data.

    Every member of a space declares the same inputs, so one whose inputs differ from the
    data's ``info["input_shape"]`` would fail every trial the same way (an npz file of the
    wrong shape failed 30 times). The output is refused only when every sampled member
    gives the same wrong number of scores (`FIT_SAMPLES` samples), since a decision could
    change it. Members that do not bind are skipped; with none, nothing is refused here.

    Raises:
        ArchShapeError: (E402) located at the network's input declaration.
    """
    want = task.info.get("input_shape")
    if want is None:
        return
    outputs = set()
    for seed in range(FIT_SAMPLES):
        try:
            arch = space.sample(seed=seed)
        except ArchError:
            continue
        shapes = [tuple(s) for s in arch.input_shapes.values()]
        if shapes != [tuple(want)]:
            raise _misfit(task, space, f"examples of shape {list(want)}, but network "
                          f"`{arch.name}` declares {_inputs(shapes)}")
        outputs.add(tuple(arch.output_shape))
    classes = task.info.get("classes")
    if classes is not None and len(outputs) == 1 and outputs != {(classes,)}:
        raise _misfit(task, space, f"{classes} classes, but network `{space.network_def.name}`"
                      f" gives an output of shape {list(outputs.pop())}")


def _inputs(shapes: list[tuple[int, ...]]) -> str:
    if len(shapes) == 1:
        return f"the input {list(shapes[0])}"
    return f"{len(shapes)} inputs {', '.join(str(list(s)) for s in shapes)}"


def _misfit(task: Task, space: Any, what: str) -> ArchShapeError:
    net = space.network_def
    span = net.inputs[0].span if net.inputs else net.span
    return ArchShapeError(f"the data of task `{task.name}` does not fit: it has {what}", span,
                          hint="reshape the data, or change the network's input and its "
                               "last layer to match it", code="E402")

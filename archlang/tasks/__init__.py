"""Tasks: what a search trains and scores an architecture on, by spec.

A `Task` bundles an evaluator (``evaluate(arch, *, epochs, seed, **options) -> metrics``)
with the metric it optimizes. `get_task(spec)` understands

=========================  ==============================================================
``digits``                 scikit-learn's 8x8 digits, on the CPU or a GPU (`tasks.digits`)
``sbm``                    node classification on a generated graph (`tasks.graph`)
``npz:PATH``               the same trainer on a user's arrays ``X``, ``y`` (`tasks.npz`)
``MODULE:FUNCTION``        a user's evaluator ``function(module, arch)`` (`tasks.user`)
``nasbench-graph:DATASET`` NAS-Bench-Graph's table lookup (`tasks.nasbench_graph`)
=========================  ==============================================================

and raises `TaskError` (a ValueError with a hint) for a spec it cannot serve. Tasks import
their heavy dependencies (torch, scikit-learn, the benchmark tables) only when they are
asked for, so listing them is cheap.

    >>> from archlang.tasks import get_task, task_names
    >>> task_names()
    ['digits', 'sbm']
    >>> get_task("digits").objective
    'val_accuracy'
"""

from __future__ import annotations

import difflib
import functools

from archlang.tasks import digits, graph
from archlang.tasks.base import Task, TaskError, check_fits

__all__ = ["SPEC_HELP", "Task", "TaskError", "check_fits", "get_task", "task_names"]

_TASKS = {
    "digits": Task("digits", "scikit-learn 8x8 digits, input [1, 8, 8], 10 classes (CPU)",
                   digits.evaluate, digits.OBJECTIVE, digits.DIRECTION,
                   info={"input_shape": digits.INPUT_SHAPE, "classes": digits.CLASSES},
                   load_data=digits.load_data),
    "sbm": Task("sbm", "a generated stochastic-block-model graph, inputs (x: [N, 16] "
                "unbatched, edge_index: long[2, E] unbatched), 4 classes (CPU)",
                graph.evaluate, graph.OBJECTIVE, graph.DIRECTION),
}

#: the forms of a task spec, for help texts and errors
SPEC_HELP = "digits, sbm, npz:PATH, nasbench-graph:DATASET or MODULE:FUNCTION"


def task_names() -> list[str]:
    """The built-in tasks that need no argument."""
    return list(_TASKS)


@functools.lru_cache(maxsize=32)
def get_task(spec: str) -> Task:
    """The task a spec names (see the module docstring); `TaskError` otherwise."""
    spec = spec.strip()
    if spec in _TASKS:
        return _TASKS[spec]
    kind, colon, rest = spec.partition(":")
    if colon and kind == "npz":
        from archlang.tasks import npz

        return npz.make_task(_argument(spec, rest, "npz:PATH"))
    if colon and kind == "nasbench-graph":
        from archlang.tasks import nasbench_graph

        return nasbench_graph.make_task(_argument(spec, rest, "nasbench-graph:DATASET"))
    if colon:
        from archlang.tasks import user

        return user.make_task(spec)
    close = difflib.get_close_matches(spec, [*_TASKS, "npz", "nasbench-graph"], n=1)
    raise TaskError(f"unknown task {spec!r}; known: {', '.join(_TASKS)}",
                    hint=f"did you mean `{close[0]}`?" if close else
                    f"a task is {SPEC_HELP}")


def _argument(spec: str, rest: str, form: str) -> str:
    if not rest:
        raise TaskError(f"`{spec}` is missing its argument", hint=f"write {form}")
    return rest

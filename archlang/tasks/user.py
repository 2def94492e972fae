"""The `MODULE:FUNCTION` task: a user's own evaluator, imported by name.

``archlang search space.arch --task mypkg.scoring:evaluate`` imports ``mypkg.scoring`` (the
current directory comes first on the import path, as with ``python -m``; ``MODULE`` may also
be a path to a ``.py`` file: ``--task scoring.py:evaluate``) and, for every trial, calls

    metrics = evaluate(module, arch)

* ``module``: a fresh, untrained ``torch.nn.Module`` compiled from the trial's network,
  built after ``torch.manual_seed(seed)`` so its initial weights are reproducible;
* ``arch``: the `archlang.Arch` (``arch.assignment``, ``arch.params``, ``arch.flops``,
  ``arch.input_shapes``, ``arch.output_shape``, ``arch.hash``, ``arch.source()``...);
* keyword arguments ``seed`` and ``epochs`` (the command's ``--seed``/``--epochs``) are
  passed when the function's signature accepts them (by name or through ``**kwargs``);
  ``lr`` and ``batch_size`` likewise, and giving one to a function that does not accept it
  is an error rather than a silently ignored option;
* ``device``: where to train, a torch device string (``"cpu"``, ``"cuda"`` or
  ``"cuda:I"``: ``--device`` checked on this machine, and in a pool of ``--workers`` this
  worker's own GPU), passed when the signature accepts it. ``module`` is built on the CPU:
  move it and the data there (``module.to(device)``). ``amp=True`` (``--amp``) is passed
  like ``lr``: a function that does not accept it is refused.

It returns a dict of metric names to numbers. The objective is ``val_accuracy``, maximized,
unless the function carries attributes that say otherwise::

    def evaluate(module, arch, *, seed=0):
        ...
        return {"val_loss": loss, "params": arch.params}
    evaluate.objective = "val_loss"
    evaluate.direction = "minimize"

A trial whose function raises, returns no objective, or returns a NaN is recorded as failed
with the error, and the search goes on (`archlang.search.run_search`). `archlang search`
runs the function in a worker process by default (``isolate=True``), so even ``os._exit``,
a segfault or the out-of-memory killer fails only its trial.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from archlang.pyimport import ImportProblem, import_module
from archlang.tasks.base import Task, TaskError

OBJECTIVE = "val_accuracy"
DIRECTION = "maximize"
#: keyword arguments the search passes to a function that accepts them
PASSED = ("seed", "epochs", "device")


def make_task(spec: str) -> Task:
    """The task for ``MODULE:FUNCTION``; `TaskError` naming what is missing otherwise."""
    module_name, _, function_name = spec.rpartition(":")
    if not module_name or not function_name:
        raise TaskError(f"`{spec}` is not MODULE:FUNCTION",
                        hint="e.g. --task mypkg.scoring:evaluate or --task scoring.py:evaluate")
    function = _function(_import(module_name), module_name, function_name)
    objective = getattr(function, "objective", OBJECTIVE)
    direction = getattr(function, "direction", DIRECTION)
    if not isinstance(objective, str) or direction not in ("maximize", "minimize"):
        raise TaskError(f"`{spec}`: `objective` must be a metric name and `direction` "
                        f"'maximize' or 'minimize', got {objective!r} and {direction!r}")
    accepts = _accepted(function)

    def evaluate(arch: Any, **options: Any) -> dict[str, Any]:
        import torch

        from archlang.tasks.device import pick

        if options.get("device") is not None:
            options = {**options, "device": pick(options["device"])}
        if not options.get("amp"):
            options = {k: v for k, v in options.items() if k != "amp"}
        kwargs = _kwargs(options, accepts, spec)
        torch.manual_seed(int(options.get("seed") or 0))
        metrics = function(arch.compile(), arch, **kwargs)
        if not isinstance(metrics, Mapping):
            raise TypeError(f"{spec} must return a dict of metrics, "
                            f"but returned {type(metrics).__name__}")
        return dict(metrics)

    doc = (inspect.getdoc(function) or "").split("\n", 1)[0]
    return Task(spec, doc or f"the user function {spec}", evaluate, objective, direction,
                info={"function": function}, isolate=True)


def _import(name: str) -> Any:
    """Import a module by dotted name (cwd first on the path) or from a ``.py`` file."""
    try:
        return import_module(name)
    except ImportProblem as exc:
        raise TaskError(exc.message, hint=exc.hint) from None


def _function(module: Any, module_name: str, name: str) -> Callable[..., Any]:
    function = getattr(module, name, None)
    if function is None:
        names = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")]
        close = difflib.get_close_matches(name, names, n=1)
        raise TaskError(f"module `{module_name}` has no function `{name}`",
                        hint=f"did you mean `{close[0]}`?" if close else
                        f"it defines: {', '.join(sorted(names)) or 'no functions'}")
    if not callable(function):
        raise TaskError(f"`{module_name}:{name}` is not a function (its type is "
                        f"{type(function).__name__})")
    return function


def _accepted(function: Callable[..., Any]) -> set[str] | None:
    """The keyword names `function` takes beyond (module, arch); None when it takes any."""
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return set()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}


def _kwargs(options: dict[str, Any], accepts: set[str] | None, spec: str) -> dict[str, Any]:
    given = {k: v for k, v in options.items() if v is not None}
    if accepts is None:
        return given
    refused = sorted(k for k in given if k not in accepts and k not in PASSED)
    if refused:
        raise TypeError(f"{spec} takes no {', '.join(refused)} argument; add it to the "
                        f"function's signature or leave the option out")
    return {k: v for k, v in given.items() if k in accepts}

"""Evaluator results made safe to keep: the one normalisation of what an evaluator returns.

An evaluator may return anything. `clean_metrics` turns a mapping of metrics into plain
JSON values: integers stay integers (``params``), every other number (Python, NumPy
scalars and 0-d arrays, 0-d or one-element tensors on any device, with or without grad)
becomes a float, and anything else is kept as text (a side metric shown as text). A
result that is not a mapping raises `ResultError`. `problem` says why clean metrics cannot
count as a result (a missing, non-numeric or non-finite objective, a non-finite metric).
`evaluate_once` runs an evaluator on one network and never raises for the trial's sake:
each executor calls it where the evaluation runs, so no evaluator output reaches storage,
a pipe or a table unnormalised.

    >>> import numpy as np
    >>> clean_metrics({"val_accuracy": np.float32(0.5), "params": np.int64(7), "note": None})
    {'val_accuracy': 0.5, 'params': 7, 'note': 'None'}
    >>> problem({"val_accuracy": "n/a"}, [Objective("val_accuracy", "maximize")])
    "metric `val_accuracy` is not a number: 'n/a'"
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from archlang.search.objectives import Objective

#: the longest text a side metric keeps (a repr of a whole tensor would flood the table)
MAX_TEXT = 200

Metric = int | float | str


class ResultError(TypeError):
    """The evaluator returned something that is not a mapping of metrics."""


def clean_metrics(raw: Any) -> dict[str, Metric]:
    """`raw`'s metrics as ints, floats and text, keyed by text; see the module docstring."""
    if not isinstance(raw, Mapping):
        raise ResultError(f"the evaluator returned {_text(raw)} ({type(raw).__name__}), "
                          "not a dict of metrics")
    return {str(key): clean_value(value) for key, value in raw.items()}


def clean_value(value: Any) -> Metric:
    """One metric as an int, a float or text."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    item = _single_item(value)
    if item is not None:
        return clean_value(item)
    return _text(value)


def _single_item(value: Any) -> Any:
    """The Python number inside a one-element array or tensor (any device, grad or not),
    else None. Duck-typed, so neither NumPy nor torch is imported here."""
    numel = getattr(value, "numel", None)  # torch: a method; NumPy: `size`, an int
    count = numel() if callable(numel) else getattr(value, "size", None)
    if count != 1 or not callable(getattr(value, "item", None)):
        return None
    try:
        item = value.detach().item() if hasattr(value, "detach") else value.item()
    except Exception:  # noqa: BLE001 - an object with an odd `item` is text, not a crash
        return None
    return item if isinstance(item, numbers.Real) else None


def _text(value: Any) -> str:
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception as exc:  # noqa: BLE001 - a __str__ that raises must not end the search
        text = f"<{type(value).__name__}: str() failed: {type(exc).__name__}>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def problem(metrics: Mapping[str, Metric], objectives: Sequence[Objective]) -> str | None:
    """Why these (clean) metrics cannot count as a result, or None."""
    for o in objectives:
        if o.name not in metrics:
            return f"the evaluator returned no `{o.name}` (got {sorted(metrics)})"
    for name, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            return f"metric `{name}` is {value}"
    for o in objectives:
        if isinstance(metrics[o.name], str):
            return f"metric `{o.name}` is not a number: {metrics[o.name]!r}"
    return None


def evaluate_once(evaluate: Callable[[Any], Any], arch: Any) -> tuple[str, Any]:
    """``("ok", clean metrics)`` or ``("error", message)``: whatever `evaluate` does short
    of killing its process, including ``sys.exit``. Ctrl-C still stops the search."""
    try:
        return "ok", clean_metrics(evaluate(arch))
    except KeyboardInterrupt:
        raise
    except SystemExit as exc:
        return "error", f"the evaluator called sys.exit({exc.code!r})"
    except BaseException as exc:  # noqa: BLE001 - any failure of one trial is recorded
        return "error", describe_error(exc)


def describe_error(exc: BaseException) -> str:
    """The message a failed evaluation is recorded with."""
    from archlang.diagnostics import ArchError

    if isinstance(exc, ArchError):
        return exc.render()
    return f"{type(exc).__name__}: {exc}"

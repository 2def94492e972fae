"""The `npz:PATH` task: the digits trainer on a user's own arrays (classification).

The file (``numpy.savez``) holds

* ``X``: the inputs, shape ``(N, *input_shape)`` — the shape the network declares, without
  the batch dimension (``(N, 1, 28, 28)`` for ``(x: [1, 28, 28])``, ``(N, 20)`` for
  ``(x: [20])``); any numeric dtype, trained as float32;
* ``y``: the labels, shape ``(N,)``: integers ``0 .. C-1`` (the network's output is
  ``[C]``), or any other labels, which are numbered in sorted order;
* optionally ``X_val``/``y_val`` and ``X_test``/``y_test``: fixed validation and test
  splits. A split the file does not hold is carved out of ``X``/``y``: 20% of it for each
  missing split, stratified when every class has a member to spare, with a fixed seed
  (`SPLIT_SEED`), so every trial and every run sees the same split.

Options (``evaluate(arch, epochs=..., lr=..., batch_size=..., seed=...)``, on the command
line ``--epochs``, ``--lr``, ``--batch-size``) default to 8 epochs, Adam at 3e-3 and batches
of 64; ``device`` and ``amp`` (``--device``, ``--amp``) say where it trains (the CPU by
default; `archlang.tasks.device`). The validation accuracy is the objective; test
accuracy is reported beside it.

    >>> import numpy as np, tempfile, os, archlang
    >>> path = os.path.join(tempfile.mkdtemp(), "blobs.npz")
    >>> rng = np.random.default_rng(0)
    >>> np.savez(path, X=rng.normal(size=(60, 4)), y=np.arange(60) % 3)
    >>> task = make_task(path)
    >>> task.info["input_shape"], task.info["classes"], task.info["sizes"]
    ((4,), 3, {'train': 36, 'val': 12, 'test': 12})
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archlang.tasks.base import Task, TaskError
from archlang.tasks.train import DIRECTION, OBJECTIVE, check_shapes, train_and_score

SPLIT_SEED = 0
HELD_OUT = 0.2
DEFAULTS = {"epochs": 8, "lr": 3e-3, "batch_size": 64, "device": None, "amp": False}


def make_task(path: str) -> Task:
    """The task for the arrays in `path`; `TaskError` when the file cannot serve."""
    splits, classes = load_splits(path)
    input_shape = tuple(splits["train"][0].shape[1:])
    sizes = {k: int(len(v[1])) for k, v in splits.items()}

    def evaluate(arch: Any, *, seed: int = 0, **options: Any) -> dict[str, float]:
        settings = _settings(options)
        check_shapes(arch, input_shape, classes, f"npz:{path}")
        return train_and_score(arch, _tensors(splits), seed=seed, **settings)

    return Task(f"npz:{path}", f"arrays from {path}: input {list(input_shape)}, "
                f"{classes} classes, split {sizes}", evaluate, OBJECTIVE, DIRECTION,
                info={"input_shape": input_shape, "classes": classes, "sizes": sizes},
                load_data=lambda: _tensors(splits))


def load_splits(path: str) -> tuple[dict[str, tuple[Any, Any]], int]:
    """``({"train" | "val" | "test": (X float32, y int64)}, classes)`` as numpy arrays."""
    import numpy as np

    arrays = _read(path)
    x, y = _pair(arrays, path, "X", "y")
    given = {name: _pair(arrays, path, f"X_{name}", f"y_{name}")
             for name in ("val", "test") if f"X_{name}" in arrays or f"y_{name}" in arrays}
    labels, classes = _number_labels([y, *(v[1] for v in given.values())], path)
    y, given = labels[0], {k: (v[0], lab) for (k, v), lab in zip(given.items(), labels[1:])}
    splits: dict[str, tuple[Any, Any]] = {}
    count = max(1, round(HELD_OUT * len(y)))
    for name in ("test", "val"):
        if name not in given:
            x, y, splits[name] = _carve(x, y, count)
    splits = {"train": (x, y), **given, **splits}
    for name, (xs, _) in splits.items():
        if xs.shape[1:] != x.shape[1:]:
            raise TaskError(f"{path}: `X_{name}` has examples of shape {list(xs.shape[1:])}, "
                            f"but `X` has {list(x.shape[1:])}")
    out = {k: (np.ascontiguousarray(a, dtype=np.float32), b.astype(np.int64))
           for k, (a, b) in splits.items()}
    return {k: out[k] for k in ("train", "val", "test")}, classes


def _read(path: str) -> dict[str, Any]:
    import numpy as np

    if not Path(path).is_file():
        raise TaskError(f"no such file: {path}",
                        hint="npz:PATH needs a file written by numpy.savez(PATH, X=..., y=...)")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets one clear message
        raise TaskError(f"{path} is not a readable .npz file ({type(exc).__name__}: {exc})",
                        hint="write it with numpy.savez(PATH, X=..., y=...)") from None


def _pair(arrays: dict[str, Any], path: str, xk: str, yk: str) -> tuple[Any, Any]:
    import numpy as np

    for key in (xk, yk):
        if key not in arrays:
            raise TaskError(f"{path} has no array `{key}` (it holds: "
                            f"{', '.join(sorted(arrays)) or 'nothing'})",
                            hint="the file needs `X` (inputs) and `y` (labels); `X_val`/"
                                 "`y_val` and `X_test`/`y_test` come in pairs")
    x, y = arrays[xk], arrays[yk]
    if x.ndim < 2 or not np.issubdtype(x.dtype, np.number):
        raise TaskError(f"{path}: `{xk}` must be numeric with shape (N, ...), "
                        f"got {x.dtype} {list(x.shape)}")
    if y.ndim != 1 or len(y) != len(x):
        raise TaskError(f"{path}: `{yk}` must have shape ({len(x)},) to match `{xk}`, "
                        f"got {list(y.shape)}")
    if len(x) == 0:
        raise TaskError(f"{path}: `{xk}` holds no examples")
    return x, y


def _number_labels(ys: list[Any], path: str) -> tuple[list[Any], int]:
    """Integer labels 0..C-1 stay as they are; any other labels are numbered in sorted order."""
    import numpy as np

    everything = np.concatenate(ys)
    if np.issubdtype(everything.dtype, np.integer) and everything.min() >= 0:
        return ys, int(everything.max()) + 1
    if np.issubdtype(everything.dtype, np.floating):
        raise TaskError(f"{path}: labels `y` are floats; this task is classification",
                        hint="store class labels as integers 0..C-1")
    names = np.unique(everything)
    return [np.searchsorted(names, y) for y in ys], len(names)


def _carve(x: Any, y: Any, count: int) -> tuple[Any, Any, tuple[Any, Any]]:
    """Split `count` examples off (x, y), stratified when possible, with the fixed seed."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    if count >= len(y):
        raise TaskError(f"too few examples ({len(y)}) to split off validation and test sets",
                        hint="add examples, or store X_val/y_val and X_test/y_test")
    counts = np.bincount(y)
    stratify = y if counts[counts > 0].min() >= 2 and count >= (counts > 0).sum() else None
    x_keep, x_out, y_keep, y_out = train_test_split(
        x, y, test_size=count, stratify=stratify, random_state=SPLIT_SEED)
    return x_keep, y_keep, (x_out, y_out)


def _tensors(splits: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    import torch

    return {k: (torch.from_numpy(a), torch.from_numpy(b)) for k, (a, b) in splits.items()}


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"the npz task has no option {', '.join(sorted(unknown))}; "
                         f"it takes {', '.join(DEFAULTS)} and seed")
    return {k: options.get(k) if options.get(k) is not None else v
            for k, v in DEFAULTS.items()}

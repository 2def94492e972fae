"""The `digits` task: scikit-learn's bundled 8x8 handwritten digits, trained on the CPU.

The data (1797 images, no download) is scaled to [0, 1], shaped (N, 1, 8, 8) and split
once, stratified with a fixed seed, into train/validation/test = 60/20/20. `evaluate`
trains a compiled Arch with Adam from a fixed torch seed, so the same network gives the
same metrics in the same environment. The validation accuracy is the objective; the test
accuracy is reported, never used to choose.
"""

from __future__ import annotations

import functools
import statistics
import time
from typing import Any

INPUT_SHAPE = (1, 8, 8)
CLASSES = 10
SPLIT_SEED = 0
OBJECTIVE = "val_accuracy"
DIRECTION = "maximize"


@functools.lru_cache(maxsize=1)
def load_data() -> dict[str, tuple[Any, Any]]:
    """``{"train" | "val" | "test": (images float32 (N, 1, 8, 8), labels int64 (N,))}``."""
    import numpy as np
    import torch

    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise RuntimeError("the digits task needs scikit-learn: "
                           "pip install scikit-learn") from None

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    x_train, x_rest, y_train, y_rest = train_test_split(
        x, y, test_size=0.4, stratify=y, random_state=SPLIT_SEED)
    x_val, x_test, y_val, y_test = train_test_split(
        x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=SPLIT_SEED)
    parts = {"train": (x_train, y_train), "val": (x_val, y_val), "test": (x_test, y_test)}
    return {k: (torch.from_numpy(a), torch.from_numpy(b)) for k, (a, b) in parts.items()}


def check_arch(arch: Any) -> None:
    """Raise ValueError unless the network reads one [1, 8, 8] input and gives 10 scores."""
    shapes = list(arch.input_shapes.values())
    if shapes != [INPUT_SHAPE] or tuple(arch.output_shape) != (CLASSES,):
        raise ValueError(
            f"the digits task needs one input [1, 8, 8] and an output [10]; "
            f"`{arch.name}` has inputs {[list(s) for s in shapes]} and output "
            f"{list(arch.output_shape)}")


def evaluate(arch: Any, *, epochs: int = 8, lr: float = 3e-3, batch_size: int = 64,
             seed: int = 0) -> dict[str, float]:
    """Train `arch` on digits and return its metrics.

    Returns ``val_accuracy``, ``test_accuracy`` (in [0, 1]), ``train_loss`` (mean over the
    last epoch), ``params``, ``flops`` (from the Arch), ``latency_ms`` (median CPU time of a
    batch-1 forward) and ``train_seconds``.
    """
    import torch

    check_arch(arch)
    data = load_data()
    torch.manual_seed(seed)
    model = arch.compile()
    start = time.perf_counter()
    loss = _train(model, *data["train"], epochs=epochs, lr=lr, batch_size=batch_size,
                  seed=seed)
    train_seconds = time.perf_counter() - start
    return {
        "val_accuracy": _accuracy(model, *data["val"]),
        "test_accuracy": _accuracy(model, *data["test"]),
        "train_loss": loss,
        "params": arch.params,
        "flops": arch.flops,
        "latency_ms": _latency_ms(model),
        "train_seconds": train_seconds,
    }


def _train(model: Any, x: Any, y: Any, *, epochs: int, lr: float, batch_size: int,
           seed: int) -> float:
    """Adam on cross-entropy; returns the mean loss of the last epoch."""
    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    mean = float("nan")
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        mean = total / len(x)
    return mean


def _accuracy(model: Any, x: Any, y: Any) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def _latency_ms(model: Any, runs: int = 9, warmup: int = 3) -> float:
    """Median wall time of one batch-1 forward in eval mode, after a few warm-up runs."""
    import torch

    model.eval()
    x = torch.zeros(1, *INPUT_SHAPE)
    times = []
    with torch.no_grad():
        for i in range(warmup + runs):
            start = time.perf_counter()
            model(x)
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)

"""The `digits` task: scikit-learn's bundled 8x8 handwritten digits (CPU or GPU).

The data (1797 images, no download) is scaled to [0, 1], shaped (N, 1, 8, 8) and split
once, stratified with a fixed seed, into train/validation/test = 60/20/20. `evaluate`
trains a compiled Arch with the shared trainer (`archlang.tasks.train`): Adam from a fixed
torch seed, so the same network gives the same metrics in the same environment. The
validation accuracy is the objective; the test accuracy is reported, never used to choose.
"""

from __future__ import annotations

import functools
from typing import Any

from archlang.tasks.train import DIRECTION, OBJECTIVE, check_shapes, train_and_score

INPUT_SHAPE = (1, 8, 8)
CLASSES = 10
SPLIT_SEED = 0

__all__ = ["CLASSES", "DIRECTION", "INPUT_SHAPE", "OBJECTIVE", "check_arch", "evaluate",
           "load_data"]


@functools.lru_cache(maxsize=1)
def load_data() -> dict[str, tuple[Any, Any]]:
    """``{"train" | "val" | "test": (images float32 (N, 1, 8, 8), labels int64 (N,))}``."""
    import numpy as np
    import torch
    from sklearn.datasets import load_digits  # a dependency of archlang
    from sklearn.model_selection import train_test_split

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
    check_shapes(arch, INPUT_SHAPE, CLASSES, "digits")


def evaluate(arch: Any, *, epochs: int = 8, lr: float = 3e-3, batch_size: int = 64,
             seed: int = 0, device: str | None = None, amp: bool = False,
             **options: Any) -> dict[str, float]:
    """Train `arch` on digits and return its metrics (see `train.train_and_score`).

    `device` and `amp` say where and how it trains (`archlang.tasks.device`; the CPU by
    default). Unknown keyword options are refused, so a misspelt option is never silently
    ignored.
    """
    if options:
        raise ValueError(f"the digits task has no option {', '.join(map(repr, options))}; "
                         f"it takes epochs, lr, batch_size, seed, device and amp")
    check_arch(arch)
    return train_and_score(arch, load_data(), epochs=epochs, lr=lr, batch_size=batch_size,
                           seed=seed, device=device, amp=amp)

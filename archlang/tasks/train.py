"""The classification trainer every array task shares (`digits`, `npz:PATH`).

`train_and_score(arch, splits, ...)` compiles an Arch, trains it with Adam on cross-entropy
from a fixed torch seed, and scores it on the validation and test splits, so the same
network gives the same metrics in the same environment. `splits` maps "train", "val" and
"test" to ``(inputs, labels)`` torch tensors; the validation accuracy is the objective, the
test accuracy is reported and never used to choose. `check_shapes` compares a network's
declared input and output with the data before anything is built.

``device`` (a spec `archlang.tasks.device.resolve` checked: ``"cpu"``, ``"cuda"``,
``"cuda:I"``) is where the model and the data go; in a pool worker an unindexed ``"cuda"``
becomes that worker's GPU (`device.pick`). ``amp=True`` autocasts the forward passes
(bf16, or fp16 with a gradient scaler) on CUDA. The batches are drawn on the CPU from the
same seeded generator whatever the device, so only the arithmetic differs.

torch is imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

OBJECTIVE = "val_accuracy"
DIRECTION = "maximize"

Splits = dict[str, tuple[Any, Any]]


def check_shapes(arch: Any, input_shape: tuple[int, ...], classes: int, task: str) -> None:
    """Raise ValueError unless `arch` reads one `input_shape` input and gives `classes` scores."""
    shapes = [tuple(s) for s in arch.input_shapes.values()]
    if shapes != [tuple(input_shape)] or tuple(arch.output_shape) != (classes,):
        raise ValueError(
            f"the {task} task needs one input {list(input_shape)} and an output [{classes}]; "
            f"`{arch.name}` has inputs {[list(s) for s in shapes]} and output "
            f"{list(arch.output_shape)}")


def train_and_score(arch: Any, splits: Splits, *, epochs: int, lr: float, batch_size: int,
                    seed: int, device: str | None = None, amp: bool = False
                    ) -> dict[str, float]:
    """Train `arch` on ``splits["train"]`` and return its metrics.

    Returns ``val_accuracy``, ``test_accuracy`` (in [0, 1]), ``train_loss`` (mean over the
    last epoch), ``params``, ``flops`` (from the Arch), ``latency_ms`` (median time of a
    batch-1 forward on the device it trained on) and ``train_seconds``.
    """
    import torch

    from archlang.tasks.device import pick

    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if int(value) < 1:
            raise ValueError(f"`{name}` must be at least 1, but got {value}")
    if not lr > 0:
        raise ValueError(f"`lr` must be positive, but got {lr}")
    where = pick(device)
    torch.manual_seed(seed)
    model = arch.compile().to(where)
    on = {k: (x.to(where), y.to(where)) for k, (x, y) in splits.items()}
    start = time.perf_counter()
    loss = _train(model, *on["train"], epochs=int(epochs), lr=float(lr),
                  batch_size=int(batch_size), seed=seed, device=where, amp=amp)
    _synchronize(where)
    train_seconds = time.perf_counter() - start
    return {
        "val_accuracy": _accuracy(model, *on["val"], device=where, amp=amp),
        "test_accuracy": _accuracy(model, *on["test"], device=where, amp=amp),
        "train_loss": loss,
        "params": arch.params,
        "flops": arch.flops,
        "latency_ms": _latency_ms(model, tuple(splits["train"][0].shape[1:]), device=where),
        "train_seconds": train_seconds,
    }


def _train(model: Any, x: Any, y: Any, *, epochs: int, lr: float, batch_size: int,
           seed: int, device: str = "cpu", amp: bool = False) -> float:
    """Adam on cross-entropy; returns the mean loss of the last epoch."""
    import torch
    import torch.nn.functional as F

    from archlang.tasks.device import autocast, grad_scaler

    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    scaler = grad_scaler(device, amp)
    model.train()
    mean = float("nan")
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size].to(x.device)
            with autocast(device, amp):
                loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            total += loss.item() * len(idx)
        mean = total / len(x)
    return mean


def _accuracy(model: Any, x: Any, y: Any, *, device: str = "cpu", amp: bool = False) -> float:
    import torch

    from archlang.tasks.device import autocast

    model.eval()
    with torch.no_grad(), autocast(device, amp):
        return (model(x).argmax(dim=1) == y).float().mean().item()


def _synchronize(device: str) -> None:
    """Wait for the GPU's queued work, so a wall-clock time covers it."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize(device)


def _latency_ms(model: Any, input_shape: tuple[int, ...], runs: int = 9,
                warmup: int = 3, device: str = "cpu") -> float:
    """Median wall time of one batch-1 forward in eval mode, after a few warm-up runs."""
    import torch

    model.eval()
    x = torch.zeros(1, *input_shape, device=device)
    times = []
    with torch.no_grad():
        for i in range(warmup + runs):
            start = time.perf_counter()
            model(x)
            _synchronize(device)
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)

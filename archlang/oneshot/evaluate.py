"""Scoring Arches with a trained shared model: cheap, for any searcher.

    evaluator = WeightSharingEvaluator(model, data)
    study = archlang.search.run_search(space, evaluator, searcher, budget)

Each call recalibrates the Arch's batch-norm statistics on a few training batches (shared
statistics mix every Arch trained), then measures its accuracy on ``data["val"]`` in eval
mode. Nothing is trained, so an evaluation costs a few forward passes. The data moves to
the device the model is on (where `train_shared` left it); ``amp=True`` autocasts there.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.oneshot.shared import SharedModel
    from archlang.oneshot.train import Data


class WeightSharingEvaluator:
    """``evaluate(arch) -> {"val_accuracy", "val_loss", "params", "flops", "eval_seconds"}``.

    Args:
        model: a trained `Supernet` or `HyperNet` of the Arch's space.
        data: ``{"train": (x, y), "val": (x, y)}`` tensors.
        recalibration_batches: training batches for the batch-norm statistics (0: keep
            the shared running statistics training left).
        batch_size: their size.
        objective: the name the validation accuracy is reported under.
        amp: autocast the forward passes (on CUDA; `archlang.tasks.device.autocast`).
    """

    def __init__(self, model: SharedModel, data: Data, *, recalibration_batches: int = 4,
                 batch_size: int = 128, objective: str = "val_accuracy",
                 amp: bool = False) -> None:
        self.model = model
        self.device = _device_of(model)
        self.data = {k: (x.to(self.device), y.to(self.device)) for k, (x, y) in data.items()}
        self.objective = objective
        self.amp = amp
        x = self.data["train"][0]
        gen = torch.Generator().manual_seed(0)
        order = torch.randperm(len(x), generator=gen).to(self.device)
        self.calibration = [x[order[i * batch_size:(i + 1) * batch_size]]
                            for i in range(recalibration_batches)
                            if i * batch_size < len(x)]

    def __call__(self, arch: Arch) -> dict[str, Any]:
        from archlang.tasks.device import autocast

        start = time.perf_counter()
        if self.calibration:  # none: score with the statistics training left
            with autocast(self.device, self.amp):
                self.model.recalibrate(arch, self.calibration)
        x, y = self.data["val"]
        self.model.eval()
        with torch.no_grad(), autocast(self.device, self.amp):
            logits = self.model(x, arch=arch).float()
        accuracy = (logits.argmax(dim=1) == y).float().mean().item()
        loss = torch.nn.functional.cross_entropy(logits, y).item()
        return {self.objective: accuracy, "val_loss": loss, "params": arch.params,
                "flops": arch.flops, "eval_seconds": time.perf_counter() - start}


def _device_of(model: SharedModel) -> str:
    """The device of the model's tensors (the CPU for a model without any)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return str(tensor.device)
    return "cpu"

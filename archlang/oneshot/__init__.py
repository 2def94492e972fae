"""One-shot architecture search: train one shared model for a whole space, then score
its Arches cheaply with it.

* `Supernet` (supernet.py): one bank of weights, sliced Once-for-All style per Arch.
* `HyperNet` (hypernet.py): a SMASH-style network that generates an Arch's weights from
  its encoding.
* `train_shared` (train.py): single-path uniform, sandwich or fair sampling, checkpointed.
* `WeightSharingEvaluator` (evaluate.py): ``evaluate(arch) -> {"val_accuracy": ...}``.
* `run_weight_sharing_search` (search.py): train, search with any searcher, retrain the
  best few with the task's own evaluator.
* `GroundTruth` (truth.py): members trained standalone with several seeds, to measure how
  well a shared model ranks (benchmarks/bench_oneshot.py).

Names load lazily, so ``import archlang.oneshot`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "WeightLayout": "layout", "SupernetTooLargeError": "layout", "Slot": "layout",
    "SharedModel": "shared", "SharingWarning": "shared", "slice_to": "shared",
    "Supernet": "supernet",
    "HyperNet": "hypernet", "ArchEncoder": "encoding",
    "train_shared": "train", "TrainLog": "train", "get_sampler": "train",
    "WeightSharingEvaluator": "evaluate",
    "run_weight_sharing_search": "search", "WeightSharingResult": "search",
    "build_shared_model": "search",
    "GroundTruth": "truth", "TruthMismatch": "truth",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'archlang.oneshot' has no attribute {name!r}")
    return getattr(importlib.import_module(f"archlang.oneshot.{module}"), name)

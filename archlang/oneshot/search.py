"""Weight-sharing search from end to end: train once, search cheaply, retrain the best.

    import archlang
    from archlang.oneshot import run_weight_sharing_search
    from archlang.search import get_searcher

    space = archlang.load("examples/digits.arch").network()
    result = run_weight_sharing_search(space, "digits", get_searcher("random"), 50,
                                       kind="supernet", retrain_top=3, storage_dir="runs/ws")
    print([(r.one_shot, r.metrics["val_accuracy"]) for r in result.retrained])

Phases, each reported through ``on_phase(phase, done, total)``:

1. ``"train"``: a `Supernet` or `HyperNet` of the space, trained for `steps` batches
   (checkpointed in ``storage_dir/<kind>/``, so a killed run resumes training there);
2. ``"search"``: `archlang.search.run_search` with the searcher, scoring each Arch with the
   shared weights (`WeightSharingEvaluator`);
3. ``"retrain"``: the best `retrain_top` Arches trained on their own by the task's evaluator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archlang.oneshot.evaluate import WeightSharingEvaluator
from archlang.oneshot.train import DEFAULT_SAMPLING, TrainLog, train_shared

if TYPE_CHECKING:
    from archlang.ir.space import Space
    from archlang.oneshot.shared import SharedModel
    from archlang.search.base import Searcher
    from archlang.search.loop import OnTrial
    from archlang.search.study import Study
    from archlang.tasks import Task

KINDS = ("supernet", "hypernet")
OnPhase = Callable[[str, int, int], None]


@dataclass
class Retrained:
    """One of the best Arches by one-shot score, trained on its own."""

    trial: int  # its number in the study
    assignment: dict[str, Any]
    one_shot: float  # the objective with shared weights
    metrics: dict[str, Any]  # the task evaluator's metrics


@dataclass
class WeightSharingResult:
    study: Study
    retrained: list[Retrained]
    model: SharedModel
    train_log: TrainLog
    #: wall seconds of each phase: "build", "train", "search", "retrain"
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> Retrained | None:
        """The retrained Arch with the best objective of its own training."""
        objective = self.study.objective
        sign = 1 if self.study.direction == "maximize" else -1
        return max(self.retrained, key=lambda r: sign * r.metrics[objective], default=None)


def build_shared_model(space: Space, kind: str = "supernet", **options: Any) -> SharedModel:
    """A fresh `Supernet` (``kind="supernet"``) or `HyperNet` (``"hypernet"``)."""
    if kind == "supernet":
        from archlang.oneshot.supernet import Supernet

        return Supernet(space, **options)
    if kind == "hypernet":
        from archlang.oneshot.hypernet import HyperNet

        return HyperNet(space, **options)
    raise ValueError(f"unknown weight sharing {kind!r}; known: {', '.join(KINDS)}")


def run_weight_sharing_search(
    space: Space, task: Task | str, searcher: Searcher, budget: int, *,
    kind: str = "supernet", retrain_top: int = 3, storage_dir: str | Path | None = None,
    steps: int = 400, sampling: str = DEFAULT_SAMPLING, seed: int = 0,
    train_options: dict[str, Any] | None = None,
    retrain_options: dict[str, Any] | None = None, model_options: dict[str, Any] | None = None,
    on_phase: OnPhase | None = None, on_trial: OnTrial | None = None,
    device: str | None = None, amp: bool = False,
) -> WeightSharingResult:
    """Train a shared model of `space`, search it with `searcher` for `budget` Arches
    scored with the shared weights, then retrain the best `retrain_top` with the task's
    evaluator (`retrain_options` go to it, e.g. ``{"epochs": 8}``). `sampling` and
    `train_options` (``schedule``, ``distill``, ``lr``, ``batch_size``) go to `train_shared`.

    `device` (checked by `archlang.tasks.device.resolve`) and `amp` hold for all three
    phases: the shared model trains and scores there, and the retraining is passed them."""
    from archlang.search.loop import run_search
    from archlang.tasks import get_task

    task = get_task(task) if isinstance(task, str) else task
    phase = on_phase or (lambda name, done, total: None)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    model = build_shared_model(space, kind, **{"seed": seed, **(model_options or {})})
    data = task_data(task)
    seconds["build"] = time.perf_counter() - clock

    clock = time.perf_counter()
    phase("train", 0, steps)
    folder = Path(storage_dir) / kind if storage_dir is not None else None
    log = train_shared(model, data, steps=steps, sampling=sampling, seed=seed,
                       checkpoint_dir=folder, device=device, amp=amp, **(train_options or {}),
                       on_step=lambda done, total, loss: phase("train", done, total))
    seconds["train"] = time.perf_counter() - clock

    clock = time.perf_counter()
    phase("search", 0, budget)
    evaluate = WeightSharingEvaluator(model, data, objective=task.objective, amp=amp)

    def trial_done(trial: Any, study: Study) -> None:
        phase("search", study.spent, budget)
        if on_trial is not None:
            on_trial(trial, study)

    study = run_search(space, evaluate, searcher, budget, trial_done,
                       objective=task.objective, direction=task.direction)
    seconds["search"] = time.perf_counter() - clock

    clock = time.perf_counter()
    best = study.ranked()[:retrain_top]
    options = {**(retrain_options or {}),
               **({"device": device} if device is not None else {}),
               **({"amp": True} if amp else {})}
    phase("retrain", 0, len(best))
    retrained = []
    for i, trial in enumerate(best):
        metrics = task.evaluate(space.bind(trial.assignment), **options)
        retrained.append(Retrained(trial.number, trial.assignment,
                                   trial.metrics[task.objective], metrics))
        phase("retrain", i + 1, len(best))
    seconds["retrain"] = time.perf_counter() - clock
    return WeightSharingResult(study, retrained, model, log, seconds)


def task_data(task: Task) -> dict[str, Any]:
    """The task's ``{"train": (x, y), "val": (x, y), ...}`` tensors (its `load_data`)."""
    if task.load_data is None:  # a lookup table or a user's evaluator: nothing to train on
        raise ValueError(f"task `{task.name}` has no training data, so no shared model can "
                         "be trained for it; weight sharing needs digits or npz:PATH")
    return task.load_data()

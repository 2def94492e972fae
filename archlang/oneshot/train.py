"""Training a shared model (supernet or hypernetwork): sampled Arches, one step each batch.

Sampling strategies (``sampling=``):

* ``"fair"`` (the default; FairNAS, Chu et al.): ``m`` Arches per batch where each candidate
  of every decision appears equally often (``m`` is the largest number of candidates, at
  most 8); their gradients add up before the step.
* ``"uniform"`` (single-path one-shot, Guo et al.): one Arch per batch, each decision drawn
  uniformly, top-down.
* ``"sandwich"`` (BigNAS / slimmable networks): the largest and the smallest Arch (by
  parameters, among those the space walk bound) and one uniform Arch per batch. With
  ``distill=True`` (in-place distillation, BigNAS / Once-for-All) the largest learns from
  the labels and the others from its (detached) predictions.

The learning rate follows ``schedule=``: ``"constant"`` (the default) keeps `lr`,
``"cosine"`` anneals it to zero over the run (it ranked worse on the benchmark's ground
truth). Which of these rank best is measured, not
assumed: ``python benchmarks/bench_oneshot.py --ablation`` (benchmarks/README.md has the
figures that chose the defaults).

`train_shared(..., device=, amp=)` trains on a device `archlang.tasks.device.resolve`
checked (the model and the data move there; the batches are still drawn on the CPU from the
seeded generator, so a CUDA run sees the batches a CPU run does) and, with ``amp=True`` on
CUDA, autocasts the forward passes.

`train_shared` checkpoints to a folder every `checkpoint_every` steps (model, optimizer,
random states, losses) and, given the same folder again, resumes from the last checkpoint:
a killed run continues instead of restarting, and gives the same result it would have
given unbroken.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from archlang.diagnostics import ArchError

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.space import Space
    from archlang.oneshot.shared import SharedModel

CHECKPOINT = "shared_model.pt"
CHECKPOINT_FORMAT = "archlang.oneshot/1"
#: Arches a sampler keeps bound (binding costs about a millisecond)
BIND_CACHE = 4096
#: the most Arches a fair step trains (decisions with more candidates cycle through them)
FAIR_LIMIT = 8
#: what `train_shared` does unless told otherwise (chosen by bench_oneshot.py --ablation)
DEFAULT_SAMPLING = "fair"
DEFAULT_SCHEDULE = "constant"
SCHEDULES = ("constant", "cosine")

Data = dict[str, tuple[torch.Tensor, torch.Tensor]]
OnStep = Callable[[int, int, float], None]


@dataclass
class TrainLog:
    """What a training run did: the mean loss of every step, from step 0."""

    steps: int
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    #: the step a checkpoint was resumed from (0 for a fresh run)
    resumed_from: int = 0


# ---------------------------------------------------------------- sampling


class Sampler:
    """Chooses the Arches of each training step; draws only from `self.rng`."""

    def __init__(self, model: SharedModel, seed: int) -> None:
        self.space: Space = model.space
        self.model = model
        self.rng = random.Random(seed)
        self._bound: dict[str, Arch] = {}

    def __call__(self) -> list[Arch]:
        raise NotImplementedError

    def bind(self, fixed: dict[str, Any] | None = None) -> Arch:
        """A uniformly drawn Arch that keeps `fixed`; members that fail to build are
        drawn again."""
        for _ in range(100):
            assignment = self.space.tree.sample(self.rng, fixed=fixed)
            key = json.dumps(assignment, sort_keys=True)
            if key in self._bound:
                return self._bound[key]
            try:
                arch = self.space.bind(assignment)
            except ArchError:
                fixed = None
                continue
            if len(self._bound) >= BIND_CACHE:
                self._bound.clear()
            self._bound[key] = arch
            return arch
        raise ValueError(f"100 random members of `{self.space.name}` failed to build")


class UniformSampler(Sampler):
    def __call__(self) -> list[Arch]:
        return [self.bind()]


class SandwichSampler(Sampler):
    def __init__(self, model: SharedModel, seed: int) -> None:
        super().__init__(model, seed)
        archs = model.layout.archs
        self.largest = max(archs, key=lambda a: a.params)
        self.smallest = min(archs, key=lambda a: a.params)

    def __call__(self) -> list[Arch]:
        return [self.largest, self.smallest, self.bind()]


class FairSampler(Sampler):
    def __call__(self) -> list[Arch]:
        decisions = [d for d in self.space.tree.decisions if d.finite]
        orders = {}
        for d in decisions:
            values = list(d.domain()) if d.cardinality() <= FAIR_LIMIT else None
            if values is not None:
                self.rng.shuffle(values)
                orders[d.key] = values
        m = max((len(v) for v in orders.values()), default=1)
        return [self.bind({k: v[j % len(v)] for k, v in orders.items()}) for j in range(m)]


SAMPLERS: dict[str, type[Sampler]] = {
    "uniform": UniformSampler, "sandwich": SandwichSampler, "fair": FairSampler}


def get_sampler(name: str, model: SharedModel, seed: int = 0) -> Sampler:
    try:
        return SAMPLERS[name](model, seed)
    except KeyError:
        raise ValueError(f"unknown sampling {name!r}; known: {', '.join(SAMPLERS)}") from None


# ---------------------------------------------------------------- training


def train_shared(model: SharedModel, data: Data, *, steps: int,
                 sampling: str = DEFAULT_SAMPLING, lr: float = 3e-3, batch_size: int = 64,
                 seed: int = 0, schedule: str = DEFAULT_SCHEDULE, distill: bool = False,
                 checkpoint_dir: str | Path | None = None, checkpoint_every: int = 100,
                 on_step: OnStep | None = None, device: str | None = None,
                 amp: bool = False) -> TrainLog:
    """Train `model` for `steps` batches of ``data["train"]`` (cross-entropy, Adam).

    `sampling`, `schedule` and `distill`: see the module docstring. With `checkpoint_dir`,
    resumes from a checkpoint there (made with the same settings) and writes one every
    `checkpoint_every` steps and at the end. `device` and `amp`: see the module docstring
    (the model is left on `device`).
    """
    from archlang.tasks.device import autocast, grad_scaler, pick

    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; known: {', '.join(SCHEDULES)}")
    if distill and sampling != "sandwich":
        raise ValueError("distill=True needs sampling='sandwich' (the largest Arch teaches)")
    where = pick(device)
    model.to(where)
    x, y = (t.to(where) for t in data["train"])
    sampler = get_sampler(sampling, model, seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    scaler = grad_scaler(where, amp)
    config = {**model.settings(), "sampling": sampling, "lr": lr, "batch_size": batch_size,
              "seed": seed, "schedule": schedule, "distill": distill,
              **({"steps": steps} if schedule == "cosine" else {})}  # its rates depend on it
    log = TrainLog(steps)
    path = Path(checkpoint_dir) / CHECKPOINT if checkpoint_dir is not None else None
    if path is not None and path.exists():
        _restore(path, config, model, opt, sampler, log, where)
    if log.resumed_from == 0:
        torch.manual_seed(seed)  # dropout; a resumed run restores the generator instead
    start = time.perf_counter()
    model.train()
    for step in range(log.resumed_from, steps):
        xb, yb = _batch(x, y, step, batch_size, seed)
        archs = sampler()
        for group in opt.param_groups:  # a function of the step, so resuming keeps it
            group["lr"] = _rate(lr, schedule, step, steps)
        opt.zero_grad(set_to_none=True)
        total, teacher = 0.0, None
        for arch in archs:
            with autocast(where, amp):
                logits = model(xb, arch=arch)
                if teacher is None:
                    loss = F.cross_entropy(logits, yb)
                else:
                    loss = F.kl_div(F.log_softmax(logits.float(), dim=1), teacher,
                                    reduction="batchmean")
                loss = loss / len(archs)
            if distill and teacher is None:
                teacher = F.softmax(logits.detach().float(), dim=1)
            scaler.scale(loss).backward()
            total += loss.item()
        scaler.step(opt)
        scaler.update()
        log.losses.append(total)
        if on_step is not None:
            on_step(step + 1, steps, total)
        if path is not None and ((step + 1) % checkpoint_every == 0 or step + 1 == steps):
            _save(path, config, model, opt, sampler, log, step + 1)
    log.seconds += time.perf_counter() - start
    return log


def _rate(lr: float, schedule: str, step: int, steps: int) -> float:
    """The learning rate of `step`: cosine annealing to zero, or constant."""
    if schedule == "constant":
        return lr
    return lr * 0.5 * (1.0 + math.cos(math.pi * step / max(1, steps)))


def _batch(x: torch.Tensor, y: torch.Tensor, step: int, batch_size: int,
           seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch `step` of the epoch it falls in: a function of the step alone, so a resumed
    run sees the batches an unbroken one would."""
    per_epoch = max(1, len(x) // batch_size)
    epoch, i = divmod(step, per_epoch)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed * 7919 + epoch))
    idx = order[i * batch_size:(i + 1) * batch_size].to(x.device)
    return x[idx], y[idx]


def _save(path: Path, config: dict[str, Any], model: SharedModel, opt: Any,
          sampler: Sampler, log: TrainLog, step: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"format": CHECKPOINT_FORMAT, "config": config, "step": step,
             "model": model.state_dict(), "optimizer": opt.state_dict(),
             "sampler_rng": sampler.rng.getstate(), "torch_rng": torch.get_rng_state(),
             "losses": log.losses, "seconds": log.seconds}
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a kill while saving leaves the previous checkpoint whole


def _restore(path: Path, config: dict[str, Any], model: SharedModel, opt: Any,
             sampler: Sampler, log: TrainLog, device: str = "cpu") -> None:
    state = torch.load(path, weights_only=False, map_location=device)
    if state.get("format") != CHECKPOINT_FORMAT or state.get("config") != config:
        raise ValueError(
            f"{path} holds a checkpoint made with other settings "
            f"({state.get('config')}, now {config}); delete it or use another folder")
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    sampler.rng.setstate(state["sampler_rng"])
    torch.set_rng_state(state["torch_rng"].cpu())
    log.losses = list(state["losses"])
    log.resumed_from = state["step"]
    log.seconds = state.get("seconds", 0.0)

"""What a supernet and a hypernetwork have in common: run any Arch of a space with weights
that come from one shared model.

An Arch runs through *its own compiled module* (the class `arch.compile(nested=False)`
builds, from the same generated source: the flat form, whose state-dict keys name the
nodes), instantiated on the ``meta`` device so that it holds no memory, and
called with `torch.func.functional_call` on the tensors the shared model supplies for that
Arch (`tensors_for`). So the shared model runs exactly what the compiler emits, and
`export(arch)` returns that compiled module with those tensors copied in
(`export(arch, nested=True)`: the nested one, `arch.compile()`).

Batch-norm running statistics are buffers of the shared model, sliced per Arch like the
weights; `recalibrate(arch, batches)` recomputes them for one Arch before it is scored.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import torch
import torch.nn as nn

from archlang.oneshot.layout import Slot, WeightLayout, build_tensors

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.space import Space

#: default memory limit for the shared weights (with their optimizer copies)
DEFAULT_MAX_BYTES = 4 * 2**30
#: meta modules kept (each is a few kilobytes of Python objects)
RUNNER_CACHE = 4096


class SharingWarning(UserWarning):
    """Some candidates of a space cannot share weights and get their own."""


def slice_to(t: torch.Tensor, shape: tuple[int, ...], kernel: bool,
             lead: int = 0) -> torch.Tensor:
    """The Once-for-All slice of a bank tensor: a prefix of every dimension (first
    channels), except that a conv kernel's spatial dimensions are cropped at the centre.
    The first `lead` dimensions of `t` (a hypernet's rank) are kept whole."""
    index: list[slice] = [slice(None)] * lead
    for i, (have, want) in enumerate(zip(t.shape[lead:], shape)):
        start = (have - want) // 2 if kernel and i >= 2 else 0
        index.append(slice(start, start + want))
    return t[tuple(index)]


class SharedModel(nn.Module):
    """Base of `Supernet` and `HyperNet`: runs Arches of `space`; subclasses say where
    their trainable tensors come from (`trainable_for`).

    Args:
        space: the space whose Arches this model runs.
        layout: its `WeightLayout` (walked from the space when not given).
        max_bytes: refuse (`SupernetTooLargeError`) a model estimated to need more.
        seed: seeds the initial weights (the global torch generator is left as it was).
    """

    #: float32 copies of the bank a training run holds: weights, gradients, two Adam moments
    copies = 4
    what = "shared model"

    def __init__(self, space: Space, layout: WeightLayout | None = None, *,
                 max_bytes: int = DEFAULT_MAX_BYTES, seed: int = 0) -> None:
        super().__init__()
        self.space = space
        self.layout = layout if layout is not None else WeightLayout(space)
        self.layout.check_memory(max_bytes, self.copies * self.bank_factor, self.what)
        if self.layout.unshared:
            warnings.warn(
                f"{self.what} of `{space.name}`: what these places hold differs in op, "
                f"groups or rank across the space, so each kind gets its own weights: "
                f"{'; '.join(self.layout.unshared)}",
                SharingWarning, stacklevel=3)
        keys = sorted(self.layout.max_shapes)
        #: the trainable bank keys, in the order subclasses store their tensors
        self.weight_keys = [k for k in keys if k not in self.layout.buffers]
        self.weight_index = {k: i for i, k in enumerate(self.weight_keys)}
        self.buffer_index = {k: i for i, k in enumerate(k for k in keys
                                                        if k in self.layout.buffers)}
        self.seed = seed
        with torch.random.fork_rng():  # the same seed gives the same model, whatever ran before
            torch.manual_seed(seed)
            for key, i in self.buffer_index.items():
                self.register_buffer(f"buffer_{i}", self.initial(key))
            self.build()
        self._runners: OrderedDict[str, nn.Module] = OrderedDict()
        self.active: Arch | None = None

    #: how many bank-sized copies of the weights the model holds (a hypernet holds more)
    bank_factor = 1

    # ------------------------------------------------------------ subclasses

    def build(self) -> None:
        """Create the trainable tensors (called once, under the model's seed)."""
        raise NotImplementedError

    def settings(self) -> dict[str, object]:
        """What a checkpoint must match to be resumed into this model."""
        return {"model": type(self).__name__, "space": self.space.name,
                "tensors": len(self.weight_keys), "weights": self.layout.weights}

    def trainable_for(self, arch: Arch, slots: list[Slot]) -> dict[str, torch.Tensor]:
        """The trainable tensors of `arch` (not buffers), by state-dict key."""
        raise NotImplementedError

    def initial(self, key: str) -> torch.Tensor:
        """A bank tensor of the largest shape, initialised like the compiled module's own:
        its values are drawn from the freshly built largest instance of that tensor."""
        slot = self.layout.largest[key]
        tensors = dict(build_tensors(slot.init, slot.imports, "cpu"))
        seed = tensors[slot.tensor].reshape(-1).float()
        shape = self.layout.max_shapes[key]
        if seed.numel() == math.prod(shape):
            return seed.reshape(shape).clone()
        pick = torch.randint(seed.numel(), (math.prod(shape),))
        return seed[pick].reshape(shape).clone()

    # ------------------------------------------------------------ running an Arch

    def tensors_for(self, arch: Arch) -> dict[str, torch.Tensor]:
        """Every tensor of `arch`'s compiled module (weights and buffers), by key."""
        slots = self.layout.slots(arch)
        out = self.trainable_for(arch, [s for s in slots if not s.buffer])
        for s in slots:
            if s.buffer:
                bank = getattr(self, f"buffer_{self.buffer_index[s.bank_key]}")
                out[s.state_key] = slice_to(bank, s.shape, s.kernel)
        return out

    @contextlib.contextmanager
    def use(self, arch: Arch) -> Iterator[SharedModel]:
        """Within the block, ``model(x)`` runs `arch`."""
        before, self.active = self.active, arch
        try:
            yield self
        finally:
            self.active = before

    def forward(self, *inputs: torch.Tensor, arch: Arch | None = None) -> torch.Tensor:
        arch = arch if arch is not None else self.active
        if arch is None:
            raise ValueError("no active Arch: pass `arch=` or use `with model.use(arch):`")
        runner = self.runner(arch)
        runner.train(self.training)
        return torch.func.functional_call(runner, self.tensors_for(arch), inputs)

    def runner(self, arch: Arch) -> nn.Module:
        """`arch`'s compiled module on the meta device (cached by the Arch's hash)."""
        found = self._runners.get(arch.hash)
        if found is None:
            from archlang.compile.load import load_class

            with torch.device("meta"):
                found = load_class(arch.generated_flat)()
            self._runners[arch.hash] = found
            if len(self._runners) > RUNNER_CACHE:
                self._runners.popitem(last=False)
        else:
            self._runners.move_to_end(arch.hash)
        return found

    def export(self, arch: Arch, nested: bool = False) -> nn.Module:
        """`arch.compile(nested)` with this model's tensors for `arch` copied in: by default
        the flat form it runs (attributes named after the nodes), with ``nested=True`` the
        nested module (``layer1.0.conv1``)."""
        module = arch.compile(nested=nested)
        keys = {s.state_key: _nested_key(s, arch) if nested else s.state_key
                for s in self.layout.slots(arch)}
        with torch.no_grad():
            state = {keys[k]: v.detach().clone() for k, v in self.tensors_for(arch).items()}
        module.load_state_dict(state)
        return module

    def arch_params(self, arch: Arch) -> int:
        """Trainable numbers `arch` uses (equals `arch.params`)."""
        return sum(math.prod(s.shape) for s in self.layout.slots(arch) if not s.buffer)

    # ------------------------------------------------------------ batch norm

    @torch.no_grad()
    def recalibrate(self, arch: Arch, batches: Iterable[torch.Tensor]) -> None:
        """Recompute `arch`'s batch-norm statistics as exact averages over `batches`.

        Shared running statistics mix every Arch trained; an Arch's own are needed to score
        it in eval mode (Once-for-All, single-path one-shot)."""
        runner = self.runner(arch)
        norms = [m for m in runner.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms:
            return
        tensors = self.tensors_for(arch)
        for key, t in tensors.items():
            if key.endswith("running_mean") or key.endswith("num_batches_tracked"):
                t.zero_()
            elif key.endswith("running_var"):
                t.fill_(1.0)
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.momentum = None  # a cumulative average over the batches
        runner.train(True)
        try:
            for x in batches:
                torch.func.functional_call(runner, tensors, (x,))
        finally:
            for m, momentum in zip(norms, momenta):
                m.momentum = momentum


def _nested_key(slot: Slot, arch: Arch) -> str:
    """`slot`'s key in the nested module `arch.compile()` builds (the bank runs the flat one)."""
    module = arch.generated.module_of.get(slot.node, slot.node)
    return f"{module}.{slot.tensor}" if slot.tensor else module

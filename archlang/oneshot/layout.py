"""Which weights the Arches of a Space hold, where they can share, and how big they get.

The compiled module of an Arch owns one submodule (or `nn.Parameter`) per node with weights,
named after the node in the flat form the one-shot models run (`arch.compile(nested=False)`:
state-dict keys ``<node.name>.<tensor>``; `SharedModel.export` renames them for the nested
module). A
node's *instance path* (``repeat[1].residual.conv_bn.conv2d``) is stable across the Arches of
one space, so a tensor is shared under the *bank key* ``<path>:<op>[variant].<tensor>``:

* the same path and op with different sizes (width, kernel, in-channels) share one tensor,
  allocated at the largest shape over the space and sliced Once-for-All style (`slice_to`;
  the op's `Weights.kernels` say which tensors are conv kernels, cropped at the centre);
* different ops at one path (a layer choice between `conv2d` and `linear`), weights of one
  op that cannot be slices of one another (its `Weights.variant`: a depthwise or grouped
  conv next to a dense one), or tensors of different rank get separate weights, and
  `WeightLayout.unshared` lists them (the supernet warns once).

The largest shapes come from binding Arches without building any module: every Arch when the
space has at most `EXHAUSTIVE_LIMIT` members (exact), else a sweep that sets each value of
each decision against a few random and "largest numbers" backgrounds. `slots` checks every
Arch it is asked about against those maxima and says so if the sweep missed one.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchError, ArchLimitError
from archlang.ir.decisions import Assignment, iter_assignments
from archlang.ops.registry import get_op

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.graph import Node
    from archlang.ir.space import Space

#: spaces with at most this many members are walked member by member (exact maxima)
EXHAUSTIVE_LIMIT = 4096
#: bytes per weight (float32)
BYTES_PER_WEIGHT = 4

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Slot:
    """One tensor of one Arch's compiled module and where it lives in the shared bank."""

    state_key: str  # the key in `arch.compile(nested=False).state_dict()`
    bank_key: str
    shape: Shape
    buffer: bool  # running statistics, not trained by the optimizer
    init: str  # the constructor the compiler emits for the node (it initialises the tensor)
    imports: tuple[str, ...] = ()
    #: a conv kernel (the op's `Weights.kernels`): dimensions from the third on are cropped
    #: at the centre
    kernel: bool = False
    #: the tensor's name within its module (``weight``; "" for an `nn.Parameter` node)
    tensor: str = ""
    #: the node's name: `GeneratedModule.module_of` gives its module in the nested form
    node: str = ""


class SupernetTooLargeError(ArchLimitError):
    """The shared weights of a space would not fit the memory allowed for them."""

    code = "E610"


class WeightLayout:
    """The bank of a space: each shared tensor's largest shape, and each Arch's slots.

    Attributes:
        max_shapes: bank key -> the largest shape any Arch of the space uses.
        buffers: the bank keys that are buffers (batch-norm running statistics).
        unshared: one line per instance path whose candidates need separate weights.
        archs: the Arches bound while walking the space (sandwich sampling draws from them).
        exact: True when every member of the space was walked.
    """

    def __init__(self, space: Space, *, exhaustive_limit: int = EXHAUSTIVE_LIMIT,
                 sweep_backgrounds: int = 8, seed: int = 0) -> None:
        self.space = space
        self.max_shapes: dict[str, Shape] = {}
        self.buffers: set[str] = set()
        self._ops_at: dict[str, set[str]] = {}
        #: bank key -> the slot of the largest tensor seen there (it seeds initialisation)
        self.largest: dict[str, Slot] = {}
        self._slots: dict[str, list[Slot]] = {}
        size = space.size
        self.exact = isinstance(size, int) and size <= exhaustive_limit
        if self.exact:
            assignments = iter_assignments(space.tree)
        else:
            assignments = sweep_assignments(space, sweep_backgrounds, random.Random(seed))
        self.archs: list[Arch] = []
        seen: set[str] = set()
        for assignment in assignments:
            try:
                arch = space.bind(assignment)
            except ArchError:
                continue  # a member that cannot be built (a shape error, a `require`)
            if arch.hash in seen:
                continue
            seen.add(arch.hash)
            self.archs.append(arch)
            self._grow(self._arch_slots(arch))
        if not self.archs:
            raise ValueError(f"no member of network `{space.name}` could be built")

    # ------------------------------------------------------------ figures

    @property
    def weights(self) -> int:
        """Trainable numbers in the bank (buffers excluded)."""
        return sum(math.prod(s) for k, s in self.max_shapes.items() if k not in self.buffers)

    def estimate_bytes(self, copies: int = 1) -> int:
        """Bytes for `copies` float32 copies of every trainable tensor, plus the buffers."""
        buffers = sum(math.prod(s) for k, s in self.max_shapes.items() if k in self.buffers)
        return (self.weights * copies + buffers) * BYTES_PER_WEIGHT

    def check_memory(self, max_bytes: int, copies: int = 1, what: str = "supernet") -> None:
        """Raise `SupernetTooLargeError` before anything is allocated if it would not fit."""
        need = self.estimate_bytes(copies)
        if need > max_bytes:
            raise SupernetTooLargeError(
                f"the {what} of network `{self.space.name}` needs an estimated "
                f"{_gib(need)} ({self.weights:,} shared weights x {copies}), over the limit "
                f"of {_gib(max_bytes)}", self.space.network_def.span,
                hint="narrow the widest choices, or raise `max_bytes`")

    @property
    def unshared(self) -> list[str]:
        """Instance paths whose candidates use different ops (so separate weights)."""
        return [f"`{path}`: {', '.join(sorted(ops))}"
                for path, ops in sorted(self._ops_at.items()) if len(ops) > 1]

    # ------------------------------------------------------------ per Arch

    def slots(self, arch: Arch) -> list[Slot]:
        """The tensors of `arch`'s compiled module, checked against the bank's shapes."""
        found = self._slots.get(arch.hash)
        if found is None:
            found = self._arch_slots(arch)
            for slot in found:
                have = self.max_shapes.get(slot.bank_key)
                if have is None or not _fits(slot.shape, have):
                    raise ValueError(
                        f"this Arch needs weight `{slot.bank_key}` of shape "
                        f"{list(slot.shape)}, but the shared bank holds "
                        f"{list(have) if have else 'none'}: the sweep over a space of "
                        f"{self.space.size} members missed it; raise `exhaustive_limit`")
            self._slots[arch.hash] = found
        return found

    def _arch_slots(self, arch: Arch) -> list[Slot]:
        out = []
        for node in arch.graph.nodes:
            init, tensors = node_tensors(node)
            if not tensors:
                continue
            spec = get_op(node.op)
            assert spec is not None, node.op
            key = f"{node.path}:{node.op}{spec.variant(node.attrs, [x.shape for x in node.inputs])}"
            for name, shape, buffer in tensors:
                state_key = f"{node.name}.{name}" if name else node.name
                bank_key = f"{key}.{name}" if name else key
                if len(shape) != 0:
                    bank_key += f"/{len(shape)}d" if _rank_clash(self, bank_key, shape) else ""
                out.append(Slot(state_key, bank_key, shape, buffer, init or "", spec.imports,
                                kernel=name in spec.weights.kernels, tensor=name,
                                node=node.name))
        return out

    def _grow(self, slots: list[Slot]) -> None:
        for slot in slots:
            have = self.max_shapes.get(slot.bank_key)
            self.max_shapes[slot.bank_key] = (
                slot.shape if have is None else tuple(max(a, b) for a, b in
                                                      zip(have, slot.shape)))
            if slot.buffer:
                self.buffers.add(slot.bank_key)
            big = self.largest.get(slot.bank_key)
            if big is None or math.prod(slot.shape) > math.prod(big.shape):
                self.largest[slot.bank_key] = slot
            path, rest = slot.bank_key.split(":", 1)
            op = re.split(r"[./]", rest, maxsplit=1)[0]
            rank = f" ({rest.rsplit('/', 1)[1]})" if "/" in rest else ""
            self._ops_at.setdefault(path, set()).add(op + rank)


# ---------------------------------------------------------------- one node's tensors

_TENSORS: dict[str, tuple[str | None, list[tuple[str, Shape, bool]]]] = {}


def node_tensors(node: Node) -> tuple[str | None, list[tuple[str, Shape, bool]]]:
    """The constructor the compiler emits for `node` and ``(name, shape, is_buffer)`` of
    each tensor it makes. The constructor runs on the ``meta`` device: shapes, no memory.
    """
    spec = get_op(node.op)
    assert spec is not None, node.op
    in_shapes = [x.shape for x in node.inputs]
    signature = repr((node.op, sorted(node.attrs.items()), in_shapes))
    found = _TENSORS.get(signature)
    if found is None:
        init = spec.emit_init(node.attrs, in_shapes)
        found = (init, [] if init is None else build_tensors(init, spec.imports, "meta"))
        _TENSORS[signature] = found
    return found


def build_tensors(init: str, imports: tuple[str, ...], device: str) -> list[Any]:
    """Run an emitted constructor; ``(name, shape, is_buffer)`` of its tensors on "meta",
    ``{name: tensor}`` with the initial values on any other device."""
    import torch
    import torch.nn as nn

    namespace: dict[str, Any] = {"torch": torch, "nn": nn, "F": torch.nn.functional}
    for line in imports:
        exec(line, namespace)  # noqa: S102 - an op's own import line
    with torch.device(device):
        made = eval(init, namespace)  # noqa: S307 - the compiler's own expression
    named = ([("", made, False)] if isinstance(made, torch.Tensor) else
             [(k, v, False) for k, v in made.named_parameters()]
             + [(k, v, True) for k, v in made.named_buffers()])
    if device == "meta":
        return [(k, tuple(v.shape), b) for k, v, b in named]
    return [(k, v.detach()) for k, v, _ in named]


def _rank_clash(layout: WeightLayout, key: str, shape: Shape) -> bool:
    have = layout.max_shapes.get(key)
    return have is not None and len(have) != len(shape)


def _fits(shape: Shape, bank: Shape) -> bool:
    return len(shape) == len(bank) and all(a <= b for a, b in zip(shape, bank))


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**28 else f"{n / 2**20:.1f} MiB"


# ---------------------------------------------------------------- the sweep


def sweep_assignments(space: Space, backgrounds: int, rng: random.Random) -> list[Assignment]:
    """Each value of each decision set against `backgrounds` random assignments and one
    that takes the largest number everywhere (for spaces too large to walk)."""
    tree = space.tree
    bases = [largest_numbers(space, rng)] + [tree.sample(rng) for _ in range(backgrounds)]
    out = list(bases)
    for d in tree.decisions:
        for value in d.probe_values(rng):
            for base in bases:
                out.append(tree.sample(rng, fixed={**base, d.key: value}))
    return out


def largest_numbers(space: Space, rng: random.Random) -> Assignment:
    """An assignment taking the largest value of every numeric decision (random elsewhere)."""
    fixed: Assignment = {}
    for d in space.tree.decisions:
        largest = d.largest_number()
        if largest is not None:
            fixed[d.key] = largest
    return space.tree.sample(rng, fixed=fixed)

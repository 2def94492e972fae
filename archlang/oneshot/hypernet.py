"""A SMASH-style hypernetwork: an Arch's weights generated from its encoding.

SMASH (Brock et al., 2018) trains one network that maps an architecture's encoding to
that architecture's weights, and ranks architectures by their validation score with the
generated weights. Here the encoding (`ArchEncoder`: one-hot per decision) goes through a
small MLP to an embedding; from it, each shared tensor of the space gets ``rank``
coefficients, and its weight is

    W(arch) = B0 + sum_r c_r(arch) * B_r        (B0, B_r: tensors of the largest shape)

sliced to the Arch's shape as the supernet slices (first channels, centre of kernels). So
two Arches that differ in one decision get different weights everywhere the embedding
says they should, not only in the layers that decision touches; with ``rank = 0`` the
hypernet is a plain supernet. Batch-norm statistics are shared buffers, recalibrated per
Arch before it is scored.

    >>> import archlang, torch
    >>> from archlang.oneshot import HyperNet
    >>> space = archlang.parse('''
    ... network net() (x: [8]) {
    ...     return x -> linear(choice(16, 32)) -> relu() -> linear(2)
    ... }''').network()
    >>> hyper = HyperNet(space, rank=2, hidden=8)
    >>> arch = space.bind({"net.linear.out": 16})
    >>> [tuple(v.shape) for v in hyper.tensors_for(arch).values()]
    [(16, 8), (16,), (2, 16), (2,)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn as nn

from archlang.oneshot.encoding import ArchEncoder
from archlang.oneshot.layout import Slot
from archlang.oneshot.shared import SharedModel, slice_to

if TYPE_CHECKING:
    from archlang.ir.arch import Arch


class HyperNet(SharedModel):
    """Generates every weight of an Arch from the Arch's encoding; see the module docstring.

    Args:
        space, layout, max_bytes, seed: as `SharedModel`.
        rank: generated directions per tensor (the bank is held ``rank + 1`` times).
        hidden: width of the encoding's embedding.
    """

    what = "hypernetwork"

    def __init__(self, *args, rank: int = 4, hidden: int = 64,  # type: ignore[no-untyped-def]
                 **kwargs) -> None:
        self.rank = rank
        self.hidden = hidden
        self.bank_factor = rank + 1
        super().__init__(*args, **kwargs)

    def build(self) -> None:
        self.encoder = ArchEncoder(self.space)
        hidden = self.hidden
        self.embed = nn.Sequential(nn.Linear(max(self.encoder.size, 1), hidden), nn.ReLU(),
                                   nn.Linear(hidden, hidden), nn.ReLU())
        self.coefficients = nn.Linear(hidden, max(self.rank, 1) * len(self.weight_keys))
        nn.init.normal_(self.coefficients.weight, std=0.1)
        nn.init.zeros_(self.coefficients.bias)
        self.base = nn.ParameterList(nn.Parameter(self.initial(k)) for k in self.weight_keys)
        # the directions start at zero: the first Arches see B0, and the gradient of each
        # direction is its coefficient times B0's, so they grow where Arches disagree
        self.directions = nn.ParameterList(
            nn.Parameter(torch.zeros(self.rank, *self.layout.max_shapes[k]))
            for k in self.weight_keys) if self.rank else nn.ParameterList()

    def settings(self) -> dict[str, object]:
        return {**super().settings(), "rank": self.rank, "hidden": self.hidden}

    def embedding(self, arch: Arch) -> torch.Tensor:
        """The coefficients of every shared tensor for `arch`: ``(tensors, rank)``."""
        code = self.encoder.encode(arch.assignment) or [0.0]
        x = torch.tensor(code, dtype=torch.float32, device=self.coefficients.weight.device)
        return self.coefficients(self.embed(x)).view(len(self.weight_keys), -1)

    def trainable_for(self, arch: Arch, slots: list[Slot]) -> dict[str, torch.Tensor]:
        coeffs = self.embedding(arch) if self.rank else None
        out = {}
        for s in slots:
            i = self.weight_index[s.bank_key]
            weight = slice_to(self.base[i], s.shape, s.kernel)
            if coeffs is not None:
                dirs = slice_to(self.directions[i], s.shape, s.kernel, lead=1)
                weight = weight + torch.tensordot(coeffs[i], dirs, dims=1)
            out[s.state_key] = weight
        return out


"""The supernet: one bank of weights that runs any Arch of a space (Once-for-All slicing).

    >>> import archlang, torch
    >>> from archlang.oneshot import Supernet
    >>> space = archlang.parse('''
    ... network net() (x: [8]) {
    ...     return x -> linear(choice(16, 32)) -> relu() -> linear(2)
    ... }''').network()
    >>> supernet = Supernet(space)
    >>> supernet.weights, max(a.params for a in supernet.layout.archs)
    (354, 354)
    >>> arch = space.bind({"net.linear.out": 16})
    >>> supernet(torch.zeros(3, 8), arch=arch).shape
    torch.Size([3, 2])

Each tensor of the space (see `archlang.oneshot.layout`) is one `nn.Parameter` of its
largest shape; an Arch uses the first channels of each and the centre of each conv kernel,
so widths, kernel sizes and repeat counts share weights (repeat copy ``i`` is the same path
in every Arch that has it: a shallower Arch runs a prefix of the deepest stack). Input
choices and subsets need nothing: the Arch's graph already reads the chosen tensors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn as nn

from archlang.oneshot.layout import Slot
from archlang.oneshot.shared import SharedModel, slice_to

if TYPE_CHECKING:
    from archlang.ir.arch import Arch


class Supernet(SharedModel):
    """Shared weights for every Arch of a space; see the module docstring.

    Args: as `SharedModel` (space, layout, max_bytes, seed).
    """

    what = "supernet"

    def build(self) -> None:
        self.bank = nn.ParameterList(nn.Parameter(self.initial(k)) for k in self.weight_keys)

    @property
    def weights(self) -> int:
        """Trainable numbers in the supernet."""
        return self.layout.weights

    def trainable_for(self, arch: Arch, slots: list[Slot]) -> dict[str, torch.Tensor]:
        return {s.state_key: slice_to(self.bank[self.weight_index[s.bank_key]], s.shape, s.kernel)
                for s in slots}

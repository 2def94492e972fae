"""The supernet shares the weights of the ops issue 12 added (transposed conv, lstm/gru,
attention with its own head width): a sliced Arch computes what its exported module does."""

from __future__ import annotations

import pytest
import torch

import archlang
from archlang.oneshot import Supernet, WeightLayout

SPACES = {
    "conv_transpose2d": """
network up() (x: [4, 6, 6]) {
    h = x -> conv_transpose2d(choice(4, 8), choice(2, 4), stride = 2) -> relu()
    return h -> global_avgpool() -> linear(3)
}""",
    "lstm": """
network seq() (x: [5, 3]) {
    return x -> lstm(choice(4, 6), layers = choice(1, 2), last = true) -> linear(2)
}""",
    "gru": """
network seq() (x: [5, 3]) {
    return x -> gru(choice(4, 6), bidirectional = true) -> mean(0) -> linear(2)
}""",
    "self_attention": """
network att() (x: [5, 8]) {
    return x -> self_attention(choice(1, 2), head_dim = choice(4, 6)) -> mean(0) -> linear(2)
}""",
}
INPUTS = {"conv_transpose2d": (2, 4, 6, 6), "lstm": (2, 5, 3), "gru": (2, 5, 3),
          "self_attention": (2, 5, 8)}


@pytest.mark.parametrize("op", sorted(SPACES))
def test_supernet_runs_every_arch_as_its_export(op):
    space = archlang.parse(SPACES[op]).network()
    supernet = Supernet(space).eval()
    x = torch.randn(*INPUTS[op])
    for seed in range(4):
        arch = space.sample(seed=seed)
        with torch.no_grad():
            torch.testing.assert_close(supernet(x, arch=arch), supernet.export(arch).eval()(x))


def test_stacked_gates_and_heads_keep_their_own_weights():
    """A smaller lstm hidden size or head layout is not a slice of a larger one."""
    for op in ("lstm", "self_attention"):
        keys = WeightLayout(archlang.parse(SPACES[op]).network()).max_shapes
        assert {k for k in keys if "[hidden=4]" in k or "[heads=1,head_dim=4]" in k}
        assert {k for k in keys if "[hidden=6]" in k or "[heads=2,head_dim=6]" in k}
    keys = WeightLayout(archlang.parse(SPACES["conv_transpose2d"]).network()).max_shapes
    weight = next(k for k in keys if k.endswith(":conv_transpose2d.weight"))
    assert keys[weight] == (4, 8, 4, 4)  # [in, out, kh, kw]: one bank, sliced and cropped

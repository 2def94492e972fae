"""examples/python/resnet18_space.py: a stdlib reference network made a space by rules."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import archlang

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python" / "resnet18_space.py"


@pytest.fixture(scope="module")
def example():
    return runpy.run_path(str(EXAMPLE))


def test_four_rules_make_resnet18_a_space(example):
    fixed, space = example["fixed"], example["space"]
    assert fixed.size == 1 and fixed.bind().params == 11_181_642  # torchvision's, 10 classes
    # per basic block (8): widen, dropout, two activations; the stem: activation and pool
    assert len(space.decisions) == 8 * 4 + 2
    assert space.size == 2 ** 8 * 2 ** 8 * 3 ** 16 * 3 * 2
    text = space.to_arch()
    again = archlang.parse(text).network("resnet18", classes=10)
    assert again.program.root.tree == space.program.root.tree
    assert "import" not in text and "block bottleneck" not in text  # self-contained, pruned
    for seed in range(3):
        assert again.sample(seed).hash == space.sample(seed).hash


@pytest.mark.slow
def test_a_member_compiles_and_runs_at_32x32(example):
    import torch

    arch = example["space"].sample(seed=0)
    out = arch.compile().eval()(torch.zeros(1, 3, 32, 32))
    assert tuple(out.shape) == (1, 10)

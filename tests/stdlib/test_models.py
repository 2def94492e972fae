"""The reference networks of the standard library against the torchvision-equivalent oracle
(benchmarks/reference_models.py): parameter counts, the shapes of `state_dict()` in order,
and equal outputs once the oracle's weights are loaded into the compiled module by position."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import archlang

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import reference_models as rm  # noqa: E402

MODELS = ROOT / "stdlib" / "models"

#: (file, network, oracle constructor, torchvision's parameter count at 1000 classes)
CASES = [
    ("resnet.arch", "resnet18", rm.resnet18, 11_689_512),
    ("resnet.arch", "resnet34", rm.resnet34, 21_797_672),
    ("resnet.arch", "resnet50", rm.resnet50, 25_557_032),
    ("mobilenet_v2.arch", "mobilenet_v2", rm.mobilenet_v2, 3_504_872),
]
IDS = [c[1] for c in CASES]
#: the compiled modules do not check the input size, and both families end in global
#: pooling, so a small input keeps the equivalence checks fast
SIZE = 64


_programs: dict[str, archlang.Program] = {}


def program(file: str) -> archlang.Program:
    if file not in _programs:
        _programs[file] = archlang.load(MODELS / file)
    return _programs[file]


def arch_of(file: str, net: str, **params):
    space = program(file).network(net, **params)
    assert space.decisions == [] and space.size == 1  # a reference network is one point
    return space.bind({})


def numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def randomize_batchnorm(module: nn.Module, seed: int = 0) -> None:
    """Give every batchnorm non-trivial statistics and affine terms, so that eval-mode
    outputs depend on each of them being loaded into the right place."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.1)


def load_by_position(compiled: nn.Module, oracle: nn.Module) -> None:
    state = dict(zip(compiled.state_dict().keys(), oracle.state_dict().values()))
    compiled.load_state_dict(state, strict=True)


@pytest.mark.parametrize("file,net,ctor,n_params", CASES, ids=IDS)
def test_parameter_count(file, net, ctor, n_params):
    arch = arch_of(file, net)
    assert arch.params == n_params
    assert arch.output_shape == (1000,)
    assert numel(arch.compile()) == n_params


@pytest.mark.parametrize("file,net,ctor,n_params", CASES, ids=IDS)
def test_state_dict_shapes_match_oracle(file, net, ctor, n_params):
    compiled = arch_of(file, net).compile()
    oracle = ctor()
    assert [tuple(v.shape) for v in compiled.state_dict().values()] == \
        [tuple(v.shape) for v in oracle.state_dict().values()]


@pytest.mark.parametrize("file,net,ctor,n_params", CASES, ids=IDS)
def test_outputs_match_oracle(file, net, ctor, n_params):
    torch.manual_seed(0)
    compiled = arch_of(file, net).compile()
    oracle = ctor()
    randomize_batchnorm(oracle)
    load_by_position(compiled, oracle)
    compiled.eval()
    oracle.eval()
    x = torch.randn(2, 3, SIZE, SIZE)
    with torch.no_grad():
        got, want = compiled(x), oracle(x)
    assert got.shape == want.shape == (2, 1000)
    assert torch.isfinite(want).all()
    assert torch.allclose(got, want, atol=1e-5)


def test_resnet_classes_parameter():
    arch = arch_of("resnet.arch", "resnet18", classes=10)
    assert arch.output_shape == (10,)
    assert arch.params == 11_689_512 - (512 * 1000 + 1000) + (512 * 10 + 10)


def test_resnet_projection_only_where_needed():
    """ResNet v1.5: the first block of stages 2-4 projects (stride 2); of the basic-block
    networks' stage 1 none does (64 -> 64); resnet50's stage 1 does (64 -> 256)."""
    def shortcut_convs(net):
        nodes = arch_of("resnet.arch", net).graph.nodes
        return [n.attrs["stride"] for n in nodes if n.op == "conv2d" and "shortcut" in n.path]

    assert shortcut_convs("resnet18") == [2, 2, 2]
    assert shortcut_convs("resnet34") == [2, 2, 2]
    assert shortcut_convs("resnet50") == [1, 2, 2, 2]


def test_mobilenet_v2_width_multiplier_matches_oracle():
    compiled = arch_of("mobilenet_v2.arch", "mobilenet_v2", width=0.5, classes=10).compile()
    oracle = rm.MobileNetV2(num_classes=10, width_mult=0.5)
    assert [tuple(v.shape) for v in compiled.state_dict().values()] == \
        [tuple(v.shape) for v in oracle.state_dict().values()]
    assert numel(compiled) == numel(oracle)


def test_models_import_from_user_code():
    """A user file can import a model file and build its networks by name."""
    prog = archlang.parse('import "stdlib/models/resnet.arch"\n')
    assert prog.network("resnet18").bind({}).params == 11_689_512


# ---------------------------------------------------------------- ViT


def test_vit_tiny_compiles_and_runs():
    arch = arch_of("vit.arch", "vit_tiny")
    assert arch.output_shape == (10,)
    model = arch.compile().eval()
    assert numel(model) == arch.params
    with torch.no_grad():
        out = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 10)
    assert torch.isfinite(out).all()


def test_vit_parameters_adapt():
    arch = arch_of("vit.arch", "vit_tiny", classes=5, dim=64, depth=2, heads=4, patch=8)
    model = arch.compile().eval()
    assert numel(model) == arch.params
    with torch.no_grad():
        out = model(torch.randn(3, 3, 32, 32))
    assert out.shape == (3, 5)
    # 16 patches + the class token, each 64 wide
    pos = [p for p in model.parameters() if tuple(p.shape) == (1, 17, 64)]
    assert len(pos) == 1

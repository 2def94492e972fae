"""The blocks of stdlib/blocks.arch: each compiles in a tiny network and runs with the shape
the elaborator inferred; the residual blocks compute what the oracle's torchvision-style
blocks compute; and every block is documented."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import archlang

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import reference_models as rm  # noqa: E402

BLOCKS = ROOT / "stdlib" / "blocks.arch"


def net(body: str, shape: str) -> archlang.Arch:
    """`body` applied to one input of `shape` in a network that imports the stdlib."""
    text = f'import "stdlib/blocks.arch"\nnetwork t() (x: {shape}) {{\n    return x -> {body}\n}}\n'
    return archlang.parse(text).network().bind({})


def numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


#: (layer applied to the input, input shape, expected output shape)
CASES = [
    ("conv_bn_relu(8)", "[4, 8, 8]", (8, 8, 8)),
    ("conv_bn_relu(8, k = 5, stride = 2)", "[4, 8, 8]", (8, 4, 4)),
    ("conv_bn_act(8)", "[4, 8, 8]", (8, 8, 8)),
    ("conv_bn_act(8, k = 1, act = hardswish())", "[4, 8, 8]", (8, 8, 8)),
    ("conv_bn_relu6(8, stride = 2, groups = 4)", "[4, 8, 8]", (8, 4, 4)),
    ("conv_bn(6, 1)", "[4, 8, 8]", (6, 8, 8)),
    ("shortcut(4)", "[4, 8, 8]", (4, 8, 8)),
    ("shortcut(8, stride = 2)", "[4, 8, 8]", (8, 4, 4)),
    ("basic_block(4)", "[4, 8, 8]", (4, 8, 8)),
    ("basic_block(8, stride = 2)", "[4, 8, 8]", (8, 4, 4)),
    ("bottleneck(2)", "[8, 8, 8]", (8, 8, 8)),
    ("bottleneck(4, stride = 2)", "[8, 8, 8]", (16, 4, 4)),
    ("bottleneck(4, expansion = 2)", "[8, 8, 8]", (8, 8, 8)),
    ("inverted_residual(8, expand = 1)", "[8, 8, 8]", (8, 8, 8)),
    ("inverted_residual(8)", "[8, 8, 8]", (8, 8, 8)),
    ("inverted_residual(12, stride = 2)", "[8, 8, 8]", (12, 4, 4)),
    ("squeeze_excite()", "[16, 5, 5]", (16, 5, 5)),
    ("squeeze_excite(ratio = 0.5, act = silu())", "[16, 5, 5]", (16, 5, 5)),
    ("mlp(16)", "[5, 8]", (5, 8)),
    ("mlp(16, out = 3, act = relu(), drop = 0.1)", "[8]", (3,)),
    ("encoder_block(2)", "[5, 8]", (5, 8)),
    ("encoder_block(4, mlp_ratio = 2, drop = 0.1)", "[7, 16]", (7, 16)),
]


@pytest.mark.parametrize("body,shape,out", CASES, ids=[c[0] for c in CASES])
def test_block_compiles_and_runs(body, shape, out):
    arch = net(body, shape)
    assert arch.output_shape == out
    model = arch.compile().eval()
    assert numel(model) == arch.params
    dims = [int(d) for d in shape.strip("[]").split(",")]
    with torch.no_grad():
        y = model(torch.randn(2, *dims))
    assert tuple(y.shape) == (2, *arch.output_shape)
    assert torch.isfinite(y).all()


def ops_of(arch: archlang.Arch) -> list[str]:
    return [n.op for n in arch.graph.nodes]


def test_projection_only_where_needed():
    assert ops_of(net("shortcut(4)", "[4, 8, 8]")) == []  # the input itself
    assert ops_of(net("basic_block(4)", "[4, 8, 8]")).count("conv2d") == 2
    assert ops_of(net("basic_block(8)", "[4, 8, 8]")).count("conv2d") == 3  # channels change
    assert ops_of(net("basic_block(4, stride = 2)", "[4, 8, 8]")).count("conv2d") == 3
    assert ops_of(net("bottleneck(2)", "[8, 8, 8]")).count("conv2d") == 3
    assert ops_of(net("bottleneck(2, stride = 2)", "[8, 8, 8]")).count("conv2d") == 4


def test_inverted_residual_structure():
    # expand == 1: no expansion conv; residual add where stride 1 and channels match
    assert ops_of(net("inverted_residual(8, expand = 1)", "[8, 8, 8]")).count("conv2d") == 2
    assert "add" in ops_of(net("inverted_residual(8, expand = 1)", "[8, 8, 8]"))
    assert "add" not in ops_of(net("inverted_residual(12)", "[8, 8, 8]"))
    assert "add" not in ops_of(net("inverted_residual(8, stride = 2)", "[8, 8, 8]"))
    convs = [n for n in net("inverted_residual(8)", "[8, 8, 8]").graph.nodes if n.op == "conv2d"]
    assert [(c.attrs["out"], c.attrs["k"], c.attrs["groups"]) for c in convs] == \
        [(48, 1, 1), (48, 3, 48), (8, 1, 1)]


def against_oracle(arch: archlang.Arch, oracle: nn.Module, x: torch.Tensor) -> None:
    """Load the oracle's state into the compiled block by position; outputs must agree."""
    compiled = arch.compile()
    assert [tuple(v.shape) for v in compiled.state_dict().values()] == \
        [tuple(v.shape) for v in oracle.state_dict().values()]
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in oracle.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)
    state = dict(zip(compiled.state_dict().keys(), oracle.state_dict().values()))
    compiled.load_state_dict(state, strict=True)
    compiled.eval()
    oracle.eval()
    with torch.no_grad():
        assert torch.allclose(compiled(x), oracle(x), atol=1e-5)


def downsample(cin: int, cout: int, stride: int) -> nn.Module:
    return nn.Sequential(rm.conv1x1(cin, cout, stride), nn.BatchNorm2d(cout))


@pytest.mark.parametrize("stride,cin,cout", [(1, 8, 8), (2, 4, 8), (1, 4, 8)])
def test_basic_block_matches_oracle(stride, cin, cout):
    torch.manual_seed(0)
    proj = downsample(cin, cout, stride) if stride != 1 or cin != cout else None
    oracle = rm.BasicBlock(cin, cout, stride, proj)
    arch = net(f"basic_block({cout}, stride = {stride})", f"[{cin}, 8, 8]")
    against_oracle(arch, oracle, torch.randn(2, cin, 8, 8))


@pytest.mark.parametrize("stride,cin,width", [(1, 16, 4), (2, 16, 4), (1, 8, 4)])
def test_bottleneck_matches_oracle(stride, cin, width):
    torch.manual_seed(0)
    proj = downsample(cin, 4 * width, stride) if stride != 1 or cin != 4 * width else None
    oracle = rm.Bottleneck(cin, width, stride, proj)
    arch = net(f"bottleneck({width}, stride = {stride})", f"[{cin}, 8, 8]")
    against_oracle(arch, oracle, torch.randn(2, cin, 8, 8))


@pytest.mark.parametrize("cin,cout,stride,t", [(8, 8, 1, 1), (8, 8, 1, 6), (8, 12, 2, 6),
                                               (16, 24, 1, 6)])
def test_inverted_residual_matches_oracle(cin, cout, stride, t):
    torch.manual_seed(0)
    oracle = rm.InvertedResidual(cin, cout, stride, t)
    arch = net(f"inverted_residual({cout}, stride = {stride}, expand = {t})", f"[{cin}, 8, 8]")
    against_oracle(arch, oracle, torch.randn(2, cin, 8, 8))


def test_squeeze_excite_computes_gate():
    arch = net("squeeze_excite()", "[16, 5, 5]")
    model = arch.compile().eval()
    w1, b1, w2, b2 = model.parameters()
    assert w1.shape == (8, 16, 1, 1)  # make_divisible(16 * 0.25, 8) = 8
    x = torch.randn(2, 16, 5, 5)
    s = x.mean(dim=(2, 3), keepdim=True)
    gate = torch.sigmoid(F.conv2d(F.relu(F.conv2d(s, w1, b1)), w2, b2))
    with torch.no_grad():
        assert torch.allclose(model(x), x * gate, atol=1e-6)


def test_encoder_block_matches_torch_pre_norm_layer():
    """encoder_block == nn.TransformerEncoderLayer(norm_first=True, gelu) in eval mode."""
    torch.manual_seed(0)
    d, heads = 16, 4
    ref = nn.TransformerEncoderLayer(d, heads, dim_feedforward=4 * d, dropout=0.0,
                                     activation="gelu", layer_norm_eps=1e-6, batch_first=True,
                                     norm_first=True).eval()
    for p in ref.parameters():  # leave no parameter at its (symmetric) default
        nn.init.normal_(p, std=0.2)
    theirs = dict(ref.state_dict())
    # ours: ln1, attention, ln2, fc1, fc2 (torchvision's EncoderBlock order)
    order = ["norm1.weight", "norm1.bias", "self_attn.in_proj_weight", "self_attn.in_proj_bias",
             "self_attn.out_proj.weight", "self_attn.out_proj.bias", "norm2.weight",
             "norm2.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
    model = net(f"encoder_block({heads})", f"[5, {d}]").compile().eval()
    keys = list(model.state_dict())
    assert len(keys) == len(order)
    model.load_state_dict({k: theirs[o] for k, o in zip(keys, order)}, strict=True)
    x = torch.randn(3, 5, d)
    with torch.no_grad():
        assert torch.allclose(model(x), ref(x), atol=1e-5)


def test_blocks_in_a_search_space():
    """Blocks work as choice candidates and inside searched repeats."""
    text = """import "stdlib/blocks.arch"
network t() (x: [8, 8, 8]) {
    h = x -> choice(basic_block(8), bottleneck(2, stride = choice(1, 2)),
                    inverted_residual(8, expand = choice(1, 6)))
    h = h -> repeat(int(0, 2)) { choice(squeeze_excite(), conv_bn_act(8, act = choice(relu(), hardswish()))) }
    return h -> global_avgpool() -> mlp(16, out = 3)
}
"""
    space = archlang.parse(text).network()
    assert space.size > 1
    for seed in range(6):
        arch = space.sample(seed)
        model = arch.compile().eval()
        assert numel(model) == arch.params
        with torch.no_grad():
            assert model(torch.randn(2, 8, 8, 8)).shape == (2, 3)


def test_every_block_is_documented():
    lines = BLOCKS.read_text(encoding="utf-8").splitlines()
    names = []
    for i, line in enumerate(lines):
        m = re.match(r"block (\w+)\(", line)
        if m:
            names.append(m.group(1))
            assert i > 0 and lines[i - 1].startswith("#"), f"block `{m.group(1)}` has no doc"
    assert {"conv_bn_relu", "conv_bn_act", "basic_block", "bottleneck", "inverted_residual",
            "squeeze_excite", "mlp", "encoder_block"} <= set(names)

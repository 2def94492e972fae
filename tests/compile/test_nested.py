"""Nested generated modules: torchvision's state_dict loads by name, `model.layer1[0].conv1`
exists, the flat form stays available, and `name = ...` mistakes are located diagnostics."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
import torch.fx
from torch import nn

import archlang
from archlang.diagnostics import ArchError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import reference_models as rm  # noqa: E402

CASES = [
    ("resnet.arch", "resnet18", rm.resnet18),
    ("resnet.arch", "resnet34", rm.resnet34),
    ("resnet.arch", "resnet50", rm.resnet50),
    ("mobilenet_v2.arch", "mobilenet_v2", rm.mobilenet_v2),
]


def _arch(file: str, net: str):
    return archlang.load(ROOT / "stdlib" / "models" / file).network(net).bind({})


def _randomize_batchnorm(module: nn.Module) -> None:
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)


@pytest.mark.parametrize("file,net,ctor", CASES, ids=[c[1] for c in CASES])
def test_torchvision_state_dict_loads_by_name(file, net, ctor) -> None:
    torch.manual_seed(0)
    compiled, oracle = _arch(file, net).compile().eval(), ctor().eval()
    _randomize_batchnorm(oracle)
    assert list(compiled.state_dict()) == list(oracle.state_dict())
    compiled.load_state_dict(oracle.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(compiled(x), oracle(x), atol=1e-5)


def test_resnet_modules_are_reachable_by_torchvision_names() -> None:
    model = _arch("resnet.arch", "resnet18").compile()
    assert isinstance(model.layer1[0].conv1, nn.Conv2d)
    assert isinstance(model.layer2[0].downsample[1], nn.BatchNorm2d)
    assert isinstance(model.fc, nn.Linear)
    assert not hasattr(model.layer1[0], "downsample")  # 64 -> 64, stride 1: no projection
    # a block instance is a module with its own forward
    x = torch.randn(1, 64, 8, 8)
    assert model.layer1[0](x).shape == (1, 64, 8, 8)
    mb = _arch("mobilenet_v2.arch", "mobilenet_v2").compile()
    assert isinstance(mb.features[0][0], nn.Conv2d)
    assert isinstance(mb.features[1].conv[0][0], nn.Conv2d)
    assert isinstance(mb.classifier[1], nn.Linear)


def test_equal_instances_share_a_class() -> None:
    src = _arch("resnet.arch", "resnet18").source()
    # layer1's two blocks are the same code; each later stage has a projecting first block
    assert src.count("class BasicBlock") == 7


def test_flat_form_is_kept_and_computes_the_same() -> None:
    arch = _arch("resnet.arch", "resnet18")
    nested, flat = arch.compile().eval(), arch.compile(nested=False).eval()
    assert "layer1.0.conv1.weight" in nested.state_dict()
    assert "resnet_stem_conv2d.weight" in flat.state_dict()
    flat.load_state_dict(dict(zip(flat.state_dict(), nested.state_dict().values())))
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(nested(x), flat(x), atol=1e-5)
    assert arch.source(nested=False).count("class ") == 1


def test_nested_module_traces_with_fx() -> None:
    model = _arch("mobilenet_v2.arch", "mobilenet_v2").compile().eval()
    traced = torch.fx.symbolic_trace(model)
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(traced(x), model(x))


def test_name_does_not_change_keys_or_hash() -> None:
    text = """
block unit(c: int) (x) {{ return x -> conv2d(c, choice(1, 3){k}) -> relu() }}
network n() (x: [3, 8, 8]) {{ return x -> unit(4{u}) }}
"""
    plain = archlang.parse(text.format(k="", u="")).network()
    named = archlang.parse(text.format(k=', name = "conv"', u=', name = "body"')).network()
    assert [d.key for d in plain.decisions] == [d.key for d in named.decisions]
    a, b = plain.bind({"n.unit.conv2d.k": 3}), named.bind({"n.unit.conv2d.k": 3})
    assert a.hash == b.hash
    assert isinstance(b.compile().body.conv, nn.Conv2d)


def test_call_with_name_none_joins_the_enclosing_module() -> None:
    arch = archlang.parse("""
block stem() { conv2d(4, 3, name = "conv1") }
network n() (x: [3, 8, 8]) { return x -> stem(name = none) -> global_avgpool() -> linear(2, name = "fc") }
""").network().bind()
    assert list(arch.compile().state_dict()) == ["conv1.weight", "conv1.bias", "fc.weight",
                                                 "fc.bias"]


@pytest.mark.parametrize("text,code", [
    ('network n() (x: [4]) { return x -> linear(2, name = 3) }', "E330"),
    ('network n() (x: [4]) { return x -> linear(2, name = "2fc") }', "E330"),
    ('network n() (x: [4]) { return x -> linear(2, name = none) }', "E330"),
    ('network n() (x: [4]) { return x -> linear(2, name = "fc") -> linear(2, name = "fc") }',
     "E331"),
])
def test_bad_names_are_located_diagnostics(text, code) -> None:
    with pytest.raises(ArchError) as info:
        archlang.parse(text).network().bind().source()
    assert info.value.diagnostic.code == code
    assert info.value.diagnostic.span.line == 1


def test_cli_compile_flat(tmp_path) -> None:
    from click.testing import CliRunner

    from archlang.cli import cli

    path = ROOT / "stdlib" / "models" / "resnet.arch"
    runner = CliRunner()
    nested = runner.invoke(cli, ["compile", str(path), "--network", "resnet18"])
    flat = runner.invoke(cli, ["compile", str(path), "--network", "resnet18", "--flat"])
    assert nested.exit_code == flat.exit_code == 0
    assert "class BasicBlock(nn.Module):" in nested.stdout
    assert "class BasicBlock" not in flat.stdout and "self.resnet_stem_conv2d" in flat.stdout

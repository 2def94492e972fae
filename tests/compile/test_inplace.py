"""In-place ops and freed intermediates in generated code.

The code generator emits `F.relu(x, inplace=True)`, `F.relu6(x, inplace=True)` and
`a.add_(b)` where the overwritten value is read by nothing else and its producer's backward
does not need it (conv, batchnorm, linear, add), and `del`s each intermediate after its last
use. These tests hold the numerics, training and tracing to the out-of-place meaning.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
import torch.fx
from torch import nn

import archlang

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import reference_models as rm  # noqa: E402

RESNET = ROOT / "stdlib" / "models" / "resnet.arch"
MOBILENET = ROOT / "stdlib" / "models" / "mobilenet_v2.arch"


def _arch(path: Path, net: str):
    return archlang.load(path).network(net).bind({})


def _forward_lines(src: str) -> list[str]:
    body = src[src.index("def forward"):src.index("def build")]
    return [line.split("  #")[0].strip() for line in body.splitlines()[1:]]


def _with_oracle_weights(compiled: nn.Module, oracle: nn.Module, seed: int = 0) -> None:
    """Non-trivial batchnorm statistics on the oracle, then its weights into `compiled`."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in oracle.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.1)
    state = dict(zip(compiled.state_dict().keys(), oracle.state_dict().values()))
    compiled.load_state_dict(state, strict=True)


@pytest.fixture(scope="module")
def resnet18_arch():
    return _arch(RESNET, "resnet18")


def test_resnet18_source_uses_inplace_relu_and_add(resnet18_arch) -> None:
    # the flat form has one line per layer instance (the nested one, one per class)
    lines = _forward_lines(resnet18_arch.source(nested=False))
    relus = [ln for ln in lines if "F.relu(" in ln]
    adds = [ln for ln in lines if ".add_(" in ln]
    assert relus and all("inplace=True" in ln for ln in relus)  # every relu follows bn or add
    assert len(adds) == 8  # one per basic block, summed into the main path's batchnorm output
    assert all(" + " not in ln for ln in lines)
    assert any(ln.endswith("; del resnet_stem_conv2d") for ln in lines)


def test_mobilenet_v2_source_uses_inplace_relu6_and_add() -> None:
    lines = _forward_lines(_arch(MOBILENET, "mobilenet_v2").source(nested=False))
    relu6 = [ln for ln in lines if "F.relu6(" in ln]
    assert relu6 and all("inplace=True" in ln for ln in relu6)
    # x + h: the block input x has two users; h (a batchnorm output) is the one overwritten
    assert len([ln for ln in lines if ".add_(" in ln]) == 10


def test_compiled_resnet18_matches_oracle(resnet18_arch) -> None:
    torch.manual_seed(0)
    compiled, oracle = resnet18_arch.compile().eval(), rm.resnet18().eval()
    _with_oracle_weights(compiled, oracle)
    x = torch.randn(2, 3, 64, 64)
    x0 = x.clone()
    with torch.no_grad():
        got, want = compiled(x), oracle(x)
    assert torch.equal(x, x0)  # the network input is never overwritten
    assert torch.allclose(got, want, atol=1e-5)


def test_compiled_resnet18_trains_like_the_oracle(resnet18_arch) -> None:
    """loss.backward() through in-place relu and add_: same loss, same gradients."""
    torch.manual_seed(0)
    compiled, oracle = resnet18_arch.compile().train(), rm.resnet18().train()
    _with_oracle_weights(compiled, oracle)
    x = torch.randn(4, 3, 32, 32, requires_grad=True)
    target = torch.tensor([1, 2, 3, 4])
    losses, grads = [], []
    for model in (compiled, oracle):
        x.grad = None
        loss = nn.functional.cross_entropy(model(x), target)
        loss.backward()
        losses.append(loss.detach())
        grads.append([p.grad.clone() for p in model.parameters()] + [x.grad.clone()])
    assert torch.allclose(losses[0], losses[1], atol=1e-5)
    assert len(grads[0]) == len(grads[1])
    for a, b in zip(grads[0], grads[1]):
        assert a.shape == b.shape
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-3)


TWO_USERS = """
network two_users() (x: [4]) {
    h = x -> linear(8)
    r = h -> relu()
    s = h -> relu6()
    return (r + h) + s
}
"""


def test_no_inplace_where_the_input_has_two_users() -> None:
    arch = archlang.parse(TWO_USERS).network().bind({})
    lines = _forward_lines(arch.source())
    assert "inplace=True" not in "\n".join(lines)  # h feeds relu, relu6 and an add
    # r + h: r is a relu output (relu's backward reads it), h has other users: no add_ there;
    # the outer sum overwrites its fresh left operand
    assert sum(".add_(" in ln for ln in lines) == 1
    torch.manual_seed(0)
    model = arch.compile()
    lin = next(m for m in model.modules() if isinstance(m, nn.Linear))
    x = torch.randn(3, 4)
    out = model(x)
    out.sum().backward()
    got = lin.weight.grad.clone()
    lin.weight.grad = None
    h = lin(x)
    (torch.relu(h) + h + torch.nn.functional.relu6(h)).sum().backward()
    assert torch.allclose(out, torch.relu(h) + h + torch.nn.functional.relu6(h))
    assert torch.allclose(got, lin.weight.grad)


NEVER_INPLACE = """
network never() (x: [4]) {
    a = x -> relu()
    b = a -> relu()
    c = b -> dropout(0.0) -> relu()
    p = parameter([4]) -> linear(4)
    return c + p
}
"""


def test_no_inplace_on_inputs_relu_outputs_aliases_or_unbatched_values() -> None:
    """relu of the network input; of a relu output (relu's backward reads it); of a dropout
    (an alias of its input); and `+` into a value computed from a `parameter` alone (its batch
    is 1)."""
    arch = archlang.parse(NEVER_INPLACE).network().bind({})
    src = "\n".join(_forward_lines(arch.source()))
    assert "inplace=True" not in src and ".add_(" not in src
    model = arch.compile().train()
    x = torch.randn(3, 4, requires_grad=True)
    x0 = x.detach().clone()
    model(x).sum().backward()
    assert torch.equal(x.detach(), x0)
    assert x.grad is not None


def test_symbolic_trace_still_works(resnet18_arch) -> None:
    torch.manual_seed(0)
    model = resnet18_arch.compile().eval()
    gm = torch.fx.symbolic_trace(model)
    targets = [n.target for n in gm.graph.nodes]
    assert "add_" in targets
    relus = [n for n in gm.graph.nodes if n.target is torch.nn.functional.relu]
    assert relus and all(n.kwargs.get("inplace") for n in relus)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(gm(x), model(x), atol=1e-6)


def test_forward_frees_intermediates(resnet18_arch) -> None:
    """Each intermediate is deleted after its last use; inputs and the output never are."""
    lines = _forward_lines(resnet18_arch.source(nested=False))
    deleted = [name.strip() for ln in lines if "; del " in ln
               for name in ln.split("; del ", 1)[1].split(",")]
    assigned = [ln.split(" = ", 1)[0] for ln in lines if " = " in ln]
    assert len(deleted) == len(set(deleted))
    assert "x" not in deleted and assigned[-1] not in deleted
    # everything else assigned is deleted exactly once
    assert set(deleted) == set(assigned[:-1])

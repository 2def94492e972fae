"""The primitive ops: shape rules agree with the PyTorch code they emit, parameter counts agree
with the built modules, and bad inputs raise `OpError`, never a torch error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from archlang.ops import REQUIRED, OpError, all_ops, get_op

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = {"torch": torch, "nn": nn, "F": F}
BATCH = 2

EXPECTED_OPS = """
    conv1d conv2d linear embedding batchnorm1d batchnorm2d layernorm groupnorm
    relu relu6 gelu silu sigmoid tanh hardswish softmax
    maxpool2d avgpool2d adaptive_avgpool2d global_avgpool mean
    flatten dropout identity zero reshape transpose select
    add mul concat self_attention parameter class_token
    hardsigmoid hardtanh leaky_relu elu conv_transpose2d upsample pad crop slice
    add_scalar sub_scalar rsub_scalar mul_scalar div_scalar lstm gru
""".split()


class Host(nn.Module):
    """Stands in for the generated module: the op's submodule lives at `self.m`."""

    def __init__(self, m: nn.Module | nn.Parameter | None) -> None:
        super().__init__()
        self.m = m


def bind(name: str, attrs: dict) -> dict:
    """What the elaborator hands an op: every parameter present, lists as tuples."""
    spec = get_op(name)
    assert spec is not None, name
    out = {}
    for p in spec.params:
        value = attrs.get(p.name, p.default)
        assert value is not REQUIRED, f"test case for `{name}` misses `{p.name}`"
        out[p.name] = tuple(value) if isinstance(value, list) else value
    assert set(attrs) <= set(out), f"unknown parameters {set(attrs) - set(out)}"
    return out


def make_input(name: str, attrs: dict, shape: tuple[int, ...]) -> torch.Tensor:
    if name == "embedding":
        return torch.randint(0, attrs["num"], (BATCH, *shape))
    return torch.randn(BATCH, *shape)


def build(name: str, attrs: dict, in_shapes: list[tuple[int, ...]]):
    """Infer the shape, build what `emit_init` emits, run what `emit_forward` emits."""
    spec, attrs = get_op(name), bind(name, attrs)
    out_shape = spec.infer_shape(attrs, in_shapes)
    init = spec.emit_init(attrs, in_shapes)
    host = Host(eval(init, NAMESPACE) if init else None)
    names = [f"x{i}" for i in range(len(in_shapes))]
    scope = {**NAMESPACE, "self": host}
    scope.update({n: make_input(name, attrs, s) for n, s in zip(names, in_shapes)})
    code = spec.emit_forward(names, attrs, "self.m" if init else None)
    return out_shape, eval(code, scope), host, attrs


CASES = [  # (op, attrs, input shapes)
    ("conv2d", {"out": 64, "k": 7, "stride": 2, "padding": 3, "bias": False}, [(3, 32, 32)]),
    ("conv2d", {"out": 8, "k": [3, 5], "padding": [1, 2]}, [(4, 9, 11)]),
    ("conv2d", {"out": 16, "k": 3, "padding": "same", "dilation": 2}, [(4, 10, 7)]),
    ("conv2d", {"out": 12, "k": 3, "stride": [2, 1], "groups": 4}, [(8, 10, 10)]),
    ("conv2d", {"out": 8, "k": 1}, [(8, 1, 1)]),
    ("conv2d", {"out": 6, "k": 4, "padding": "same"}, [(3, 5, 5)]),
    ("conv1d", {"out": 8, "k": 3}, [(4, 20)]),
    ("conv1d", {"out": 8, "k": 5, "stride": 2, "padding": 2, "groups": 2, "bias": False},
     [(4, 21)]),
    ("conv1d", {"out": 4, "k": [3], "padding": "same", "dilation": [3]}, [(2, 9)]),
    ("linear", {"out": 10}, [(32,)]),
    ("linear", {"out": 7, "bias": False}, [(5, 12)]),
    ("embedding", {"num": 100, "dim": 16}, [(9,)]),
    ("batchnorm2d", {}, [(8, 5, 5)]),
    ("batchnorm2d", {"eps": 1e-3, "momentum": 0.01, "affine": False}, [(3, 4, 4)]),
    ("batchnorm1d", {}, [(16,)]),
    ("batchnorm1d", {"affine": False}, [(6, 10)]),
    ("layernorm", {}, [(10, 32)]),
    ("layernorm", {"eps": 1e-6}, [(24,)]),
    ("groupnorm", {"groups": 4}, [(8, 6, 6)]),
    ("groupnorm", {"groups": 3, "eps": 1e-6}, [(9, 5)]),
    *[(act, {}, [(4, 5, 6)]) for act in ("relu", "relu6", "gelu", "silu", "sigmoid", "tanh")],
    ("hardswish", {}, [(7,)]),
    ("softmax", {}, [(3, 10)]),
    ("softmax", {"dim": 0}, [(3, 10)]),
    ("softmax", {"dim": -2}, [(4, 3, 2)]),
    ("maxpool2d", {"k": 3, "stride": 2, "padding": 1}, [(8, 16, 16)]),
    ("maxpool2d", {"k": 2}, [(3, 7, 9)]),
    ("avgpool2d", {"k": [2, 3], "stride": 1}, [(2, 5, 5)]),
    ("avgpool2d", {"k": 3, "stride": [2, 1], "padding": [1, 0]}, [(2, 6, 6)]),
    ("adaptive_avgpool2d", {"size": 1}, [(16, 7, 7)]),
    ("adaptive_avgpool2d", {"size": [2, 3]}, [(4, 9, 8)]),
    ("global_avgpool", {}, [(32, 7, 7)]),
    ("mean", {"dim": 0}, [(10, 16)]),
    ("mean", {"dim": [1, 2]}, [(8, 4, 4)]),
    ("mean", {"dim": -1}, [(3, 4, 5)]),
    ("flatten", {}, [(4, 3, 2)]),
    ("flatten", {"start": 1}, [(6, 4, 4)]),
    ("flatten", {"start": 0, "end": 1}, [(2, 3, 5)]),
    ("reshape", {"shape": [4, 6]}, [(24,)]),
    ("reshape", {"shape": [-1, 8]}, [(4, 4, 2)]),
    ("transpose", {}, [(6, 16)]),
    ("transpose", {"dim0": -1, "dim1": 0}, [(2, 3, 4)]),
    ("select", {"index": 0}, [(5, 8)]),
    ("select", {"index": -1, "dim": 1}, [(3, 4, 5)]),
    ("dropout", {}, [(10,)]),
    ("dropout", {"p": 0.0}, [(3, 3)]),
    ("identity", {}, [(2, 3)]),
    ("zero", {}, [(4, 5, 5)]),
    ("add", {}, [(8, 4, 4), (8, 4, 4)]),
    ("add", {}, [(5, 6), (1, 6), (5, 6)]),
    ("add", {}, [(3,)]),
    ("mul", {}, [(8, 4, 4), (8, 1, 1)]),
    ("concat", {}, [(3, 4, 4), (5, 4, 4)]),
    ("concat", {"dim": -1}, [(2, 3), (2, 1), (2, 4)]),
    ("self_attention", {"heads": 4}, [(10, 32)]),
    ("self_attention", {"heads": 1, "dropout": 0.1, "bias": False}, [(3, 8)]),
    ("parameter", {"shape": [10, 32]}, []),
    ("parameter", {"shape": [7], "init": "normal"}, []),
    ("class_token", {}, [(16, 32)]),
    ("class_token", {"init": "normal"}, [(1, 4)]),
    ("hardsigmoid", {}, [(4, 3)]),
    ("hardtanh", {"min_val": 0.0, "max_val": 6.0}, [(5,)]),
    ("leaky_relu", {"negative_slope": 0.2}, [(3, 4, 4)]),
    ("elu", {"alpha": 0.5}, [(6,)]),
    ("avgpool2d", {"k": 3, "stride": 1, "padding": 1, "count_include_pad": False}, [(2, 5, 5)]),
    ("conv_transpose2d", {"out": 4, "k": 2, "stride": 2}, [(8, 5, 5)]),
    ("conv_transpose2d", {"out": 6, "k": [3, 4], "stride": [2, 3], "padding": 1,
                          "output_padding": [1, 2], "groups": 2, "bias": False}, [(4, 3, 5)]),
    ("upsample", {"scale": 2}, [(3, 4, 5)]),
    ("upsample", {"size": [7, 9], "mode": "bilinear", "align_corners": True}, [(3, 4, 5)]),
    ("pad", {"padding": 1}, [(3, 4, 5)]),
    ("pad", {"padding": [1, 2, 0, 3], "mode": "reflect"}, [(3, 4, 5)]),
    ("pad", {"padding": [2, 1], "value": 1.5}, [(3, 4, 5)]),
    ("crop", {"size": [2, 3]}, [(3, 5, 6)]),
    ("slice", {"start": 1, "end": 3, "dim": -2}, [(3, 4, 5)]),
    ("slice", {"end": 2}, [(3, 4)]),
    ("add_scalar", {"value": 1}, [(3, 4)]),
    ("sub_scalar", {"value": 0.5}, [(3,)]),
    ("rsub_scalar", {"value": 1}, [(2, 2, 2)]),
    ("mul_scalar", {"value": -0.5}, [(3, 4)]),
    ("div_scalar", {"value": 2}, [(3, 4)]),
    ("self_attention", {"heads": 3, "head_dim": 5}, [(6, 8)]),
    ("self_attention", {"heads": 2, "head_dim": 4, "bias": False, "dropout": 0.1}, [(3, 6)]),
    ("lstm", {"hidden": 5}, [(7, 3)]),
    ("lstm", {"hidden": 4, "layers": 2, "bidirectional": True, "last": True}, [(6, 3)]),
    ("gru", {"hidden": 5, "last": True}, [(7, 3)]),
    ("gru", {"hidden": 3, "bidirectional": True}, [(4, 2)]),
]


def case_id(case) -> str:
    name, attrs, shapes = case
    return f"{name}-" + ",".join(f"{k}={v}" for k, v in attrs.items()) + f"-{shapes}"


@pytest.mark.parametrize("name,attrs,in_shapes", CASES, ids=[case_id(c) for c in CASES])
def test_emitted_code_matches_shape_and_params(name, attrs, in_shapes):
    torch.manual_seed(0)
    out_shape, y, host, attrs = build(name, attrs, in_shapes)
    batch = BATCH if in_shapes else 1  # a `parameter` is stored with a leading 1
    assert tuple(y.shape) == (batch, *out_shape)
    spec = get_op(name)
    assert spec.count_params(attrs, in_shapes) == sum(p.numel() for p in host.parameters())
    flops = spec.flops(attrs, in_shapes, out_shape)
    assert isinstance(flops, int) and flops >= 0


def test_every_op_has_a_case():
    assert set(all_ops()) <= {c[0] for c in CASES}


def test_all_expected_ops_registered():
    missing = set(EXPECTED_OPS) - set(all_ops())
    assert not missing


def test_registry_is_full_however_imported():
    code = "from archlang.ops.registry import OPS; assert 'conv2d' in OPS, sorted(OPS)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("name", sorted(all_ops()))
def test_op_is_documented(name):
    spec = get_op(name)
    assert spec.doc and "\n" not in spec.doc, f"`{name}` needs a one-line doc"
    assert f"{name}(" in spec.doc, "the doc ends with the op's signature"
    for p in spec.params:
        assert p.name in spec.doc, f"the doc of `{name}` does not mention `{p.name}`"
        assert p.kind.rstrip("?") in ("int", "float", "bool", "str", "ints", "shape", "any")


@pytest.mark.parametrize(
    "name,attrs,in_shape,code",
    [
        ("conv2d", {"out": 64, "k": 7, "stride": 2, "padding": 3, "bias": False}, (3, 224, 224),
         "nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)"),
        ("conv2d", {"out": 8, "k": [3, 3], "stride": [1, 1]}, (4, 8, 8), "nn.Conv2d(4, 8, 3)"),
        ("conv2d", {"out": 8, "k": [1, 3], "padding": "same"}, (4, 8, 8),
         "nn.Conv2d(4, 8, (1, 3), padding='same')"),
        ("conv1d", {"out": 8, "k": 3, "groups": 2}, (4, 8), "nn.Conv1d(4, 8, 3, groups=2)"),
        ("linear", {"out": 10}, (512,), "nn.Linear(512, 10)"),
        ("batchnorm2d", {"eps": 1e-3}, (8, 4, 4), "nn.BatchNorm2d(8, eps=0.001)"),
        ("batchnorm1d", {"momentum": 0.1}, (8,), "nn.BatchNorm1d(8)"),
        ("groupnorm", {"groups": 2}, (8, 4, 4), "nn.GroupNorm(2, 8)"),
        ("layernorm", {"eps": 1e-6}, (4, 16), "nn.LayerNorm(16, eps=1e-06)"),
        ("self_attention", {"heads": 8}, (4, 64),
         "nn.MultiheadAttention(64, 8, batch_first=True)"),
        ("embedding", {"num": 10, "dim": 3}, (5,), "nn.Embedding(10, 3)"),
    ],
)
def test_emit_init_reads_like_pytorch(name, attrs, in_shape, code):
    assert get_op(name).emit_init(bind(name, attrs), [in_shape]) == code


@pytest.mark.parametrize(
    "name,attrs,n_inputs,code",
    [
        ("relu", {}, 1, "F.relu(x0)"),
        ("softmax", {"dim": 0}, 1, "F.softmax(x0, dim=1)"),
        ("softmax", {}, 1, "F.softmax(x0, dim=-1)"),
        ("maxpool2d", {"k": 3, "stride": 2, "padding": 1}, 1,
         "F.max_pool2d(x0, 3, stride=2, padding=1)"),
        ("maxpool2d", {"k": 2, "stride": 2}, 1, "F.max_pool2d(x0, 2)"),
        ("avgpool2d", {"k": 2}, 1, "F.avg_pool2d(x0, 2)"),
        ("avgpool2d", {"k": [3], "stride": 3}, 1, "F.avg_pool2d(x0, 3)"),
        ("avgpool2d", {"k": [2, 3], "stride": [1, 1]}, 1, "F.avg_pool2d(x0, (2, 3), stride=1)"),
        ("mean", {"dim": 0}, 1, "x0.mean(dim=1)"),
        ("mean", {"dim": [1, -1]}, 1, "x0.mean(dim=(2, -1))"),
        ("transpose", {}, 1, "x0.transpose(1, 2)"),
        ("reshape", {"shape": [4, -1]}, 1, "x0.reshape(x0.shape[0], 4, -1)"),
        ("global_avgpool", {}, 1, "x0.mean(dim=(2, 3))"),
        ("flatten", {}, 1, "x0.flatten(1)"),
        ("dropout", {"p": 0.1}, 1, "F.dropout(x0, p=0.1, training=self.training)"),
        ("identity", {}, 1, "x0"),
        ("add", {}, 3, "x0 + x1 + x2"),
        ("concat", {"dim": 0}, 2, "torch.cat([x0, x1], dim=1)"),
        ("concat", {"dim": -1}, 2, "torch.cat([x0, x1], dim=-1)"),
        ("select", {"index": 0}, 1, "x0[:, 0]"),
    ],
)
def test_emit_forward_reads_like_pytorch(name, attrs, n_inputs, code):
    names = [f"x{i}" for i in range(n_inputs)]
    assert get_op(name).emit_forward(names, bind(name, attrs), None) == code


def test_learned_tensors_emit_parameters():
    param, token = get_op("parameter"), get_op("class_token")
    assert param.emit_init(bind("parameter", {"shape": [10, 32]}), []) == (
        "nn.Parameter(torch.zeros(1, 10, 32))")
    assert param.emit_init(bind("parameter", {"shape": [5], "init": "normal"}), []) == (
        "nn.Parameter(torch.randn(1, 5) * 0.02)")
    assert param.emit_forward([], bind("parameter", {"shape": [5]}), "self.pos") == "self.pos"
    assert token.emit_init(bind("class_token", {}), [(16, 32)]) == (
        "nn.Parameter(torch.zeros(1, 1, 32))")
    assert token.emit_forward(["x"], bind("class_token", {}), "self.cls") == (
        "torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)")


def test_flops_are_multiply_accumulates():
    conv, lin, attn = get_op("conv2d"), get_op("linear"), get_op("self_attention")
    a = bind("conv2d", {"out": 64, "k": 7, "stride": 2, "padding": 3})
    assert conv.flops(a, [(3, 224, 224)], (64, 112, 112)) == 64 * 112 * 112 * 3 * 7 * 7
    a = bind("conv2d", {"out": 32, "k": 3, "groups": 32, "padding": 1})
    assert conv.flops(a, [(32, 8, 8)], (32, 8, 8)) == 32 * 8 * 8 * 9
    assert lin.flops(bind("linear", {"out": 1000}), [(512,)], (1000,)) == 512_000
    a = bind("self_attention", {"heads": 2})
    assert attn.flops(a, [(3, 4)], (3, 4)) == 4 * 3 * 4 * 4 + 2 * 3 * 3 * 4
    assert get_op("relu").flops({}, [(4, 4)], (4, 4)) == 0


ERRORS = [  # (op, attrs, input shapes, kind, part of the message)
    ("conv2d", {"out": 8, "k": 3}, [(128,)], "shape",
     "`conv2d` expects a [C, H, W] input, but got [128]"),
    ("conv2d", {"out": 8, "k": 5}, [(3, 4, 4)], "shape", "output would be empty"),
    ("conv2d", {"out": 8, "k": 3, "dilation": 3}, [(3, 6, 6)], "shape", "output would be empty"),
    ("conv2d", {"out": 8, "k": 0}, [(3, 8, 8)], "param", "`k` must be positive, but got k=0"),
    ("conv2d", {"out": 8, "k": [3, 3, 3]}, [(3, 8, 8)], "param", "`k` takes 1 or 2 values"),
    ("conv2d", {"out": 8, "k": 3, "padding": "valid"}, [(3, 8, 8)], "param", "`padding` must be"),
    ("conv2d", {"out": 8, "k": 3, "padding": -1}, [(3, 8, 8)], "param", "`padding` must be"),
    ("conv2d", {"out": 8, "k": 3, "stride": 2, "padding": "same"}, [(3, 8, 8)], "param",
     "needs stride=1, but got stride=2"),
    ("conv2d", {"out": 8, "k": 3, "groups": 2}, [(3, 8, 8)], "shape",
     "groups=2, which does not divide the 3 input channels of [3, 8, 8]"),
    ("conv2d", {"out": 8, "k": 3, "groups": 3}, [(3, 8, 8)], "param", "does not divide out=8"),
    ("conv2d", {"out": 8, "k": 3}, [(3, 8, 8), (3, 8, 8)], "shape", "takes 1 input, but got 2"),
    ("conv1d", {"out": 8, "k": 3}, [(3, 8, 8)], "shape", "expects a [C, L] input"),
    ("conv1d", {"out": 8, "k": 9}, [(3, 8)], "shape", "output would be empty"),
    ("linear", {"out": 10}, [(64, 8, 8)], "shape", "`linear` expects a [D] or [L, D] input"),
    ("linear", {"out": 0}, [(64,)], "param", "`out` must be positive, but got out=0"),
    ("embedding", {"num": 10, "dim": 4}, [(3, 4)], "shape", "expects a [L] (token ids) input"),
    ("batchnorm2d", {}, [(16,)], "shape", "`batchnorm2d` expects a [C, H, W] input, but got [16]"),
    ("batchnorm1d", {}, [(4, 4, 4)], "shape", "expects a [C] or [C, L] input"),
    ("batchnorm2d", {"eps": 0.0}, [(4, 4, 4)], "param", "`eps` must be positive"),
    ("groupnorm", {"groups": 3}, [(8, 4, 4)], "shape", "groups=3, which does not divide the 8"),
    ("softmax", {"dim": 2}, [(3, 10)], "shape", "dim=2, but its input [3, 10] has 2 dimensions"),
    ("maxpool2d", {"k": 3}, [(8, 2, 2)], "shape", "output would be empty"),
    ("maxpool2d", {"k": 3, "padding": 2}, [(8, 9, 9)], "param", "at most half of `k`"),
    ("avgpool2d", {"k": 2}, [(10, 16)], "shape", "`avgpool2d` expects a [C, H, W] input"),
    ("maxpool2d", {"k": 2, "stride": 0}, [(3, 4, 4)], "param", "`stride` must be positive"),
    ("adaptive_avgpool2d", {"size": 0}, [(3, 4, 4)], "param", "`size` must be positive"),
    ("global_avgpool", {}, [(10, 16)], "shape", "expects a [C, H, W] input, but got [10, 16]"),
    ("mean", {"dim": [0, 1]}, [(3, 4)], "shape", "would leave a scalar"),
    ("mean", {"dim": [1, -1]}, [(3, 4)], "param", "names a dimension twice"),
    ("mean", {"dim": 3}, [(3, 4)], "shape", "got dim=3"),
    ("flatten", {"start": 2, "end": 1}, [(3, 4, 5)], "param", "after end"),
    ("reshape", {"shape": [5, 5]}, [(24,)], "shape", "cannot make [5, 5] from [24]"),
    ("reshape", {"shape": [-1, 5]}, [(24,)], "shape", "cannot make"),
    ("reshape", {"shape": [-1, -1]}, [(24,)], "param", "at most one -1"),
    ("transpose", {"dim0": 0, "dim1": 2}, [(3, 4)], "shape", "dim1=2"),
    ("select", {"index": 5}, [(5, 8)], "shape", "index=5"),
    ("select", {"index": 0}, [(5,)], "shape", "would leave a scalar"),
    ("dropout", {"p": 1.5}, [(4,)], "param", "`p` must be in [0, 1], but got p=1.5"),
    ("add", {}, [(64, 8, 8), (32, 8, 8)], "shape",
     "expects inputs of the same shape, but got [64, 8, 8], [32, 8, 8]"),
    ("add", {}, [(8, 4), (4,)], "shape", "same shape, but got [8, 4], [4]"),
    ("add", {}, [], "shape", "takes one or more inputs"),
    ("mul", {}, [(3, 2), (3, 4)], "shape", "same shape"),
    ("concat", {}, [(3, 4, 4), (3, 5, 4)], "shape", "match in every other dim"),
    ("concat", {}, [(3, 4), (3, 4, 1)], "shape", "match in every other dim"),
    ("self_attention", {"heads": 3}, [(10, 32)], "shape", "heads=3, which does not divide"),
    ("self_attention", {"heads": 2}, [(32,)], "shape", "expects a [L, D] input"),
    ("parameter", {"shape": [0, 4]}, [], "param", "`shape` must be positive"),
    ("parameter", {"shape": [4], "init": "xavier"}, [], "param", "`init` must be one of"),
    ("parameter", {"shape": [4]}, [(4,)], "shape", "takes 0 inputs, but got 1"),
    ("class_token", {}, [(16,)], "shape", "expects a [L, D] input"),
    ("hardtanh", {"min_val": 1.0, "max_val": 1.0}, [(4,)], "param", "must be below `max_val`"),
    ("elu", {"alpha": 0.0}, [(4,)], "param", "`alpha` must be positive"),
    ("conv_transpose2d", {"out": 4, "k": 3}, [(8, 5)], "shape", "expects a [C, H, W] input"),
    ("conv_transpose2d", {"out": 4, "k": 3, "stride": 2, "output_padding": 2}, [(8, 5, 5)],
     "param", "`output_padding` must be smaller"),
    ("conv_transpose2d", {"out": 4, "k": 1, "padding": 3}, [(8, 2, 2)], "shape",
     "output would be empty"),
    ("conv_transpose2d", {"out": 4, "k": 3, "groups": 3}, [(8, 5, 5)], "shape",
     "does not divide the 8 input channels"),
    ("upsample", {}, [(3, 4, 4)], "param", "takes one of `scale` and `size`, but got neither"),
    ("upsample", {"scale": 2, "size": 8}, [(3, 4, 4)], "param", "but got both"),
    ("upsample", {"scale": 2, "align_corners": True}, [(3, 4, 4)], "param",
     '`align_corners` needs mode="bilinear"'),
    ("upsample", {"scale": 2, "mode": "bicubic"}, [(3, 4, 4)], "param", "`mode` must be one of"),
    ("upsample", {"scale": 0.1}, [(3, 4, 4)], "shape", "output would be empty"),
    ("pad", {"padding": [1, 2, 3]}, [(3, 4, 4)], "param", "two widths per padded dim"),
    ("pad", {"padding": 1}, [(3, 4)], "shape", "an int `padding` pads H and W"),
    ("pad", {"padding": [4, 4], "mode": "reflect"}, [(3, 4)], "shape", "below the size"),
    ("pad", {"padding": [1, 1, 1, 1], "mode": "replicate"}, [(3, 4)], "shape",
     "pads every dim after the channels"),
    ("crop", {"size": [6, 2]}, [(3, 5, 5)], "shape", "needs an input at least that large"),
    ("slice", {"start": 3, "end": 3}, [(5, 4)], "shape", "is empty"),
    ("slice", {"dim": 2}, [(5, 4)], "shape", "got dim=2"),
    ("slice", {"step": 0}, [(5, 4)], "param", "`step` must be positive"),
    ("div_scalar", {"value": 0}, [(5, 4)], "param", "`value` must not be zero"),
    ("self_attention", {"heads": 2, "head_dim": 0}, [(3, 4)], "param",
     "`head_dim` must be positive"),
    ("lstm", {"hidden": 4}, [(3, 4, 4)], "shape", "`lstm` expects a [T, F] input"),
    ("gru", {"hidden": 0}, [(3, 4)], "param", "`hidden` must be positive"),
]


@pytest.mark.parametrize("name,attrs,in_shapes,kind,message", ERRORS,
                         ids=[case_id(e[:3]) for e in ERRORS])
def test_bad_input_raises_op_error(name, attrs, in_shapes, kind, message):
    with pytest.raises(OpError) as info:
        get_op(name).infer_shape(bind(name, attrs), in_shapes)
    assert info.value.kind == kind
    assert message in info.value.message
    assert info.value.message[0] in "`", "messages start with the op or parameter name"


def test_hints_point_at_the_fix():
    def hint(name, attrs, shapes):
        with pytest.raises(OpError) as info:
            get_op(name).infer_shape(bind(name, attrs), shapes)
        return info.value.hint or ""

    assert "flatten()" in hint("linear", {"out": 10}, [(64, 8, 8)])
    assert "global_avgpool()" in hint("linear", {"out": 10}, [(64, 8, 8)])
    assert "mean(0)" in hint("global_avgpool", {}, [(10, 16)])
    assert "conv1d" in hint("conv2d", {"out": 4, "k": 3}, [(3, 16)])
    assert "different numbers of dims" in hint("add", {}, [(8, 4), (4,)])
    assert "divisor of 6" in hint("groupnorm", {"groups": 4}, [(6, 2)])


def test_defaults_are_filled_when_left_out():
    """Ops tolerate attrs without defaulted parameters, in case a caller passes them sparse."""
    spec = get_op("conv2d")
    assert spec.infer_shape({"out": 8, "k": 3}, [(3, 8, 8)]) == (8, 6, 6)
    assert spec.emit_init({"out": 8, "k": 3}, [(3, 8, 8)]) == "nn.Conv2d(3, 8, 3)"
    assert spec.count_params({"out": 8, "k": 3}, [(3, 8, 8)]) == 8 * 27 + 8


def chain(x: tuple[int, ...], *layers: tuple) -> tuple[tuple[int, ...], int]:
    """Run shapes through `(op, attrs)` layers; return the final shape and the parameter total."""
    total = 0
    for name, attrs in layers:
        attrs = bind(name, attrs)
        total += get_op(name).count_params(attrs, [x])
        x = get_op(name).infer_shape(attrs, [x])
    return x, total


def test_resnet18_parameter_total_matches_torchvision():
    def conv_bn(out, k, stride=1):
        return [("conv2d", {"out": out, "k": k, "stride": stride, "padding": k // 2,
                            "bias": False}), ("batchnorm2d", {})]

    x, total = chain((3, 224, 224), *conv_bn(64, 7, 2),
                     ("maxpool2d", {"k": 3, "stride": 2, "padding": 1}))
    for width, stride in [(64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1),
                          (512, 2), (512, 1)]:
        y, body = chain(x, *conv_bn(width, 3, stride), *conv_bn(width, 3))
        _, skip = chain(x, *conv_bn(width, 1, stride)) if y != x else (x, 0)
        x, total = y, total + body + skip
    x, head = chain(x, ("global_avgpool", {}), ("linear", {"out": 1000}))
    assert x == (1000,) and total + head == 11_689_512


def agree_with_torch(name: str, attrs: dict, in_shape: tuple[int, ...]) -> None:
    """Either the shape rule rejects the input with `OpError`, or the emitted code runs and
    produces exactly the shape the rule promised."""
    try:
        get_op(name).infer_shape(bind(name, attrs), [in_shape])
    except OpError:
        return
    out_shape, y, _, _ = build(name, attrs, [in_shape])
    assert tuple(y.shape) == (BATCH, *out_shape)


pairs = st.one_of(st.integers(1, 4), st.lists(st.integers(1, 4), min_size=2, max_size=2))


@settings(max_examples=150, deadline=None)
@given(c=st.integers(1, 6), h=st.integers(1, 10), w=st.integers(1, 10), out=st.integers(1, 6),
       k=pairs, stride=pairs, dilation=pairs, groups=st.integers(1, 3),
       padding=st.one_of(st.integers(0, 3), st.just("same"),
                         st.lists(st.integers(0, 3), min_size=2, max_size=2)))
def test_conv2d_agrees_with_torch(c, h, w, out, k, stride, dilation, groups, padding):
    attrs = {"out": out, "k": k, "stride": stride, "padding": padding, "dilation": dilation,
             "groups": groups}
    agree_with_torch("conv2d", attrs, (c, h, w))


@settings(max_examples=80, deadline=None)
@given(c=st.integers(1, 4), n=st.integers(1, 12), k=st.integers(1, 5), stride=st.integers(1, 3),
       padding=st.one_of(st.integers(0, 3), st.just("same")), dilation=st.integers(1, 3))
def test_conv1d_agrees_with_torch(c, n, k, stride, padding, dilation):
    attrs = {"out": 2, "k": k, "stride": stride, "padding": padding, "dilation": dilation}
    agree_with_torch("conv1d", attrs, (c, n))


@settings(max_examples=150, deadline=None)
@given(op=st.sampled_from(["maxpool2d", "avgpool2d"]), h=st.integers(1, 9), w=st.integers(1, 9),
       k=pairs, stride=st.one_of(st.none(), pairs), padding=st.integers(0, 2))
def test_pools_agree_with_torch(op, h, w, k, stride, padding):
    agree_with_torch(op, {"k": k, "stride": stride, "padding": padding}, (2, h, w))


def test_passes_ask_the_op_its_tags():
    """What the canonical hash, `a + b` and the one-shot slicer used to infer from names."""
    from archlang.ops import op_for_infix

    merged = {n for n, s in all_ops().items() if s.commutative and s.associative}
    assert merged == {"add", "mul"}
    assert not get_op("concat").commutative
    assert get_op("identity").is_transparent({})
    assert get_op("dropout").is_transparent({"p": 0.0})
    assert not get_op("dropout").is_transparent({})  # p defaults to 0.5
    assert not get_op("relu").is_transparent({})
    assert op_for_infix("+").name == "add" and op_for_infix("*").name == "mul"
    assert op_for_infix("-") is None
    conv = get_op("conv2d")
    assert conv.weights.kernels == ("weight",) and get_op("linear").weights.kernels == ()
    assert conv.variant({"out": 8, "k": 3}, [(4, 8, 8)]) == ""
    assert conv.variant({"out": 8, "k": 3, "groups": 4}, [(4, 8, 8)]) == "[depthwise]"
    assert conv.variant({"out": 8, "k": 3, "groups": 2}, [(4, 8, 8)]) == "[groups=2]"


def test_output_shape_leaves_arity_and_parameters_to_the_caller():
    """`infer_shape` checks everything; `output_shape` (the elaborator's, after it checked the
    input count and each parameter at its place) runs only the op's own check and rule."""
    conv = get_op("conv2d")
    assert conv.output_shape(bind("conv2d", {"out": 8, "k": 3}), [(3, 8, 8)]) == (8, 6, 6)
    with pytest.raises(OpError, match="does not divide"):  # the op's own check still runs
        conv.output_shape(bind("conv2d", {"out": 8, "k": 3, "groups": 2}), [(3, 8, 8)])
    with pytest.raises(OpError, match="`k` must be positive"):
        conv.infer_shape(bind("conv2d", {"out": 8, "k": 0}), [(3, 8, 8)])

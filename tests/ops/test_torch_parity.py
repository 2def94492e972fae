"""The ops added for issue 12 against the PyTorch functions they stand for: the inferred shape
is the torch output's shape, and the emitted code computes what the torch function computes
(random shapes and arguments where a law holds for all of them)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import archlang
from archlang.ops import OpError, get_op

NAMESPACE = {"torch": torch, "nn": nn, "F": F}


class Host(nn.Module):
    def __init__(self, m: nn.Module | None) -> None:
        super().__init__()
        self.m = m


def run(name: str, attrs: dict, x: torch.Tensor) -> tuple[tuple[int, ...], torch.Tensor, Host]:
    """The shape the op promises, and what its emitted code computes on `x` (batch first)."""
    spec = get_op(name)
    attrs = spec.with_defaults(attrs)
    in_shapes = [tuple(x.shape[1:])]
    shape = spec.infer_shape(attrs, in_shapes)
    init = spec.emit_init(attrs, in_shapes)
    host = Host(eval(init, NAMESPACE) if init else None).eval()
    code = spec.emit_forward(["x"], attrs, "self.m" if init else None)
    with torch.no_grad():
        y = eval(code, {**NAMESPACE, "self": host, "x": x})
    assert tuple(y.shape) == (x.shape[0], *shape)
    assert spec.count_params(attrs, in_shapes) == sum(p.numel() for p in host.parameters())
    return shape, y, host


@settings(max_examples=60, deadline=None)
@given(c=st.integers(1, 3), h=st.integers(1, 7), w=st.integers(1, 7),
       scale=st.one_of(st.integers(1, 3), st.floats(0.5, 3.0)),
       mode=st.sampled_from(["nearest", "bilinear"]), corners=st.booleans())
def test_upsample_by_scale_is_interpolate(c, h, w, scale, mode, corners):
    x = torch.randn(2, c, h, w)
    attrs = {"scale": scale, "mode": mode, "align_corners": corners and mode == "bilinear"}
    try:
        _, y, _ = run("upsample", attrs, x)
    except OpError:
        assert min(math.floor(h * scale), math.floor(w * scale)) < 1
        return
    kw = {"align_corners": attrs["align_corners"]} if mode == "bilinear" else {}
    torch.testing.assert_close(y, F.interpolate(x, scale_factor=scale, mode=mode, **kw))


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 6), w=st.integers(1, 6), size=st.lists(st.integers(1, 9), min_size=2,
                                                                 max_size=2),
       mode=st.sampled_from(["nearest", "bilinear"]))
def test_upsample_to_size_is_interpolate(h, w, size, mode):
    x = torch.randn(2, 3, h, w)
    shape, y, _ = run("upsample", {"size": size, "mode": mode}, x)
    kw = {"align_corners": False} if mode == "bilinear" else {}
    torch.testing.assert_close(y, F.interpolate(x, size=tuple(size), mode=mode, **kw))
    assert shape == (3, *size)


pairs = st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=2, max_size=2))


@settings(max_examples=80, deadline=None)
@given(c=st.integers(1, 4), h=st.integers(1, 6), w=st.integers(1, 6), out=st.integers(1, 4),
       k=pairs, stride=pairs, dilation=pairs, padding=st.integers(0, 2),
       output_padding=st.integers(0, 2), groups=st.integers(1, 2), bias=st.booleans())
def test_conv_transpose2d_is_torch(c, h, w, out, k, stride, dilation, padding, output_padding,
                                   groups, bias):
    attrs = {"out": out, "k": k, "stride": stride, "dilation": dilation, "padding": padding,
             "output_padding": output_padding, "groups": groups, "bias": bias}
    x = torch.randn(2, c, h, w)
    try:
        _, y, host = run("conv_transpose2d", attrs, x)
    except OpError:
        return  # torch refuses these too: see test_conv_transpose2d_refusals_are_torchs
    ref = F.conv_transpose2d(x, host.m.weight, host.m.bias, stride=host.m.stride,
                             padding=host.m.padding, output_padding=host.m.output_padding,
                             groups=groups, dilation=host.m.dilation)
    torch.testing.assert_close(y, ref)
    assert host.m.weight.shape[:2] == (c, out // groups)  # the [in, out / groups, kh, kw] layout


@settings(max_examples=40, deadline=None)
@given(c=st.integers(1, 4), h=st.integers(1, 5), out=st.integers(1, 4), k=st.integers(1, 3),
       stride=st.integers(1, 3), padding=st.integers(0, 3), output_padding=st.integers(0, 2),
       groups=st.integers(1, 2))
def test_conv_transpose2d_refusals_are_torchs(c, h, out, k, stride, padding, output_padding,
                                              groups):
    """What the shape rule refuses, torch refuses; what it accepts, torch runs."""
    attrs = {"out": out, "k": k, "stride": stride, "padding": padding,
             "output_padding": output_padding, "groups": groups}
    spec = get_op("conv_transpose2d")
    try:
        spec.infer_shape(spec.with_defaults(attrs), [(c, h, h)])
        refused = False
    except OpError:
        refused = True
    try:
        m = nn.ConvTranspose2d(c, out, k, stride=stride, padding=padding,
                               output_padding=output_padding, groups=groups)
        y = m(torch.randn(1, c, h, h))
        torch_refused = y.numel() == 0
    except (RuntimeError, ValueError):
        torch_refused = True
    assert refused == torch_refused


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=3),
       mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]),
       widths=st.lists(st.integers(0, 4), min_size=2, max_size=4), value=st.floats(-2, 2))
def test_pad_is_f_pad(shape, mode, widths, value):
    x = torch.randn(2, *shape)
    attrs = {"padding": widths, "mode": mode, "value": value}
    try:
        _, y, _ = run("pad", attrs, x)
    except OpError:
        if mode != "constant" and len(widths) != 2 * (len(shape) - 1):
            return  # torch would take the batch for channels here (an unbatched input)
        with pytest.raises((RuntimeError, NotImplementedError, ValueError)):
            F.pad(x, tuple(widths), mode=mode, value=None if mode != "constant" else value)
            if value != 0:
                F.pad(x, tuple(widths), mode=mode, value=value)
        return
    kw = {"value": value} if mode == "constant" else {}
    torch.testing.assert_close(y, F.pad(x, tuple(widths), mode=mode, **kw))


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 8), w=st.integers(1, 8), data=st.data())
def test_crop_is_the_centre(h, w, data):
    ch, cw = data.draw(st.integers(1, h)), data.draw(st.integers(1, w))
    x = torch.randn(2, 3, h, w)
    _, y, _ = run("crop", {"size": [ch, cw]}, x)
    top, left = (h - ch) // 2, (w - cw) // 2
    # a crop is a pad by negative widths
    torch.testing.assert_close(y, F.pad(x, (-left, -(w - cw - left), -top, -(h - ch - top))))


@settings(max_examples=80, deadline=None)
@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=3), data=st.data())
def test_slice_is_python_slicing(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    start = data.draw(st.integers(-7, 7))
    end = data.draw(st.one_of(st.none(), st.integers(-7, 7)))
    step = data.draw(st.integers(1, 3))
    x = torch.randn(2, *shape)
    index = [slice(None)] * (len(shape) + 1)
    index[dim if dim < 0 else dim + 1] = slice(start, end, step)
    want = x[tuple(index)]
    try:
        _, y, _ = run("slice", {"start": start, "end": end, "dim": dim, "step": step}, x)
    except OpError:
        assert want.numel() == 0
        return
    torch.testing.assert_close(y, want)


@pytest.mark.parametrize("name,attrs,fn", [
    ("hardsigmoid", {}, F.hardsigmoid),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0},
     lambda x: F.hardtanh(x, min_val=-0.5, max_val=2.0)),
    ("leaky_relu", {"negative_slope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
    ("leaky_relu", {}, F.leaky_relu),
    ("elu", {"alpha": 0.3}, lambda x: F.elu(x, alpha=0.3)),
    ("add_scalar", {"value": 1}, lambda x: x + 1),
    ("sub_scalar", {"value": 0.25}, lambda x: x - 0.25),
    ("rsub_scalar", {"value": 1}, lambda x: 1 - x),
    ("mul_scalar", {"value": -0.5}, lambda x: x * -0.5),
    ("div_scalar", {"value": 3}, lambda x: x / 3),
])
def test_elementwise_ops_are_torchs(name, attrs, fn):
    x = torch.randn(2, 4, 5) * 4
    torch.testing.assert_close(run(name, attrs, x)[1], fn(x))


@settings(max_examples=40, deadline=None)
@given(c=st.integers(1, 3), h=st.integers(1, 7), k=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.integers(0, 2), include=st.booleans())
def test_avgpool2d_count_include_pad_is_torchs(c, h, k, stride, padding, include):
    x = torch.randn(2, c, h, h)
    attrs = {"k": k, "stride": stride, "padding": padding, "count_include_pad": include}
    try:
        _, y, _ = run("avgpool2d", attrs, x)
    except OpError:
        return
    want = F.avg_pool2d(x, k, stride=stride, padding=padding, count_include_pad=include)
    torch.testing.assert_close(y, want)


def test_avgpool2d_without_padding_counts_only_input_cells():
    x = torch.ones(1, 1, 3, 3)
    attrs = {"k": 3, "stride": 1, "padding": 1, "count_include_pad": False}
    assert run("avgpool2d", attrs, x)[1].eq(1).all()  # with the padding counted, corners: 4/9
    assert run("avgpool2d", {**attrs, "count_include_pad": True}, x)[1][0, 0, 0, 0] == 4 / 9


@pytest.mark.parametrize("heads,bias", [(1, True), (4, True), (2, False)])
def test_self_attention_with_head_dim_is_multihead_attention(heads, bias):
    """With heads x head_dim = D the op is nn.MultiheadAttention, weights copied across."""
    d = 8
    x = torch.randn(2, 5, d)
    _, y, host = run("self_attention", {"heads": heads, "head_dim": d // heads, "bias": bias}, x)
    mha = nn.MultiheadAttention(d, heads, bias=bias, batch_first=True).eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(host.m.qkv.weight)
        mha.out_proj.weight.copy_(host.m.proj.weight)
        if bias:
            mha.in_proj_bias.copy_(host.m.qkv.bias)
            mha.out_proj.bias.copy_(host.m.proj.bias)
        torch.testing.assert_close(y, mha(x, x, x, need_weights=False)[0])


@settings(max_examples=20, deadline=None)
@given(length=st.integers(1, 6), d=st.integers(1, 8), heads=st.integers(1, 4),
       head_dim=st.integers(1, 6))
def test_self_attention_head_width_is_free(length, d, heads, head_dim):
    x = torch.randn(2, length, d)
    _, y, host = run("self_attention", {"heads": heads, "head_dim": head_dim}, x)
    q, k, v = host.m.qkv(x).split(heads * head_dim, dim=-1)
    split = [t.reshape(2, length, heads, head_dim).transpose(1, 2) for t in (q, k, v)]
    att = torch.softmax(split[0] @ split[1].transpose(-1, -2) / math.sqrt(head_dim), -1)
    want = host.m.proj((att @ split[2]).transpose(1, 2).reshape(2, length, heads * head_dim))
    torch.testing.assert_close(y, want.detach())


@pytest.mark.parametrize("name", ["lstm", "gru"])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, False), (2, True)])
def test_recurrent_ops_are_torchs(name, layers, bidirectional):
    x = torch.randn(3, 7, 4)
    attrs = {"hidden": 5, "layers": layers, "bidirectional": bidirectional}
    _, seq, host = run(name, attrs, x)
    torch.manual_seed(0)
    with torch.no_grad():
        out, state = host.m(x)
    h_n = state[0] if name == "lstm" else state
    torch.testing.assert_close(seq, out)
    _, last, host2 = run(name, {**attrs, "last": True}, x)
    host2.m.load_state_dict(host.m.state_dict())
    with torch.no_grad():
        last = eval(get_op(name).emit_forward(["x"], get_op(name).with_defaults(
            {**attrs, "last": True}), "self.m"), {**NAMESPACE, "self": host, "x": x})
    want = torch.cat([h_n[-2], h_n[-1]], -1) if bidirectional else h_n[-1]
    torch.testing.assert_close(last, want)
    if not bidirectional:  # the last state is the last step of the output sequence
        torch.testing.assert_close(last, out[:, -1])


def test_omitted_defaults_keep_the_hash():
    """A parameter added later (count_include_pad, head_dim) leaves the hash of an Arch that
    does not use it as it was, and written at its default it hashes the same."""
    src = "network n() (x: [3, 8, 8]) { return x -> avgpool2d(3, 1, 1%s) -> flatten() }"
    plain = archlang.parse(src % "").network().bind()
    explicit = archlang.parse(src % ", count_include_pad = true").network().bind()
    other = archlang.parse(src % ", count_include_pad = false").network().bind()
    assert plain.hash == explicit.hash != other.hash

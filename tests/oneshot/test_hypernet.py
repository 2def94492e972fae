"""The hypernetwork generates weights of the right shapes, from the Arch's encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import archlang
from archlang.oneshot import ArchEncoder, HyperNet, WeightLayout

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(("file", "net"), [("digits.arch", "digits_cnn"),
                                           ("transformer.arch", "patch_transformer")])
def test_generated_weights_have_the_compiled_shapes_for_every_sampled_arch(file, net):
    space = archlang.load(EXAMPLES / file).network(net)
    hyper = HyperNet(space, WeightLayout(space, exhaustive_limit=0, sweep_backgrounds=2),
                     rank=2, hidden=16)
    for seed in range(4):
        arch = space.sample(seed=seed)
        want = {k: tuple(v.shape) for k, v in arch.compile(nested=False).state_dict().items()}
        got = {k: tuple(v.shape) for k, v in hyper.tensors_for(arch).items()}
        assert got == want
        assert sum(v.numel() for k, v in hyper.trainable_for(
            arch, [s for s in hyper.layout.slots(arch) if not s.buffer]).items()) == arch.params


def test_weights_depend_on_the_encoding_and_train_the_embedding(elastic):
    hyper = HyperNet(elastic, rank=2, hidden=8)
    with torch.no_grad():
        for d in hyper.directions:
            d.normal_()
    a = elastic.bind({"elastic.width": 16, "elastic.conv_bn_relu.k": 3, "elastic.repeat": 1,
                      "elastic.repeat[0].conv_bn_relu.k": 3})
    b = elastic.bind({"elastic.width": 16, "elastic.conv_bn_relu.k": 5, "elastic.repeat": 1,
                      "elastic.repeat[0].conv_bn_relu.k": 3})
    name = "linear.weight"  # a layer neither decision sizes still gets its own weights
    assert not torch.equal(hyper.tensors_for(a)[name], hyper.tensors_for(b)[name])
    hyper(torch.randn(4, 1, 8, 8), arch=a).sum().backward()
    assert hyper.embed[0].weight.grad is not None and hyper.embed[0].weight.grad.abs().sum() > 0


def test_encoding_is_one_hot_per_active_decision(elastic):
    encoder = ArchEncoder(elastic)
    # width (2) + stem k (2) + repeat (3 values) + three conditional kernels (2 each)
    assert encoder.size == 2 + 2 + 3 + 3 * 2
    code = encoder.encode({"elastic.width": 16, "elastic.conv_bn_relu.k": 3, "elastic.repeat": 1,
                           "elastic.repeat[0].conv_bn_relu.k": 1})
    assert code == [0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("kind", ["supernet", "hypernet"])
def test_the_same_seed_builds_the_same_model_whatever_ran_before(kind, elastic):
    from archlang.oneshot import build_shared_model

    torch.manual_seed(1)
    a = build_shared_model(elastic, kind, seed=3)
    torch.manual_seed(2)
    b = build_shared_model(elastic, kind, seed=3)
    state = torch.get_rng_state()
    c = build_shared_model(elastic, kind, seed=4)
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is left alone
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert any(not torch.equal(sa[k], sc[k]) for k in sa)

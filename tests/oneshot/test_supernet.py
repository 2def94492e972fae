"""The supernet runs exactly the compiled module of each Arch, with shared, sliced weights."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archlang
from archlang.diagnostics import ArchError
from archlang.oneshot import SharingWarning, Supernet, SupernetTooLargeError, WeightLayout
from archlang.oneshot.shared import slice_to
from archlang.search import iter_assignments
from archlang.testing.strategies import assignments

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NETWORKS = [(f.name, n.name) for f in sorted(EXAMPLES.glob("*.arch"))
            for n in archlang.load(f).networks()]


def inputs_for(arch, batch=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for node in arch.graph.inputs:
        if node.dtype == "long":
            out.append(torch.randint(0, 50, (batch, *node.shape), generator=g))
        else:
            out.append(torch.randn((batch, *node.shape), generator=g))
    return out


@pytest.mark.parametrize(("file", "net"), NETWORKS, ids=[f"{f}::{n}" for f, n in NETWORKS])
def test_slicing_equivalence(file, net):
    """Copy the active slices into `arch.compile()`'s module: both give the same outputs."""
    space = archlang.load(EXAMPLES / file).network(net)
    supernet = Supernet(space, WeightLayout(space, exhaustive_limit=0, sweep_backgrounds=2))
    with torch.no_grad():  # trained-looking weights: no slice may be left at its init
        for p in supernet.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    for seed in range(3):
        arch = space.sample(seed=seed)
        x = inputs_for(arch, seed=seed)
        supernet.recalibrate(arch, [inputs_for(arch, batch=8, seed=seed + 1)[0]])
        supernet.eval()
        standalone = supernet.export(arch).eval()
        with torch.no_grad():
            torch.testing.assert_close(supernet(*x, arch=arch), standalone(*x),
                                       rtol=1e-5, atol=1e-5)
        assert [tuple(t.shape) for t in standalone.state_dict().values()] == \
            [tuple(t.shape) for t in arch.compile().state_dict().values()]


def test_use_sets_the_active_arch(elastic):
    supernet = Supernet(elastic).eval()
    small, big = elastic.sample(seed=1), elastic.sample(seed=2)
    x = torch.randn(2, 1, 8, 8)
    with supernet.use(small):
        assert torch.equal(supernet(x), supernet(x, arch=small))
        with supernet.use(big):
            assert torch.equal(supernet(x), supernet(x, arch=big))
        assert torch.equal(supernet(x), supernet(x, arch=small))
    with pytest.raises(ValueError, match="no active Arch"):
        supernet(x)


def test_parameter_count_is_the_largest_archs_when_choices_differ_only_in_size(elastic):
    supernet = Supernet(elastic)
    largest = max(elastic.bind(a).params for a in iter_assignments(elastic.tree))
    assert supernet.layout.exact
    assert supernet.weights == largest
    assert sum(p.numel() for p in supernet.parameters()) == largest
    biggest = elastic.bind({"elastic.width": 16, "elastic.conv_bn_relu.k": 5, "elastic.repeat": 3,
                            **{f"elastic.repeat[{i}].conv_bn_relu.k": 3 for i in range(3)}})
    assert supernet.arch_params(biggest) == biggest.params == largest


def test_shallower_arches_run_a_prefix_of_the_deepest_stack(elastic):
    supernet = Supernet(elastic)
    one = elastic.bind({"elastic.width": 8, "elastic.conv_bn_relu.k": 3, "elastic.repeat": 1,
                        "elastic.repeat[0].conv_bn_relu.k": 3})
    three = elastic.bind({"elastic.width": 16, "elastic.conv_bn_relu.k": 5, "elastic.repeat": 3,
                          **{f"elastic.repeat[{i}].conv_bn_relu.k": 3 for i in range(3)}})
    keys_one = {s.bank_key for s in supernet.layout.slots(one)}
    keys_three = {s.bank_key for s in supernet.layout.slots(three)}
    assert keys_one < keys_three  # repeat[0] is the same tensor in both
    a, b = supernet.tensors_for(one), supernet.tensors_for(three)
    name = "repeat_0_conv_bn_relu_conv2d.weight"
    assert a[name].shape == (8, 8, 3, 3) and b[name].shape == (16, 16, 3, 3)
    assert torch.equal(a[name], b[name][:8, :8])


def test_kernels_are_cropped_at_the_centre():
    bank = torch.arange(5 * 5, dtype=torch.float32).reshape(1, 1, 5, 5)
    assert slice_to(bank, (1, 1, 3, 3), kernel=True).flatten().tolist() == \
        [6, 7, 8, 11, 12, 13, 16, 17, 18]
    assert slice_to(bank, (1, 1, 3, 3), kernel=False).flatten().tolist() == \
        [0, 1, 2, 5, 6, 7, 10, 11, 12]


def test_recalibration_sets_the_archs_own_batch_norm_statistics(elastic, digits_data):
    supernet = Supernet(elastic)
    arch = elastic.sample(seed=0)
    x = digits_data["train"][0][:64]
    supernet.recalibrate(arch, [x[:32], x[32:]])
    module = supernet.export(arch)
    stats = module.conv_bn_relu_batchnorm2d
    with torch.no_grad():
        features = module.conv_bn_relu_conv2d(x)
    torch.testing.assert_close(stats.running_mean, features.mean(dim=(0, 2, 3)),
                               rtol=1e-4, atol=1e-5)


INCOMPATIBLE = """
network mixed() (x: [1, 8, 8]) {
    c = choice(4, 8)
    h = x -> conv2d(c, 3, padding = 1) -> conv2d(c, 3, padding = 1, groups = choice(1, 4))
    return h -> global_avgpool() -> linear(10)
}
"""


def test_incompatible_candidates_get_separate_weights_and_a_warning():
    space = archlang.parse(INCOMPATIBLE).network()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        supernet = Supernet(space)
    messages = [str(w.message) for w in caught if issubclass(w.category, SharingWarning)]
    assert len(messages) == 1
    assert "`conv2d_1`: conv2d, conv2d[depthwise], conv2d[groups=4]" in messages[0]
    supernet.eval()
    for assignment in iter_assignments(space.tree):  # every member still runs exactly
        arch = space.bind(assignment)
        x = torch.randn(2, 1, 8, 8)
        with torch.no_grad():
            torch.testing.assert_close(supernet(x, arch=arch), supernet.export(arch).eval()(x))


def test_tensors_of_different_rank_at_one_place_are_kept_apart():
    space = archlang.parse("""
network r() (x: [2, 4]) {
    h = x -> choice(flatten(), identity())
    h = h + parameter(shape(h))
    return h -> flatten() -> linear(2)
}""").network()
    with pytest.warns(SharingWarning, match=r"`parameter`: parameter, parameter \(3d\)"):
        supernet = Supernet(space)
    assert supernet.layout.max_shapes["parameter:parameter"] == (1, 8)
    assert supernet.layout.max_shapes["parameter:parameter/3d"] == (1, 2, 4)
    for i in range(2):
        arch, x = space.bind({"r.choice": i}), torch.randn(3, 2, 4)
        torch.testing.assert_close(supernet(x, arch=arch), supernet.export(arch)(x))


def test_a_space_too_large_is_refused_before_allocating():
    space = archlang.parse("""
network huge() (x: [100000]) {
    return x -> linear(choice(50000, 100000)) -> linear(10)
}""", path="huge.arch").network()
    with pytest.raises(SupernetTooLargeError) as err:
        Supernet(space, max_bytes=2**30)
    text = err.value.render()
    assert "huge.arch:2:1" in text and "supernet of network `huge`" in text
    weights = 100000 * 100000 + 100000 + 100000 * 10 + 10  # the widest member, bias included
    assert f"{weights:,} shared weights x 4" in text
    assert f"{weights * 4 * 4 / 2**30:.2f} GiB" in text  # weights, grads, 2 Adam moments
    assert isinstance(err.value, ArchError)
    assert math.isclose(WeightLayout(space).estimate_bytes(4), weights * 16)


_DIGITS = archlang.load(EXAMPLES / "digits.arch").network()
_DIGITS_SUPERNET: list[Supernet] = []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assignment=assignments(_DIGITS), seed=st.integers(0, 2**16))
def test_any_digits_member_runs_as_its_compiled_module(assignment, seed):
    """Property: for every member (hypothesis draws them), train-mode outputs with batch
    statistics and eval-mode outputs both match the exported module's."""
    if not _DIGITS_SUPERNET:
        _DIGITS_SUPERNET.append(Supernet(_DIGITS, WeightLayout(_DIGITS, exhaustive_limit=0,
                                                               sweep_backgrounds=2)))
    supernet = _DIGITS_SUPERNET[0]
    arch = _DIGITS.bind(assignment)
    x = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(seed))
    standalone = supernet.export(arch)
    for train in (False, True):
        supernet.train(train)
        standalone.train(train)
        if arch.assignment["digits_cnn.dropout.p"] and train:
            continue  # dropout draws differ
        with torch.no_grad():
            torch.testing.assert_close(supernet(x, arch=arch), standalone(x))


def test_export_nested_gives_the_same_outputs_as_the_flat_export(elastic):
    supernet = Supernet(elastic).eval()
    arch = elastic.sample(seed=2)
    x = inputs_for(arch, seed=0)
    flat, nested = supernet.export(arch).eval(), supernet.export(arch, nested=True).eval()
    assert list(nested.state_dict()) == list(arch.compile().state_dict())
    with torch.no_grad():
        torch.testing.assert_close(flat(*x), nested(*x))

"""`x + zero(y)` is `x`: the bound graph drops zero terms and what only feeds a zero, and the
canonical hash and the parameter count follow (issue 13 item 6)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import archlang

ROOT = Path(__file__).resolve().parents[2]


def net(body: str) -> archlang.Arch:
    return archlang.parse(f"network n() (x: [4, 8, 8]) {{\n{body}\n}}").network().bind()


def test_a_zero_term_drops_out_of_a_sum_with_what_only_feeds_it():
    plain = net("    return x -> conv2d(4, 3, padding = 1)")
    summed = net("    h = x -> conv2d(4, 3, padding = 1)\n"
                 "    return h + (x -> conv2d(4, 5, padding = 2) -> zero())")
    assert summed.hash == plain.hash
    assert summed.params == plain.params == 4 * 4 * 9 + 4
    assert [n.op for n in summed.graph.nodes] == ["conv2d"]


def test_a_sum_of_zeros_is_a_zero_that_keeps_no_conv_alive():
    out = net("    a = x -> conv2d(4, 3, padding = 1) -> zero()\n"
              "    b = x -> conv2d(4, 5, padding = 2) -> zero()\n"
              "    return a + b")
    assert out.params == 0
    assert [n.op for n in out.graph.nodes] == ["zero"]
    assert out.graph.nodes[0].inputs == out.graph.inputs  # reads x's shape, not a conv
    assert out.hash == net("    return x -> zero()").hash


def test_a_zero_is_told_apart_by_its_shape():
    assert net("    return x -> zero()").hash != \
        net("    return x -> conv2d(8, 1) -> zero()").hash


def test_a_zero_that_a_sum_cannot_drop_keeps_its_shape_source():
    # zero(y) broadcasts x up to y's shape, so x + zero(y) is not x
    out = archlang.parse("""network n() (x: [4, 8, 8]) {
    s = x -> global_avgpool() -> reshape([4, 1, 1])
    return s + (x -> conv2d(4, 3, padding = 1) -> zero())
}""").network().bind()
    assert out.graph.output.op == "add" and out.graph.output.shape == (4, 8, 8)


def test_an_op_on_a_zero_is_kept():
    # conv(0) is its bias, not zero: only exact rewrites
    out = net("    return x -> zero() -> conv2d(4, 1)")
    assert [n.op for n in out.graph.nodes] == ["zero", "conv2d"] and out.params == 20


def test_sums_without_zeros_keep_their_hash_and_params():
    out = net("    return x + (x -> conv2d(4, 3, padding = 1))")
    assert [n.op for n in out.graph.nodes] == ["conv2d", "add"]


def test_the_generated_module_computes_the_simplified_sum():
    torch = pytest.importorskip("torch")
    out = net("    h = x -> conv2d(4, 3, padding = 1)\n"
              "    return h + (x -> conv2d(4, 5, padding = 2) -> zero())")
    model = out.compile()
    x = torch.randn(2, 4, 8, 8)
    assert torch.equal(model(x), model.conv2d(x))


@pytest.mark.slow
def test_nb201_distinct_cells():
    # 15,625 cells; 11,870 distinct hashes before the zero simplification. The published
    # 6,466 also counts an op applied to a zero-only node as zero, which is not exact here
    # (relu-conv-bn of zeros is the batchnorm's shift).
    space = archlang.load(ROOT / "examples" / "nb201_cell.arch").network("nb201")
    keys = [d.key for d in space.decisions]
    params: dict[str, set[int]] = {}
    for values in itertools.product(range(5), repeat=len(keys)):
        arch = space.bind(dict(zip(keys, values)))
        params.setdefault(arch.hash, set()).add(arch.params)
    assert len(params) == 6625
    assert all(len(p) == 1 for p in params.values())  # equal hashes, equal parameter counts

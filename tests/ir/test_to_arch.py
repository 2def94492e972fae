"""`Arch.to_arch()`: the decided network as `.arch`, keeping the source's blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

import archlang
from archlang.ir.specialize import decided_network, specialize
from archlang.syntax import ast as A
from archlang.syntax.format import format_module

ROOT = Path(__file__).resolve().parents[2]
SPACES = [
    ("examples/digits.arch", None), ("examples/nb201_cell.arch", None),
    ("examples/dag_inputs.arch", None), ("examples/transformer.arch", "token_transformer"),
    ("examples/transformer.arch", "patch_transformer"), ("examples/01_decided_cnn.arch", None),
]


def reparse(text: str, name: str) -> archlang.Space:
    return archlang.parse(text, path="<printed>").network(name)


@pytest.mark.parametrize("path,network", SPACES)
@pytest.mark.parametrize("seed", range(6))
def test_printed_member_is_the_same_network_with_blocks_kept(path: str, network: str | None,
                                                             seed: int) -> None:
    arch = archlang.load(ROOT / path).network(network).sample(seed)
    text = arch.to_arch()
    printed = reparse(text, arch.name)
    assert printed.decisions == []
    assert printed.bind().hash == arch.hash
    # the specialised form, not the straight-line fallback: some block survives by name
    assert "block " in text or "import " in text


def test_reference_network_prints_as_written() -> None:
    arch = archlang.load(ROOT / "stdlib/models/resnet.arch").network("resnet18").bind()
    text = arch.to_arch()
    assert "for (c, n, s) in resnet18_stages {" in text
    assert reparse(text, "resnet18").bind().hash == arch.hash


def test_different_decisions_in_instances_of_one_block_make_variants() -> None:
    space = archlang.parse("""
block unit() { linear(choice(4, 8)) }
network n() (x: [3]) { return x -> unit() -> unit() -> unit() }
""").network()
    arch = space.bind({"n.unit.linear.out": 4, "n.unit_1.linear.out": 8,
                       "n.unit_2.linear.out": 4})
    text = arch.to_arch()
    assert "block unit() {\n    linear(4)\n}" in text
    assert "block unit_2() {\n    linear(8)\n}" in text
    assert "x -> unit() -> unit_2() -> unit()" in text
    assert reparse(text, "n").bind().hash == arch.hash


def test_a_loop_whose_iterations_differ_is_unrolled() -> None:
    space = archlang.parse("""
network n() (x: [3]) {
    h = x
    for c in [4, 8] {
        h = h -> linear(c * choice(1, 2))
    }
    return h
}
""").network()
    arch = space.bind({"n.choice": 1, "n.choice_1": 2})
    text = arch.to_arch()
    assert "for c in [4] {" in text and "for c in [8] {" in text
    assert reparse(text, "n").bind().hash == arch.hash


def test_straight_line_form_is_the_same_network() -> None:
    arch = archlang.load(ROOT / "examples/digits.arch").network().sample(2)
    text = format_module(A.Module((decided_network(arch),)))
    assert reparse(text, arch.name).bind().hash == arch.hash
    assert specialize(arch).startswith("# `digits_cnn` with every decision fixed")

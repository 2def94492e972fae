"""What the diagrams must show: decisions as such in a space, shapes and counts in a member."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import archlang
from archlang.testing.spaces import CONDITIONAL_SPACES
from archlang.viz import arch_dot, render, space_dot
from archlang.viz.arch_diagram import block_path

ROOT = Path(__file__).resolve().parents[2]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def _labels(dot: str) -> list[str]:
    return re.findall(r'^\s*n\d+ \[label="((?:[^"\\]|\\.)*)"', dot, flags=re.M)


def _edges(dot: str, style: str | None = None) -> list[str]:
    lines = [ln for ln in dot.splitlines() if " -> " in ln]
    return [ln for ln in lines if style is None or f'style="{style}"' in ln]


def test_space_diagram_marks_every_decision_of_the_network_body() -> None:
    space = archlang.load(ROOT / "examples/digits.arch").network()
    dot = space_dot(space)
    for key in ("digits_cnn.width", "digits_cnn.conv_bn_relu.k", "digits_cnn.repeat",
                "digits_cnn.repeat[i].choice", "digits_cnn.pool", "digits_cnn.dropout.p"):
        assert f"◆ {key}" in dot
    assert 'label="repeat int(1, 3), ◆ digits_cnn.repeat"' in dot  # the repeat is a box
    chooser = next(lb for lb in _labels(dot) if lb.startswith("choice\\n"))
    assert "0: conv_bn_relu(width)\\n1: residual(width)" in chooser  # candidates, numbered
    # `width` is tied: one note, dotted edges to the two places that read it
    assert len(_edges(dot, "dotted")) == 3  # width -> stem, width -> repeat choice, pool


def test_input_choices_are_dashed_edges_from_every_candidate() -> None:
    space = archlang.load(ROOT / "examples/dag_inputs.arch").network()
    dot = space_dot(space)
    dashed = _edges(dot, "dashed")
    assert len(dashed) == 2 + 3 + 4  # choice(n0, n1), choice(n0, n1, n2), subset(2, n0..n3)
    assert sorted(re.search(r'label="(\d)"', e).group(1) for e in dashed) == sorted("01012" "0123")
    assert any(lb.startswith("subset(2)\\n◆ dag.in4") for lb in _labels(dot))


def test_member_diagram_counts_every_parameter_once() -> None:
    arch = archlang.load(ROOT / "examples/digits.arch").network().sample(3)
    dot = arch_dot(arch)
    layer_counts = [int(x.replace(",", "")) for lb in _labels(dot)
                    for x in re.findall(r"\] · ([\d,]+) params?$", lb)]
    assert sum(layer_counts) == arch.params
    boxes = [lb for lb in _labels(dot) if "(" in lb]
    assert len(boxes) == len(arch.graph.nodes)
    for n in arch.graph.nodes:  # each layer's output shape is printed
        assert f"[{', '.join(map(str, n.shape))}]" in dot


def test_depth_collapses_blocks_into_one_box_with_their_total() -> None:
    arch = archlang.load(ROOT / "stdlib/models/resnet.arch").network("resnet18").bind()
    full, top = arch_dot(arch), arch_dot(arch, depth=0)
    assert len(_labels(top)) < len(_labels(full)) / 3
    totals = [int(x.replace(",", "")) for lb in _labels(top)
              for x in re.findall(r"· ([\d,]+) params?$", lb)]
    assert sum(totals) == arch.params == 11_689_512
    assert "subgraph" not in top  # depth 0: no clusters left


def test_block_path_splits_instances_not_indices() -> None:
    assert block_path("repeat[0].residual.conv_bn.conv2d") == (
        "repeat[0]", "repeat[0].residual", "repeat[0].residual.conv_bn")
    assert block_path("linear") == ()


@settings(max_examples=len(CONDITIONAL_SPACES), deadline=None)
@given(st.sampled_from(CONDITIONAL_SPACES), st.integers(0, 50))
def test_any_space_and_member_give_well_formed_dot(case: tuple[str, int], seed: int) -> None:
    space = archlang.parse(case[0]).network()
    for dot in (space_dot(space), arch_dot(space.sample(seed))):
        assert dot.startswith('digraph "n" {') and dot.endswith("}\n")
        assert dot.count("{") == dot.count("}")
        ids = set(re.findall(r"^\s*(n\d+) \[", dot, flags=re.M))
        for tail, head in re.findall(r"(n\d+) -> (n\d+)", dot):
            assert tail in ids and head in ids


@needs_dot
def test_graphviz_renders_svg_and_png() -> None:
    arch = archlang.load(ROOT / "examples/digits.arch").network().sample(0)
    svg = render(arch_dot(arch), "svg").decode()
    assert "<svg" in svg and svg.count('class="node"') == len(arch.graph.nodes) + 2
    assert render(space_dot(arch.space), "png").startswith(b"\x89PNG")


SPACES = [(f, n.name) for f in sorted((ROOT / "examples").glob("*.arch"))
          for n in archlang.load(f).networks()]


@pytest.mark.parametrize(("file", "network"), SPACES, ids=[f"{f.stem}-{n}" for f, n in SPACES])
def test_space_diagram_names_every_decision(file: Path, network: str) -> None:
    space = archlang.load(file).network(network)
    dot = space_dot(space)
    for d in space.decisions:
        generic = re.sub(r"\[\d+\]", "[i]", d.key)
        assert f"◆ {generic}" in dot or f"↳ {generic}" in dot, d.key


def test_decisions_inside_blocks_are_listed_under_what_activates_them() -> None:
    dot = space_dot(archlang.load(ROOT / "examples/digits.arch").network())
    assert "↳ digits_cnn.repeat[i].residual.conv_bn_relu.k if 1" in dot
    block = """block inner() { linear(choice(4, 8)) }
    network n() (x: [4]) { return x -> inner() -> linear(2) }"""
    dot = space_dot(archlang.parse(block).network())
    assert 'label="decisions inside blocks:\\n◆ n.inner.linear.out"' in dot


def test_space_diagram_joins_branches_of_an_if_over_decisions_at_a_point() -> None:
    dot = space_dot(archlang.parse("""network n() (x: [4]) {
        w = choice(4, 8)
        h = x -> linear(8)
        if w > 4 {
            h = h -> relu()
        }
        return h -> linear(2)
    }""").network())
    ids = {lb: n for n, lb in re.findall(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"', dot, re.M)}
    join = ids[""]
    assert f"{ids['relu()']} -> {join}" in dot and f"{ids['linear(8)']} -> {join}" in dot
    assert f"{join} -> {ids['linear(2)']}" in dot
    assert 'label="if w > 4"' in dot


def test_space_diagram_of_a_for_loop_shows_what_each_iteration_reads() -> None:
    dot = space_dot(archlang.load(ROOT / "examples/nb201_cell.arch").network())
    ids = {lb: n for n, lb in re.findall(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"', dot, re.M)}
    cell, reduction = ids["cell(e1_0, e2_0, e2_1, e3_0, e3_1, e3_2)"], ids["reduction(width)"]
    assert f"{cell} -> {reduction}" in dot  # stage 2 reduces stage 1's cells
    assert f"{reduction} -> {cell}" in dot

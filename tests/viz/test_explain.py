"""`show --explain`: declarations, ties, activations and exact member counts per candidate."""

from __future__ import annotations

from pathlib import Path

import pytest

import archlang
from archlang.ir.decisions import cond_allows, iter_assignments
from archlang.testing.spaces import CONDITIONAL_SPACES
from archlang.viz.explain import explain, render_text

ROOT = Path(__file__).resolve().parents[2]


def _brute_counts(space) -> dict[str, dict[str, int]]:
    """Members in which each decision is active, by the candidate it takes (enumerated)."""
    out: dict[str, dict[str, int]] = {d.key: {} for d in space.decisions}
    for a in iter_assignments(space.tree):
        for d in space.decisions:
            if d.key in a:
                c = d.value_text(a[d.key])
                out[d.key][c] = out[d.key].get(c, 0) + 1
    return out


@pytest.mark.parametrize("text", [t for t, _ in CONDITIONAL_SPACES] +
                         [(ROOT / "examples/digits.arch").read_text()])
def test_member_counts_match_enumeration(text: str) -> None:
    space = archlang.parse(text, base=ROOT).network()
    brute = _brute_counts(space)
    for e in explain(space):
        assert {c: n for c, n in e.members if n} == brute[e.key], e.key


def test_counts_of_a_top_level_decision_add_up_to_the_space() -> None:
    space = archlang.load(ROOT / "examples/transformer.arch").network("token_transformer")
    for e in explain(space):
        if e.condition is None:
            assert sum(n for _, n in e.members) == space.size


def test_digits_explained() -> None:
    space = archlang.load(ROOT / "examples/digits.arch").network()
    by_key = {e.key: e for e in explain(space)}
    width = by_key["digits_cnn.width"]
    assert width.declared.endswith("examples/digits.arch:31:13")
    assert [t.split(": ", 1)[1] for t in width.ties] == [
        "conv_bn_relu(width, k = choice(3, 5))", "conv_bn_relu(width)", "residual(width)"]
    assert width.members == [("16", 312), ("32", 312), ("64", 312)]
    repeat = by_key["digits_cnn.repeat"]
    assert repeat.activates == [("{1, 2, 3}", ["digits_cnn.repeat[0].choice"]),
                                ("{2, 3}", ["digits_cnn.repeat[1].choice"]),
                                ("{3}", ["digits_cnn.repeat[2].choice"])]
    assert repeat.members == [("1", 72), ("2", 216), ("3", 648)]
    inner = by_key["digits_cnn.repeat[1].residual.conv_bn_relu.k"]
    assert inner.condition == "digits_cnn.repeat[1].choice in {1 (residual(width))}"
    assert inner.ties == ["parameter `k` of `conv_bn_relu`, read wherever `conv_bn_relu` uses `k`"]
    text = render_text(list(by_key.values()))
    assert "  activates when {2, 3}: digits_cnn.repeat[1].choice" in text


def test_huge_spaces_are_counted_exactly() -> None:
    space = archlang.parse("network n() (x: [4]) { return x -> repeat(320) { "
                           "linear(choice(2, 3, 4, 5, 6, 7, 8, 9, 10, 11)) } }").network()
    first = explain(space)[0]
    assert [n for _, n in first.members] == [10 ** 319] * 10
    assert space.size == 10 ** 320


def test_a_float_decision_counts_as_infinite() -> None:
    space = archlang.parse("network n() (x: [4]) { return x -> dropout(float(0.0, 0.5)) -> "
                           "linear(choice(2, 4)) }").network()
    e = explain(space)
    assert e[0].members[0][1] == float("inf") and e[1].members == [("2", float("inf")),
                                                                     ("4", float("inf"))]
    assert cond_allows(("k", frozenset({1})), 1)


def test_readme_example_is_what_explain_prints(monkeypatch) -> None:
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("```\ndigits_cnn.repeat  int(1, 3)\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    space = archlang.load("examples/digits.arch").network()
    item = next(e for e in explain(space) if e.key == "digits_cnn.repeat")
    assert render_text([item]) == "digits_cnn.repeat  int(1, 3)\n" + shown.rstrip("\n")

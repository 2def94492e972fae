"""Lists of tensors, input choices over lists, `choice(*xs)`, tuple returns, `repeat ... as i`
(issue 13 items 1, 2, 4, 5)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import archlang
from archlang.diagnostics import ArchError
from archlang.syntax.format import format_module
from archlang.syntax.parser import parse_text

ROOT = Path(__file__).resolve().parents[2]

CELL = """
block cell(c: int) (s0, s1) {
    states = [s0, s1]
    for i in range(2) {
        inputs = subset(2, states)
        h = sum(inputs) -> choice(conv2d(c, 3, padding = 1), identity())
        states = states + [h]
    }
    return (s1, states[2:] -> concat() -> conv2d(c, 1))
}

network darts(c: int = 4, cells: int = 2) (x: [3, 8, 8]) {
    s = x -> conv2d(c, 3, padding = 1)
    (a, b) = (s, s) -> repeat(cells) as k { cell(c) }
    e = choice(*[a, b])
    return e -> conv2d(2, 3, stride = 2, padding = 1) -> global_avgpool()
}
"""


def _space(text: str, name: str | None = None) -> archlang.Space:
    return archlang.parse(text).network(name)


def test_loop_over_a_list_of_tensors_without_decisions() -> None:
    text = """network n(c: int = 8) (x: [3, 8, 8]) {
        s0 = x -> conv2d(c, 3, padding = 1)
        states = [s0, s0 -> relu()]
        for i in range(2) {
            states = states + [states[i] -> relu()]
        }
        t = states[-1]
        for s in states[:3] {
            t = t + s
        }
        return [t] + states -> concat()
    }"""
    arch = _space(text).bind({})
    assert arch.output_shape == (5 * 8, 8, 8)
    assert arch.params == 3 * 8 * 9 + 8


def test_cell_space_size_keys_and_bind() -> None:
    space = _space(CELL)
    keys = [d.key for d in space.decisions]
    assert "darts.repeat[1].cell.inputs_1" in keys
    # per cell: subset(2, 2) * 2 ops * C(3, 2) * 2 ops = 12; two cells, then 2 outputs
    assert space.size == 12 * 12 * 2
    arch = space.sample(seed=0)
    assert arch.output_shape == (2,)
    again = archlang.parse(arch.to_arch()).network().bind({})
    assert again.hash == arch.hash


def test_subset_of_a_slice_reads_the_loop() -> None:
    text = """network n() (x: [4]) {
        states = [x, x -> linear(4)]
        for i in range(2, 5) {
            states = states + [subset(2, states[:i]) -> add() -> linear(4)]
        }
        return states[-1]
    }"""
    assert _space(text).size == math.comb(2, 2) * math.comb(3, 2) * math.comb(4, 2)


def test_choice_spreads_a_constant_list() -> None:
    text = """OPS = [8, 16, 32]
    network n() (x: [4]) {
        return x -> linear(choice(*OPS))
    }"""
    space = _space(text)
    assert space.size == 3
    (key,) = [d.key for d in space.decisions]
    assert space.bind({key: 16}).output_shape == (16,)


def test_enas_macro_size() -> None:
    space = archlang.load(str(ROOT / "examples" / "enas_macro.arch")).network()
    assert space.size == 6**12 * 2**66 == 160_618_186_625_454_535_808_756_219_904


def test_copy_index_in_expressions() -> None:
    text = """network n() (x: [4, 16, 16]) {
        return x -> repeat(3) as i {
            conv2d(4 * (i + 1), 3, stride = 2 if i == 0 else 1, padding = 1)
        }
    }"""
    assert _space(text).bind({}).output_shape == (12, 8, 8)


@pytest.mark.parametrize(("text", "code", "hint"), [
    ("network n() (x: [4]) {\n states = [x, x]\n return states[2]\n}", "E317", "0 to 1"),
    ("network n() (x: [4]) {\n s = [x, x]\n return subset(3, s) -> add()\n}", "E503",
     "at most 2"),
    ("network n() (x: [4]) {\n return [x, x -> linear(3)] -> add()\n}", "E401", "project"),
    ("network n() (x: [4]) {\n h = x -> repeat(2) as i { relu() }\n return h -> linear(i)\n}",
     "E321", "between the braces"),
    ("OPS = [1, 2]\nnetwork n() (x: [4]) {\n return x -> linear(choice(OPS))\n}", "E322",
     "choice(*OPS)"),
    ("network n() (x: [4]) {\n (a, b, c) = (x, x)\n return a\n}", "E323", "exactly 3"),
    ("network n() (x: [4]) {\n (a, 1) = (x, x)\n return a\n}", "E112", "names"),
])
def test_bad_input_is_one_located_diagnostic(text: str, code: str, hint: str) -> None:
    with pytest.raises(ArchError) as info:
        _space(text).bind({})
    (diag,) = info.value.diagnostics
    assert diag.code == code
    assert hint in (diag.hint or "")
    assert diag.span.line > 0


def test_new_syntax_prints_back() -> None:
    module = parse_text(CELL)
    assert parse_text(format_module(module)) == module

"""Tying: one decision used in several places is decided once; every block instance and
every repeat copy owns the decisions written inside it."""

from __future__ import annotations

from pathlib import Path

import archlang

ROOT = Path(__file__).resolve().parents[2]


def space(text: str) -> archlang.Space:
    return archlang.parse(text).network()


def keys(s: archlang.Space) -> list[str]:
    return [d.key for d in s.decisions]


def widths(arch: archlang.Arch, op: str = "linear") -> list[int]:
    return [n.attrs["out"] for n in arch.graph.nodes if n.op == op]


def test_a_named_decision_used_twice_is_one_decision():
    s = space("""
network n() (x: [8]) {
    w = choice(4, 8, 16)
    h = x -> linear(w) -> relu() -> linear(w) -> relu()
    return h -> linear(2)
}""")
    assert keys(s) == ["n.w"] and s.size == 3
    for w in (4, 8, 16):
        arch = s.bind({"n.w": w})
        assert widths(arch) == [w, w, 2]
        assert arch.params == (8 * w + w) + (w * w + w) + (w * 2 + 2)


def test_arithmetic_on_a_tied_decision():
    s = space("""
network n() (x: [8]) {
    w = choice(4, 8)
    return x -> linear(w) -> linear(2 * w) -> linear(w // 2)
}""")
    assert keys(s) == ["n.w"]
    assert widths(s.bind({"n.w": 8})) == [8, 16, 4]


def test_a_decision_passed_to_blocks_ties_their_instances():
    s = space("""
block unit(c: int) { linear(c) -> relu() }
network n() (x: [8]) {
    w = choice(4, 8)
    h = x -> unit(w) -> unit(w) -> repeat(3) { unit(w) }
    return h -> linear(2)
}""")
    assert keys(s) == ["n.w"] and s.size == 2
    assert widths(s.bind({"n.w": 8})) == [8] * 5 + [2]


def test_a_tied_decision_inside_a_searched_repeat():
    s = space("""
network n() (x: [8]) {
    w = choice(4, 8)
    return x -> repeat(int(1, 3)) { linear(w) } -> linear(2)
}""")
    assert keys(s) == ["n.w", "n.repeat"] and s.size == 2 * 3
    assert widths(s.bind({"n.w": 4, "n.repeat": 3})) == [4, 4, 4, 2]


def test_each_block_instance_owns_its_decisions():
    s = space("""
block unit() { linear(choice(4, 8)) -> relu() }
network n() (x: [8]) {
    return x -> unit() -> unit() -> linear(2)
}""")
    assert keys(s) == ["n.unit.linear.out", "n.unit_1.linear.out"] and s.size == 4
    arch = s.bind({"n.unit.linear.out": 4, "n.unit_1.linear.out": 8})
    assert widths(arch) == [4, 8, 2]


def test_each_repeat_copy_owns_its_decisions():
    s = space("""
network n() (x: [8]) {
    return x -> repeat(3) { linear(choice(4, 8)) -> choice(relu(), gelu()) } -> linear(2)
}""")
    assert keys(s) == [f"n.repeat[{i}].{k}" for i in range(3)
                       for k in ("linear.out", "choice")]
    assert s.size == 4**3
    a = {"n.repeat[0].linear.out": 4, "n.repeat[0].choice": 0,
         "n.repeat[1].linear.out": 8, "n.repeat[1].choice": 1,
         "n.repeat[2].linear.out": 4, "n.repeat[2].choice": 1}
    arch = s.bind(a)
    assert widths(arch) == [4, 8, 4, 2]
    assert [n.op for n in arch.graph.nodes if n.op in ("relu", "gelu")] == ["relu", "gelu",
                                                                             "gelu"]


def test_a_block_recipe_applied_twice_gives_two_instances():
    s = space("""
block unit() { linear(choice(4, 8)) }
network n() (x: [8]) {
    u = unit()
    return x -> u -> u -> linear(2)
}""")
    assert len(s.decisions) == 2 and s.size == 4


def test_a_named_layer_choice_applied_several_times_is_one_decision():
    s = space("""
network n() (x: [8]) {
    act = choice(relu(), gelu(), tanh())
    return x -> linear(8) -> act -> linear(8) -> act -> linear(2)
}""")
    assert keys(s) == ["n.act"] and s.size == 3
    for i, op in enumerate(["relu", "gelu", "tanh"]):
        arch = s.bind({"n.act": i})
        assert [n.op for n in arch.graph.nodes if n.op in ("relu", "gelu", "tanh")] == [op, op]


def test_nb201_cells_share_their_edges():
    s = archlang.load(ROOT / "examples" / "nb201_cell.arch").network("nb201", n=2)
    assert len(s.decisions) == 6 and s.size == 5**6
    # every edge a 3x3 conv: 6 convs in each of the 6 cells
    all_conv3 = s.bind({d.key: 3 for d in s.decisions})
    cell_convs = [n for n in all_conv3.graph.nodes
                  if n.op == "conv2d" and "cell" in n.name and n.attrs["k"] == 3]
    assert len(cell_convs) == 6 * 6
    # every edge a skip: no layers at all inside the cells
    all_skip = s.bind({d.key: 1 for d in s.decisions})
    assert not [n for n in all_skip.graph.nodes if "cell" in n.name and n.op != "identity"
                and n.op != "add"]

"""find, rebind, replace, insert, remove, clone, diff and JSON of rewritten spaces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import archlang
from archlang.dsl import choice
from archlang.dsl.ops import dropout, gelu, identity, linear, relu
from archlang.symbolic import RewriteError, diff

ROOT = Path(__file__).resolve().parents[2]
TINY = """
network net() (x: [8]) {
    width = choice(16, 32)
    h = x -> linear(width) -> relu()
    h = h -> linear(width, bias = choice(true, false))
    return h -> linear(2)
}
"""


@pytest.fixture
def tiny():
    return archlang.parse(TINY).network()


@pytest.fixture(scope="module")
def digits():
    return archlang.load(ROOT / "examples" / "digits.arch").network()


def reparsed(space):
    """The space read back from its printed text."""
    return archlang.parse(space.to_arch()).network(space.name)


def test_find_decisions_by_glob(digits):
    assert [d.key for d in digits.find("digits_cnn.*.k")] == ["digits_cnn.conv_bn_relu.k"]
    assert [d.key for d in digits.find("digits_cnn.**.k")] == [
        "digits_cnn.conv_bn_relu.k", "digits_cnn.repeat[0].residual.conv_bn_relu.k",
        "digits_cnn.repeat[1].residual.conv_bn_relu.k",
        "digits_cnn.repeat[2].residual.conv_bn_relu.k"]
    assert len(digits.find("digits_cnn.repeat[?].choice")) == 3
    assert [d.key for d in digits.find("digits_cnn.width")] == ["digits_cnn.width"]
    assert digits.find("nothing*") == []


def test_find_nodes_reaches_imported_blocks_with_paths(digits):
    found = {m.path: m.text for m in digits.find_nodes("conv_bn*")}
    assert found["residual.body[0].value.stages[1]"] == "conv_bn_relu(c, k = choice(3, 5))"
    assert found["residual.body[0].value.stages[2]"] == "conv_bn(c, 3)"
    assert "digits_cnn.body[1].value.stages[1]" in found
    relus = digits.find_nodes("relu")
    assert {m.path for m in relus} == {"residual.body[1].value.stages[1]",
                                       "conv_bn_relu.body[2].expr"}  # from stdlib/blocks.arch


def test_rebind_fixes_keys_and_replaces_paths(tiny):
    fixed = tiny.rebind({"net.width": 32})
    assert fixed.fixed == {"net.width": 32} and fixed.size == 2
    edited = tiny.rebind({"net.body[1].value.stages[2]": gelu(), "net.width": 16})
    assert [n.op for n in edited.bind({"net.linear_1.bias": True}).graph.nodes].count("gelu") == 1
    assert tiny.size == 4  # the original is untouched
    with pytest.raises(RewriteError, match="neither a decision key nor a node path"):
        tiny.rebind({"net.widht": 3})


def test_replace_a_value_with_a_decision(tiny):
    space = tiny.replace("net.body[3].value.stages[1].args[0]", choice(2, 3))
    assert space.size == 8
    assert "return h -> linear(choice(2, 3))" in space.to_arch()
    assert reparsed(space).decisions == space.decisions


def test_insert_after_stage_statement_and_return(tiny):
    stage = tiny.insert("net.body[1].value.stages[2]", dropout(0.5))
    assert "h = x -> linear(width) -> relu() -> dropout(0.5)" in stage.to_arch()
    before = tiny.insert("net.body[1].value.stages[2]", dropout(0.5), before=True)
    assert "linear(width) -> dropout(0.5) -> relu()" in before.to_arch()
    assign = tiny.insert("net.body[2]", relu())
    assert "    h = h -> relu()\n    return" in assign.to_arch()
    ret = tiny.insert("net.body[3]", relu())
    assert "return h -> linear(2) -> relu()" in ret.to_arch()
    for space in (stage, before, assign, ret):
        assert reparsed(space).program.root.tree == archlang.parse(space.to_arch()).root.tree
        space.sample(0).compile()


def test_insert_inside_a_choice_candidate_chains_the_layer():
    space = archlang.parse("""
network net() (x: [8]) {
    return x -> choice(relu(), linear(8)) -> linear(2)
}""").network()
    chained = space.insert("net.body[0].value.stages[1].args[1]", relu())
    assert "choice(relu(), linear(8) -> relu())" in chained.to_arch()


def test_remove_statement_stage_and_candidate(tiny):
    no_relu = tiny.remove("net.body[1].value.stages[2]")
    assert "h = x -> linear(width)\n" in no_relu.to_arch()
    one = tiny.remove("net.body[2]")
    assert one.size == 2
    narrower = tiny.remove("net.body[0].value.args[1]")
    assert narrower.decision("net.width").values == (16,)


def test_imported_blocks_are_vendored_and_pruned(digits):
    space = digits.insert("conv_bn_relu.body[2]", dropout(0.1))
    text = space.to_arch()
    assert 'import "stdlib/blocks.arch"' not in text
    assert "block conv_bn_relu(" in text and "block conv_bn(" in text
    assert "block mlp(" not in text  # unused stdlib blocks are dropped
    assert [d.key for d in space.decisions] == [d.key for d in digits.decisions]
    assert reparsed(space).size == digits.size


def test_clone_is_independent_and_cheap(tiny):
    copy = tiny.clone()
    assert copy is not tiny and copy.program is tiny.program
    assert copy.decisions == tiny.decisions
    copy.fixed["net.width"] = 16
    assert tiny.fixed == {}


def test_diff_reads_path_by_path(tiny):
    other = tiny.rebind({"net.body[1].value.stages[2]": choice(relu(), gelu())})
    text = str(diff(tiny, other))
    assert text == ("~ net.body[1].value.stages[2]\n    - relu()\n"
                    "    + choice(relu(), gelu())\n"
                    "+ decision net.choice: choice(relu(), gelu())")
    assert str(diff(tiny, tiny.clone())) == "no differences"
    removed = str(tiny.diff(tiny.remove("net.body[2]")))
    assert removed.startswith("- net.body[2]: h = h -> linear(width, bias = choice(true, false))")


def test_diff_of_two_architectures(tiny):
    a = tiny.bind({"net.width": 16, "net.linear_1.bias": True})
    b = tiny.bind({"net.width": 32, "net.linear_1.bias": True})
    lines = str(diff(a, b)).splitlines()
    assert lines[0] == "~ net.width\n    - 16\n    + 32".splitlines()[0]
    assert any("params" in line for line in lines)
    assert str(diff(a, a)) == "no differences"


def test_rewritten_spaces_round_trip_through_json(digits):
    space = digits.insert("conv_bn_relu.body[2]", dropout(choice(0.0, 0.5)))
    space = space.rebind({"digits_cnn.width": 32})
    back = archlang.Space.from_json(json.loads(json.dumps(space.to_json())))
    assert back.decisions == space.decisions and back.fixed == space.fixed
    assert back.size == space.size
    assert back.sample(3).hash == space.sample(3).hash
    assert back.to_arch() == space.to_arch()


def test_a_python_layer_in_a_rewrite_brings_its_block():
    @archlang.block
    def wide_relu(b, c: int):
        b.then(linear(c), relu())

    space = archlang.parse(TINY).network()
    space = space.replace("net.body[1].value.stages[2]", choice(wide_relu(16), identity()))
    assert "block wide_relu(c: int) {" in space.to_arch()
    assert reparsed(space).size == space.size

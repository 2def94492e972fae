"""Choices between tensors: each choice is its own graph, and what is not chosen is pruned
from the generated code."""

from __future__ import annotations

from pathlib import Path

import torch

import archlang

ROOT = Path(__file__).resolve().parents[2]

TWO_BRANCHES = """
network n() (x: [8]) {
    a = x -> linear(4)
    b = x -> linear(6) -> tanh()
    h = choice(a, b) -> relu()
    return h -> linear(2)
}"""


def space(text: str) -> archlang.Space:
    return archlang.parse(text).network()


def test_an_input_choice_is_one_decision_over_candidate_indices():
    s = space(TWO_BRANCHES)
    assert len(s.decisions) == 1
    d = s.decisions[0]
    assert d.kind == "choice" and d.values is None and d.labels == ("a", "b")
    assert list(d.domain()) == [0, 1]


def test_different_inputs_give_different_graphs():
    s = space(TWO_BRANCHES)
    key = s.decisions[0].key
    a, b = s.bind({key: 0}), s.bind({key: 1})
    assert a.hash != b.hash
    assert a.params == (8 * 4 + 4) + (4 * 2 + 2)
    assert b.params == (8 * 6 + 6) + (6 * 2 + 2)
    assert a.source() != b.source()


def test_the_unchosen_branch_is_pruned_from_the_code():
    s = space(TWO_BRANCHES)
    key = s.decisions[0].key
    arch = s.bind({key: 0})
    src = arch.source()
    assert "tanh" not in src and "nn.Linear(8, 6)" not in src
    assert [n.op for n in arch.graph.nodes] == ["linear", "relu", "linear"]
    model = arch.compile()
    assert sum(p.numel() for p in model.parameters()) == arch.params
    assert model(torch.randn(2, 8)).shape == (2, 2)

    arch = s.bind({key: 1})
    assert "nn.Linear(8, 4)" not in arch.source() and "tanh" in arch.source()


def test_inline_candidates_are_only_built_when_chosen():
    s = space("""
network n() (x: [8]) {
    h = choice(x -> linear(4), x -> linear(6) -> tanh(), x) -> relu()
    return h -> linear(2)
}""")
    key = s.decisions[0].key
    assert s.size == 3
    ops = [[n.op for n in s.bind({key: i}).graph.nodes] for i in range(3)]
    assert ops == [["linear", "relu", "linear"],
                   ["linear", "tanh", "relu", "linear"],
                   ["relu", "linear"]]
    assert len({s.bind({key: i}).hash for i in range(3)}) == 3


def test_subset_prunes_the_candidates_it_leaves_out():
    s = space("""
network n() (x: [8]) {
    a = x -> linear(4)
    b = x -> linear(4) -> tanh()
    c = x -> linear(4) -> sigmoid()
    return subset(2, a, b, c) -> add()
}""")
    hashes = set()
    for pick, gone in [([0, 1], "sigmoid"), ([0, 2], "tanh"), ([1, 2], None)]:
        arch = s.bind({"n.subset": pick})
        hashes.add(arch.hash)
        assert arch.params == 2 * (8 * 4 + 4)
        if gone:
            assert gone not in arch.source()
    assert len(hashes) == 3


def test_dag_example_wiring():
    s = archlang.load(ROOT / "examples" / "dag_inputs.arch").network()
    base = {"dag.op1": 0, "dag.in2": 0, "dag.op2": 0, "dag.in3": 2, "dag.op3": 0,
            "dag.in4": [2, 3], "dag.op4": 3}
    a = s.bind(base)
    b = s.bind({**base, "dag.in2": 1})  # node 2 reads node 1 instead of node 0
    assert a.hash != b.hash
    # with the output reading only n0 and n1, nodes 2 and 3 are pruned with their layers
    c = s.bind({**base, "dag.in4": [0, 1]})
    assert c.params < a.params
    assert len([n for n in c.graph.nodes if n.op == "conv2d"]) == 2  # the stem and node 1

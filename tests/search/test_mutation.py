"""Mutation respects conditions: valid children, one decision changed, the rest repaired."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from search_spaces import SYN, make_space

import archlang
from archlang.ir.decisions import DecisionTree, FloatRange, IntRange, Subset, ValueChoice
from archlang.search.encoding import from_nested, to_nested
from archlang.search.mutation import mutable, mutate, problems
from archlang.testing.spaces import CONDITIONAL_SPACES

EXAMPLES = Path(__file__).parents[2] / "examples"
WIDE = """network w() (x: [4]) {
    h = x -> linear(int(1, 200)) -> dropout(float(0.0, 0.5)) -> linear(int(2, 3))
    return h -> dropout(float(1e-4, 1e-1, log = true)) -> linear(2)
}"""


def _example_spaces():
    for path in sorted(EXAMPLES.glob("*.arch")):
        program = archlang.load(path)
        for net in program.networks():
            yield f"{path.name}:{net.name}", program.network(net.name)


SPACES = dict(_example_spaces())
SPACES.update({f"conditional[{i}]": make_space(t) for i, (t, _) in
               enumerate(CONDITIONAL_SPACES)})
SPACES.update({"syn": make_space(SYN), "wide": make_space(WIDE)})
SEARCHABLE = sorted(k for k, s in SPACES.items() if s.size > 1)


@pytest.mark.parametrize("name", SEARCHABLE)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 6))
def test_mutation_keeps_assignments_valid_and_changes_one_decision(name, seed, steps):
    tree = SPACES[name].tree
    rng = random.Random(seed)
    parent = tree.sample(rng)
    for _ in range(steps):
        child = mutate(tree, parent, rng)
        assert problems(tree, child) == []
        assert child != parent
        changed = [k for k in parent.keys() & child.keys() if parent[k] != child[k]]
        assert len(changed) == 1, changed  # every other surviving decision keeps its value
        parent = child


@pytest.mark.parametrize("name", ["digits.arch:digits_cnn", "syn", "conditional[4]"])
def test_mutated_assignments_bind(name):
    space = SPACES[name]
    rng = random.Random(0)
    a = space.tree.sample(rng)
    for _ in range(10):
        a = mutate(space.tree, a, rng)
        assert space.bind(a).assignment == a


def test_a_new_repeat_copy_is_sampled_and_the_old_copies_kept():
    tree = SPACES["conditional[1]"].tree  # repeat(int(0, 3)) { linear(choice(4, 8)) }
    count = next(d for d in tree.decisions if d.kind == "int")
    rng = random.Random(1)
    a = tree.sample(rng, fixed={count.key: 2})
    grown = None
    for _ in range(200):
        b = mutate(tree, a, rng)
        if b[count.key] == 3:
            grown = b
            break
    assert grown is not None
    old = {k: v for k, v in a.items() if k != count.key}
    assert {k: grown[k] for k in old} == old
    assert len(grown) == len(a) + 1


def test_switching_a_layer_choice_drops_the_old_candidates_decisions():
    tree = SPACES["conditional[3]"].tree  # choice(b(), linear(int(1, 4)), identity())
    root = tree.roots[0]
    a = tree.sample(random.Random(0), fixed={root.key: 0})
    assert len(a) == 3
    rng = random.Random(0)
    for _ in range(50):
        b = mutate(tree, a, rng)
        if b[root.key] == 2:
            assert b == {root.key: 2}
            return
    pytest.fail("the root choice never moved to identity()")


def test_local_moves_stay_near_and_inside_the_range():
    d = IntRange("n", low=1, high=200)
    rng = random.Random(0)
    steps = [d.mutate(100, rng, local=1.0) - 100 for _ in range(200)]
    assert all(s != 0 and abs(s) <= 19 for s in steps)
    assert {d.mutate(1, rng, local=1.0) for _ in range(50)} <= set(range(2, 21))
    f = FloatRange("lr", low=1e-4, high=1e-1, log=True)
    moved = [f.mutate(1e-2, rng, local=1.0) for _ in range(200)]
    assert all(1e-4 <= v <= 1e-1 and v != 1e-2 for v in moved)
    assert max(abs(v / 1e-2) for v in moved) < 10  # a tenth of the log range per sigma


def test_uniform_moves_reach_the_whole_range():
    d = IntRange("n", low=1, high=5)
    rng = random.Random(0)
    assert {d.mutate(3, rng, local=0.0) for _ in range(200)} == {1, 2, 4, 5}
    s = Subset("s", labels=("a", "b", "c", "d"), k=2)
    kids = {tuple(s.mutate([0, 1], rng)) for _ in range(200)}
    assert kids == {(0, 2), (0, 3), (1, 2), (1, 3)}  # one swapped out, one swapped in


def test_problems_names_each_kind_of_invalid_assignment():
    n = IntRange("n", low=1, high=2)
    c = ValueChoice("c", labels=("a", "b"), values=("a", "b"), cond=("n", frozenset({2})))
    tree = DecisionTree([n, c])
    assert problems(tree, {"n": 2, "c": "a"}) == []
    assert problems(tree, {"n": 2}) == ["active decision `c` has no value"]
    assert problems(tree, {"n": 1, "c": "a"}) == ["`c` is not an active decision"]
    assert problems(tree, {"n": 3}) == ["`n` = 3 is not in int(1, 2)"]


def test_a_space_of_one_member_cannot_mutate():
    tree = SPACES["conditional[7]"].tree
    assert mutable(tree, {}) == []
    with pytest.raises(ValueError, match="no decision"):
        mutate(tree, {}, random.Random(0))


@pytest.mark.parametrize("name", SEARCHABLE)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_nested_view_round_trips_through_json(name, seed):
    import json

    tree = SPACES[name].tree
    a = tree.sample(random.Random(seed))
    nested = json.loads(json.dumps(to_nested(tree, a)))
    assert from_nested(nested) == json.loads(json.dumps(a))
    assert set(nested) == {d.key for d in tree.roots}  # children only under their parent


def test_the_nested_view_puts_a_repeat_copy_under_its_count():
    tree = SPACES["conditional[1]"].tree  # repeat(int(0, 3)) { linear(choice(4, 8)) }
    count = tree.roots[0].key
    a = tree.sample(random.Random(0), fixed={count: 2})
    nested = to_nested(tree, a)
    assert list(nested) == [count, *[d.key for d in tree.roots[1:]]]
    assert nested[count]["value"] == 2 and len(nested[count]["then"]) == 2
    assert to_nested(tree, {**tree.sample(random.Random(0), fixed={count: 0})})[count] == 0

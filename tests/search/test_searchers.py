"""The Searcher interface: random and grid search on synthetic spaces."""

from __future__ import annotations

import math

import pytest
from search_spaces import SYN, SYN_SIZE, make_space

from archlang.diagnostics import ArchSpaceError
from archlang.search import (
    GridSearch,
    RandomSearch,
    Searcher,
    SearcherUnavailable,
    SpaceExhausted,
    assignment_key,
    get_searcher,
    iter_assignments,
    searcher_names,
)
from archlang.testing.spaces import CONDITIONAL_SPACES

# Spaces with conditions of every kind: (text, size).
SPACES = [(SYN, SYN_SIZE), *CONDITIONAL_SPACES[3:]]
FLOAT_SPACE = """network f() (x: [4]) {
    return x -> linear(choice(2, 4)) -> dropout(float(0.0, 0.5)) -> linear(2)
}"""


@pytest.fixture
def syn():
    return make_space(SYN)


def proposals(searcher: Searcher, space, n: int) -> list[dict]:
    searcher.setup(space)
    out = []
    for _ in range(n):
        try:
            out.append(searcher.propose())
        except SpaceExhausted:
            break
    return out


def test_random_proposes_valid_assignments_that_bind(syn):
    for a in proposals(RandomSearch(seed=1), syn, 15):
        assert syn.bind(a).assignment == a


def test_random_never_repeats_and_stops_when_exhausted(syn):
    s = RandomSearch(seed=2)
    s.setup(syn)
    got = [s.propose() for _ in range(SYN_SIZE)]
    assert len({assignment_key(a) for a in got}) == SYN_SIZE
    with pytest.raises(SpaceExhausted):
        s.propose()


def test_random_is_deterministic_under_its_seed(syn):
    assert proposals(RandomSearch(seed=7), syn, 10) == proposals(RandomSearch(seed=7), syn, 10)
    assert proposals(RandomSearch(seed=7), syn, 10) != proposals(RandomSearch(seed=8), syn, 10)


def test_random_handles_continuous_decisions():
    space = make_space(FLOAT_SPACE)
    got = proposals(RandomSearch(seed=0), space, 20)
    assert len(got) == 20
    assert all(space.decision("f.dropout.p").contains(a["f.dropout.p"]) for a in got)


def test_several_proposals_may_be_pending(syn):
    s = RandomSearch(seed=3)
    s.setup(syn)
    pending = [s.propose() for _ in range(4)]
    for a in reversed(pending):  # observed out of order
        s.observe(a, {"state": "complete", "metrics": {}, "score": 0.5})
    later = [s.propose() for _ in range(4)]
    assert len({assignment_key(a) for a in pending + later}) == 8


@pytest.mark.parametrize("text,size", SPACES)
def test_grid_enumerates_the_space_exactly(text, size):
    space = make_space(text)
    assert space.size == size
    got = proposals(GridSearch(seed=0), space, size + 5)
    assert len(got) == size
    assert len({assignment_key(a) for a in got}) == size
    for a in got:
        assert space.bind(a).assignment == a


def test_grid_order_is_stable_and_parents_vary_slowest(syn):
    got = proposals(GridSearch(seed=0), syn, SYN_SIZE)
    assert got == proposals(GridSearch(seed=99), syn, SYN_SIZE)
    assert got == list(iter_assignments(syn.tree))
    assert [a["syn.repeat"] for a in got] == [1] * 6 + [2] * 18
    assert got[0] == {"syn.repeat": 1, "syn.repeat[0].choice": 0, "syn.act": 0}


def test_grid_refuses_continuous_decisions():
    with pytest.raises(ArchSpaceError) as info:
        GridSearch(seed=0).setup(make_space(FLOAT_SPACE))
    err = info.value
    assert err.diagnostic.code == "E517"
    assert "f.dropout.p" in err.render() and "--algorithm random" in err.render()


def test_get_searcher_by_name():
    assert isinstance(get_searcher("random", seed=1), RandomSearch)
    assert isinstance(get_searcher("grid"), GridSearch)
    with pytest.raises(ValueError, match="known: random, grid, evolution, mcts"):
        get_searcher("annealing")
    assert math.isinf(make_space(FLOAT_SPACE).size)


@pytest.mark.parametrize("name", searcher_names())
def test_every_registered_searcher_keeps_the_contract(syn, name):
    """Valid, never repeated, deterministic under its seed, proposing while others pend."""
    def run(seed: int) -> list[str]:
        searcher = get_searcher(name, seed=seed)
        try:
            searcher.setup(syn)
        except SearcherUnavailable as exc:  # an optional dependency (Optuna) is missing
            pytest.skip(str(exc))
        keys: list[str] = []
        while len(keys) < 16:
            batch = [searcher.propose() for _ in range(2)]  # two pending at once
            for a in reversed(batch):  # observed out of order
                assert syn.bind(a).assignment == a
                keys.append(assignment_key(a))
                searcher.observe(a, {"state": "complete", "metrics": {}, "score": len(a)})
        return keys

    first = run(4)
    assert len(set(first)) == len(first)
    assert run(4) == first

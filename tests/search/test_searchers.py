"""The Searcher interface: random and grid search on synthetic spaces."""

from __future__ import annotations

import math

import pytest
from search_spaces import NEEDLE, SYN, SYN_SIZE, make_space

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


def test_grid_order_is_seeded_and_walks_the_members_it_numbers(syn):
    # pinned on purpose (issue 17, item 9): grid no longer follows `iter_assignments`' fixed
    # order, where a budget smaller than the space tried the first decision's first value only
    got = proposals(GridSearch(seed=0), syn, SYN_SIZE)
    assert got == proposals(GridSearch(seed=0), syn, SYN_SIZE)
    assert got != proposals(GridSearch(seed=99), syn, SYN_SIZE)
    every = list(iter_assignments(syn.tree))
    assert sorted(map(assignment_key, got)) == sorted(map(assignment_key, every))
    assert [every.index(a) for a in got[:6]] == PINNED_GRID_RANKS
    assert proposals(GridSearch(seed=5, spread=False), syn, SYN_SIZE) == every


PINNED_GRID_RANKS = [14, 0, 17, 7, 6, 11]
SPREAD = """network spread() (x: [8]) {
    h = x -> linear(choice(16, 32, 64, 128)) -> choice(relu(), gelu(), tanh())
    return h -> linear(choice(2, 4, 8)) -> dropout(choice(0.0, 0.1, 0.3)) -> linear(int(1, 3))
}"""


@pytest.mark.parametrize("seed", range(5))
def test_a_small_grid_budget_spreads_over_every_decision(seed):
    space = make_space(SPREAD)
    assert space.size == 4 * 3 * 3 * 3 * 3
    first = proposals(GridSearch(seed=seed), space, 10)
    for d in space.decisions:
        seen = {a[d.key] for a in first}
        assert len(seen) >= 2, (d.key, seen)
    assert first[:3] != list(iter_assignments(space.tree))[:3]


def test_a_large_grid_space_is_permuted_without_a_list():
    from archlang.search import grid

    space = make_space(NEEDLE)  # 15,625 members: shuffled as a list
    got = proposals(GridSearch(seed=3), space, 20)
    old, grid.SHUFFLE_MAX = grid.SHUFFLE_MAX, 100  # the same space through the Feistel path
    try:
        every = proposals(GridSearch(seed=3), space, space.size + 1)
        again = proposals(GridSearch(seed=3), space, 20)
    finally:
        grid.SHUFFLE_MAX = old
    assert len(every) == space.size == len({assignment_key(a) for a in every})
    assert again == every[:20] and again != got
    for d in space.decisions:
        assert len({a[d.key] for a in every[:10]}) >= 2


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

"""bo: the GP searcher finds what random search misses, never proposes a network twice,
spreads pending proposals, respects conditions and resumes by replay."""

from __future__ import annotations

import pytest
from search_spaces import SYN, drive, make_space

from archlang.search import BayesOpt, RandomSearch, SpaceExhausted, assignment_key, get_searcher
from archlang.search.mutation import problems

# Six layers of five widths each: 15,625 assignments, all different networks.
LAYERS = "network layers() (x: [4]) {\n    h = x\n" + "".join(
    f"    h = h -> linear(choice(2, 3, 4, 5, 6)) -> relu()  # {i}\n" for i in range(6)) + \
    "    return h -> linear(2)\n}\n"
TARGET = (6, 2, 5, 3, 4, 2)


@pytest.fixture(scope="module")
def layers():
    return make_space(LAYERS)


def closeness(a: dict) -> float:
    """A smooth score: minus the distance of the widths to TARGET (0 at the optimum)."""
    widths = [a[k] for k in sorted(a)]
    return -float(sum(abs(w - t) for w, t in zip(widths, TARGET)))


def test_finds_the_optimum_where_random_search_does_not(layers):
    # measured over seeds 0-4 at budget 60: bo reached 0 in all five, at query 18-26;
    # random search in one (seed 1, at query 39), its best elsewhere -3 or -4
    for seed in range(3):
        bo = max(s for _, s in drive(BayesOpt(seed=seed), layers, closeness, 30))
        rnd = max(s for _, s in drive(RandomSearch(seed=seed), layers, closeness, 30))
        assert bo == 0.0 and rnd < 0.0, (seed, bo, rnd)


def test_deterministic_under_its_seed(layers):
    def run(seed: int) -> list[str]:
        return [assignment_key(a) for a, _ in drive(get_searcher("bo", seed=seed), layers,
                                                    closeness, 25)]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_pending_proposals_are_spread_by_kriging_believers(layers):
    bo = BayesOpt(seed=0)
    drive(bo, layers, closeness, 15)
    batch = [bo.propose() for _ in range(4)]  # four in flight, none observed yet
    assert len({assignment_key(a) for a in batch}) == 4
    assert len(bo.pending) == 4
    for a in batch:
        bo.observe(a, {"state": "complete", "metrics": {}, "score": closeness(a)})
    assert not bo.pending and len(bo.observed) == 19


# `a` picks between two equal layers, so assignments come in pairs of one network
TWINS = """network twins() (x: [4]) {
    a = choice(relu(), relu())
    w = choice(2, 3, 4, 5, 6, 7)
    v = choice(2, 3, 4)
    return x -> linear(w) -> a -> linear(v) -> relu() -> linear(2)
}
"""


def test_never_proposes_a_network_twice_until_only_equal_ones_are_left():
    space = make_space(TWINS)  # 36 assignments, 18 networks
    bo = BayesOpt(seed=1, n_init=4)
    trace = drive(bo, space, lambda a: float(a["twins.w"] * a["twins.v"]), 36)
    hashes = [space.bind(a).hash for a, _ in trace]
    assert len(set(hashes[:18])) == 18  # every new network first
    assert len({assignment_key(a) for a, _ in trace}) == 36  # then the rest, each once
    with pytest.raises(SpaceExhausted):
        bo.propose()


def test_conditional_space_proposals_are_valid_and_the_search_ends():
    space = make_space(SYN)
    bo = BayesOpt(seed=2, n_init=3)
    trace = drive(bo, space, lambda a: float(len(a)), 24)  # SYN has 24 assignments
    assert all(problems(space.tree, a) == [] for a, _ in trace)
    assert len({assignment_key(a) for a, _ in trace}) == 24
    with pytest.raises(SpaceExhausted):
        bo.propose()


def test_failures_count_as_the_worst_score(layers):
    bo = BayesOpt(seed=0, n_init=3)
    bo.setup(layers)
    for i in range(5):
        a = bo.propose()
        bo.observe(a, {"state": "failed", "metrics": {}, "score": None} if i == 0 else
                   {"state": "complete", "metrics": {}, "score": closeness(a)})
    _, y = bo._data()
    assert y[0] == y.min()
    assert bo.propose() is not None


def test_resumes_by_replay_without_reproposing(layers):
    first = BayesOpt(seed=5)
    trace = drive(first, layers, closeness, 20)
    resumed = BayesOpt(seed=5)
    resumed.setup(layers)
    for a, s in trace:
        resumed.replay(a, {"state": "complete", "metrics": {}, "score": s})
    assert len(resumed.observed) == 20 and len(resumed.hashes) == 20
    seen = {assignment_key(a) for a, _ in trace}
    more = []
    for _ in range(20):
        a = resumed.propose()
        more.append(a)
        resumed.observe(a, {"state": "complete", "metrics": {}, "score": closeness(a)})
    assert not seen & {assignment_key(a) for a in more}
    assert max(closeness(a) for a in more) >= max(s for _, s in trace)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="n_init=0"):
        BayesOpt(n_init=0)

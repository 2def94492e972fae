"""Decision-only `require`s: `Space.allows` evaluates them, and no searcher proposes what
they rule out."""

from __future__ import annotations

import itertools

import pytest
from search_spaces import make_space

from archlang.diagnostics import ArchSpaceError
from archlang.search import SearcherUnavailable, SpaceExhausted, get_searcher, searcher_names

FORBID = """network n() (x: [8]) {
    k = choice(3, 5, 7)
    width = choice(32, 64)
    depth = int(1, 3)
    require not (k == 7 and width == 64)
    require depth < 3 or width == 32
    h = x -> linear(width) -> repeat(depth) { linear(k) }
    return h -> linear(2)
}"""


def forbidden(a: dict) -> bool:
    k, width, depth = a["n.k"], a["n.width"], a["n.depth"]
    return (k == 7 and width == 64) or not (depth < 3 or width == 32)


@pytest.fixture(scope="module")
def space():
    return make_space(FORBID)


def test_allows_evaluates_the_decision_only_requires(space):
    for k, width, depth in itertools.product((3, 5, 7), (32, 64), (1, 2, 3)):
        a = {"n.k": k, "n.width": width, "n.depth": depth}
        assert space.allows(a) is not forbidden(a), a
        if forbidden(a):  # what allows rules out, bind refuses
            with pytest.raises(ArchSpaceError, match="does not hold"):
                space.bind(a)


@pytest.mark.parametrize("name", searcher_names())
def test_no_searcher_proposes_a_forbidden_combination(space, name):
    searcher = get_searcher(name, seed=3)
    try:
        searcher.setup(space)
    except SearcherUnavailable as exc:  # an optional dependency (Optuna) is missing
        pytest.skip(str(exc))
    got = []
    for _ in range(40):
        try:
            a = searcher.propose()
        except SpaceExhausted:
            break
        got.append(a)
        searcher.observe(a, {"state": "complete", "metrics": {}, "score": float(a["n.k"])})
    assert not [a for a in got if forbidden(a)]
    assert len(got) == 18 - 5  # every allowed assignment, each once, then exhausted


CONDITIONAL = """block wide(c: int) {
    w = choice(16, 32)
    require w != 32 or c != 8
    linear(w * c)
}
network m() (x: [8]) {
    c = choice(4, 8)
    h = x -> choice(wide(c), identity())
    return h -> linear(2)
}"""


def test_a_require_on_an_unchosen_branch_does_not_apply():
    space = make_space(CONDITIONAL)
    w = "m.wide.w"
    assert not space.allows({"m.c": 8, "m.choice": 0, w: 32})
    assert space.allows({"m.c": 4, "m.choice": 0, w: 32})
    assert space.allows({"m.c": 8, "m.choice": 1})
    assert space.fix({"m.c": 8}).allows({"m.choice": 0, w: 16})
    assert not space.fix({"m.c": 8}).allows({"m.choice": 0, w: 32})


def test_requires_it_cannot_decide_are_left_to_bind():
    space = make_space("""network d() (x: [8]) {
        width = choice(32, 64)
        double = width * 2
        require double <= 64
        require params <= 1000
        return x -> linear(width) -> linear(2)
    }""")
    assert space.allows({"d.width": 64})  # a computed value: checked when binding
    with pytest.raises(ArchSpaceError, match="does not hold"):
        space.bind({"d.width": 64})


def test_the_count_and_the_seeded_sample_respect_the_requires(space):
    # 3 * 2 * 3 = 18 assignments, of which `forbidden` rules out 5
    every = [dict(zip(("n.k", "n.width", "n.depth"), v))
             for v in itertools.product((3, 5, 7), (32, 64), (1, 2, 3))]
    assert space.size == 18
    assert space.counted == (sum(not forbidden(a) for a in every), True) == (13, True)
    drawn = [space.sample_assignment(seed) for seed in range(60)]
    assert not any(forbidden(a) for a in drawn)  # seeds drew forbidden members before
    assert len({tuple(a.values()) for a in drawn}) == 13  # and still reach every allowed one
    assert space.sample(20).assignment == space.sample(20).assignment


def test_a_large_space_counts_an_upper_bound_that_says_so():
    body = "\n".join(f"    c{i} = choice(1, 2, 3)" for i in range(8))
    big = make_space(f"network n() (x: [8]) {{\n{body}\n    require c0 < 3\n"
                     "    return x -> linear(c0 + c7)\n}")
    assert big.counted == (3 ** 8, False)
    assert all(big.sample_assignment(seed)["n.c0"] < 3 for seed in range(20))


def test_a_require_that_excludes_everything_is_e518():
    none = make_space(FORBID.replace("require depth < 3 or width == 32", "require k > 7"))
    assert none.counted == (0, True)
    with pytest.raises(ArchSpaceError) as info:
        none.sample(0)
    assert info.value.diagnostic.code == "E518"
    assert "no member of network `n` meets its `require`s" in info.value.diagnostic.message

"""The search loop's fast paths give exactly what the slow ones give: the JSON text of trial
fields (`archlang.search.jsontext`) and the searchers' draws on a tree without conditions."""

from __future__ import annotations

import json
import random

import pytest
from search_spaces import SYN, make_space, reward

from archlang.search import RandomSearch, assignment_key
from archlang.search.jsontext import dumps, sorted_dumps

VALUES = [
    {"b": [1, 2.5], "a": "x"},
    {"é": "ü\n\"\\", "k": None, "t": True, "f": 1e300, "z": -0.0, "i": 10**30, "n": [[0, 1], []]},
    {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")},
    {"net.blocks": [0, 2], "net.width": 32, "net.p": 0.125, "net.act": "relu"},
    {1: "int key", False: "bool key", 2.5: "float key"},
    {}, [], "text", 7, 0.1, None, (1, 2), {"t": (3, 4)},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_the_encoders_write_what_json_dumps_writes(value):
    assert dumps(value) == json.dumps(value)
    assert sorted_dumps(value) == json.dumps(value, sort_keys=True)


def test_the_sorted_encoder_is_assignment_key():
    for value in VALUES:
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            assert sorted_dumps(value) == assignment_key(value)


def test_what_json_refuses_is_refused_the_same_way():
    for bad in ({"a": object()}, {(1,): 2}, {"s": {1, 2}}):
        with pytest.raises(TypeError) as slow:
            json.dumps(bad)
        with pytest.raises(TypeError) as fast:
            dumps(bad)
        assert str(fast.value) == str(slow.value)


FLAT = """network flat() (x: [4]) {
    a = choice(relu(), tanh(), gelu())
    h = x -> linear(choice(2, 4, 8)) -> a -> linear(int(1, 5))
    return h -> dropout(float(0.0, 0.5)) -> linear(2)
}"""
SUBSET = """network pick() (x: [4]) {
    a = x -> linear(4)
    b = x -> linear(4)
    c = x -> linear(4)
    return subset(2, a, b, c) -> add() -> linear(choice(2, 3))
}"""

#: choices only (of layers, of values, of tuples, of one candidate, between tensors): drawn
#: with the rng's `_randbelow` directly (`DecisionTree._choices`)
CHOICES = """network only() (x: [4]) {
    a = x -> linear(4)
    b = x -> choice(relu(), tanh(), gelu())
    h = choice(a, b) -> linear(choice(2, 4, 8)) -> linear(choice(3))
    return h -> reshape(choice((1, 3), (3, 1), (3,))) -> flatten() -> linear(2)
}"""


class _Counting(random.Random):
    """A `random.Random` subclass: drawn through `randrange`, never the shortcut."""


@pytest.mark.parametrize("text", [FLAT, SUBSET, SYN, CHOICES],
                         ids=["flat", "subset", "conditional", "choices"])
def test_draws_are_the_walks_draws(text):
    """`DecisionTree.sample` draws a tree without conditions in declaration order, without
    the walk: the same assignments from the same rng as the walk draws."""
    tree = make_space(text).tree
    assert (tree._choices is not None) == (text is CHOICES)
    for rng in (random.Random, _Counting):
        fast, slow = rng(3), rng(3)
        for _ in range(300):
            walked = {d.key: v for d, v in tree.walk(lambda d, r=slow: d.sample(r))}
            drawn = tree.sample(fast)
            assert drawn == walked and list(drawn) == list(walked)
            assert [type(v) for v in drawn.values()] == [type(v) for v in walked.values()]
        assert fast.random() == slow.random()  # the same draws consumed


def _searched(name: str, reuse: bool, text: str, budget: int = 40):
    from archlang.search import base, get_searcher, run_search
    from archlang.search.storage import Storage

    saved, base.REUSE_KEYS = base.REUSE_KEYS, reuse
    try:
        space = make_space(text)
        searcher = get_searcher(name, seed=1)
        store = Storage(":memory:").open_study("s")
        study = run_search(space, reward, searcher, budget, recorder=store,
                           max_duplicates=10 * budget)
    finally:
        base.REUSE_KEYS = saved
    trials = [(t.number, t.assignment, t.hash, t.state, t.metrics, t.duplicate_of)
              for t in study.trials]
    stored = [(t.number, t.assignment, t.hash, t.state, t.metrics, t.duplicate_of)
              for t in store.trials()]
    return trials, stored, sorted(searcher.proposed)


@pytest.mark.parametrize("name", ["random", "grid", "evolution", "mcts", "bo"])
@pytest.mark.parametrize("text", [FLAT, SUBSET, SYN], ids=["flat", "subset", "conditional"])
def test_observed_keys_reused_from_admit_change_nothing(name, text):
    if name == "grid" and text == FLAT:
        text = FLAT.replace("float(0.0, 0.5)", "choice(0.0, 0.5)")  # grid: finite only
    assert _searched(name, True, text) == _searched(name, False, text)


def test_a_reused_key_needs_the_very_values_admit_saw():
    from archlang.search.base import Searcher

    searcher = RandomSearch(seed=0)
    searcher.setup(make_space(FLAT))
    proposal = searcher.propose()
    key = next(iter(searcher.proposed))
    assert searcher.key_of(dict(proposal)) == key  # a copy: the same values
    first = next(iter(proposal))
    for value in (True, 1.0, -0.0, [proposal[first]]):  # equal to Python, printed apart
        other = {**proposal, first: value}
        assert searcher.key_of(other) == assignment_key(other)
    reordered = dict(reversed(list(proposal.items())))
    assert searcher.key_of(reordered) == assignment_key(reordered) == key
    searcher.observe({**proposal, first: True}, {"state": "failed", "metrics": {},
                                                 "score": None})
    assert assignment_key({**proposal, first: True}) in searcher.proposed
    listed = Searcher(seed=0)
    listed.setup(make_space(SUBSET))
    assert listed.admit({"pick.subset": [0, 1], "pick.choice": 2})
    assert listed._admitted is None  # a list value may change in place: always encoded

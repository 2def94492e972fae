"""The decision kinds' laws (sampling stays in the domain, normalize is idempotent, JSON
round-trips, encodings fit their width) and the one walk over active decisions."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archlang.ir.decisions import (
    MISSING,
    OPEN,
    CandidateChoice,
    DecisionPoint,
    DecisionTree,
    FloatRange,
    IntRange,
    Subset,
    ValueChoice,
    iter_assignments,
)
from archlang.testing.spaces import CONDITIONAL_SPACES

_labels = st.lists(st.text("abcxyz()", min_size=1, max_size=4), min_size=2, max_size=6,
                   unique=True).map(tuple)
_plain = st.one_of(st.integers(-5, 300), st.booleans(), st.none(), st.text("ab", max_size=3),
                   st.floats(-10, 10, allow_nan=False))


@st.composite
def _value_choice(draw: st.DrawFn) -> ValueChoice:
    values = draw(st.lists(_plain, min_size=2, max_size=6,
                           unique_by=lambda v: (type(v), v)).map(tuple))
    return ValueChoice("c", labels=tuple(repr(v) for v in values), values=values)


@st.composite
def _int_range(draw: st.DrawFn) -> IntRange:
    low = draw(st.integers(-50, 50))
    return IntRange("n", low=low, high=low + draw(st.integers(0, 300)))


@st.composite
def _float_range(draw: st.DrawFn) -> FloatRange:
    log = draw(st.booleans())
    low = draw(st.floats(1e-6, 10.0) if log else st.floats(-10.0, 10.0))
    return FloatRange("lr", low=low, high=low * 2 + 1.0 if log else low + 1.5, log=log)


@st.composite
def _subset(draw: st.DrawFn) -> Subset:
    labels = draw(_labels)
    return Subset("s", labels=labels, k=draw(st.integers(1, len(labels))))


decisions = st.one_of(_value_choice(), _labels.map(lambda ls: CandidateChoice("c", labels=ls)),
                      _int_range(), _float_range(), _subset())


@settings(max_examples=150, deadline=None)
@given(decisions, st.integers(0, 2**32))
def test_samples_and_strategy_values_are_in_the_domain(d: DecisionPoint, seed: int) -> None:
    rng = random.Random(seed)
    value = d.sample(rng)
    assert d.contains(value)
    assert d.contains(d.normalize(value))
    assert d.normalize(d.normalize(value)) == d.normalize(value)
    if d.finite:
        assert any(d.normalize(value) == v for v in d.domain())
        assert len(list(d.domain())) == d.cardinality()


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_the_hypothesis_strategy_draws_members(data: st.DataObject) -> None:
    d = data.draw(decisions)
    assert d.contains(data.draw(d.strategy()))


@settings(max_examples=150, deadline=None)
@given(decisions, st.integers(0, 2**32))
def test_mutation_moves_to_another_member(d: DecisionPoint, seed: int) -> None:
    rng = random.Random(seed)
    if d.cardinality() < 2:
        return
    value = d.sample(rng)
    for local in (0.0, 1.0):
        moved = d.mutate(value, rng, local=local)
        # by type as well: `choice(0, False)` has two candidates that Python calls equal
        before, after = d.normalize(value), d.normalize(moved)
        assert d.contains(moved) and (type(after), after) != (type(before), before)


@settings(max_examples=150, deadline=None)
@given(decisions, st.integers(0, 2**32))
def test_encoding_fits_its_width(d: DecisionPoint, seed: int) -> None:
    entries = d.encode(d.sample(random.Random(seed)))
    assert entries and all(0 <= i < d.encoding_width() for i, _ in entries)
    assert all(0.0 <= v <= 1.0 for _, v in entries)


@settings(max_examples=150, deadline=None)
@given(decisions, st.one_of(st.none(), st.frozensets(st.integers(0, 4), min_size=1)))
def test_json_round_trips(d: DecisionPoint, allowed: frozenset[int] | None) -> None:
    from dataclasses import replace

    if allowed is not None:
        d = replace(d, cond=("parent", allowed))
    text = json.dumps(d.to_json())
    back = DecisionPoint.from_json(json.loads(text))
    assert type(back) is type(d) and back == d and back.to_json() == d.to_json()


def test_kind_names_and_json_fields_are_the_user_visible_ones() -> None:
    assert [d.to_json() for d in (
        ValueChoice("w", labels=("16", "32"), values=(16, 32)),
        CandidateChoice("op", labels=("conv()", "pool()")),
        IntRange("n", low=1, high=3),
        FloatRange("lr", low=0.001, high=0.1, log=True),
        Subset("s", labels=("a", "b", "c"), k=2, cond=("n", frozenset({2, 3}))),
    )] == [
        {"key": "w", "kind": "choice", "labels": ["16", "32"], "values": [16, 32]},
        {"key": "op", "kind": "choice", "labels": ["conv()", "pool()"]},
        {"key": "n", "kind": "int", "low": 1, "high": 3},
        {"key": "lr", "kind": "float", "low": 0.001, "high": 0.1, "log": True},
        {"key": "s", "kind": "subset", "labels": ["a", "b", "c"], "k": 2,
         "when": {"key": "n", "in": [2, 3]}},
    ]


def test_how_values_read() -> None:
    layer = CandidateChoice("op", labels=("conv()", "pool()"))
    pick = Subset("s", labels=("a", "b", "c"), k=2)
    width = ValueChoice("w", labels=("16", "32"), values=(16, 32))
    assert (layer.picked(1), pick.picked([0, 2]), width.picked(16)) == (
        ("pool()",), ("a", "c"), None)
    assert (layer.picked_text(0, ","), pick.picked_text([0, 2], ","),
            width.picked_text(16, ",")) == ("conv()", "{a,c}", None)
    assert [d.value_text(v) for d, v in ((layer, 1), (pick, [1, 2]), (width, 32))] == [
        "1: pool()", "{b, c}", "32"]
    assert (layer.readable, pick.readable, width.readable) == (False, False, True)
    assert (width.int_bounds(), IntRange("n", low=0, high=4).int_bounds(),
            layer.int_bounds()) == ((16, 32), (0, 4), None)


# ---------------------------------------------------------------- the walk


def _tree() -> DecisionTree:
    n = IntRange("n", low=1, high=3)
    a = CandidateChoice("a", labels=("x", "y"), cond=("n", frozenset({2, 3})))
    b = ValueChoice("b", labels=("1", "2"), values=(1, 2), cond=("a", frozenset({1})))
    w = Subset("w", labels=("p", "q", "r"), k=2)
    return DecisionTree([n, a, b, w])


def test_walk_reveals_children_as_values_are_chosen() -> None:
    tree = _tree()
    seen = []

    def choose(d: DecisionPoint) -> object:
        seen.append(d.key)
        return {"n": 2, "a": 1, "b": 2, "w": [0, 1]}[d.key]

    assert [(d.key, v) for d, v in tree.walk(choose)] == [
        ("n", 2), ("a", 1), ("b", 2), ("w", [0, 1])]
    assert seen == ["n", "a", "b", "w"]  # each asked once, parents first
    assert [d.key for d, _ in tree.walk({"n": 1, "a": 1, "w": [0, 1]})] == ["n", "w"]
    assert [(d.key, v) for d, v in tree.walk({"w": [0, 2]})] == [("n", MISSING), ("w", [0, 2])]
    assert [d.key for d, _ in tree.walk(lambda d: OPEN)] == ["n", "a", "b", "w"]


def test_walk_follows_a_given_order_that_keeps_parents_first() -> None:
    tree = _tree()
    order = [tree.by_key[k] for k in ("w", "n", "a", "b")]
    got = [d.key for d, _ in tree.walk({"n": 3, "a": 1, "b": 1, "w": [1, 2]}, order=order)]
    assert got == ["w", "n", "a", "b"]


def test_descendants_are_transitive() -> None:
    tree = _tree()
    assert tree.descendants("n") == {"a", "b"}
    assert tree.descendants("w") == set()


@pytest.mark.parametrize("text", [t for t, _ in CONDITIONAL_SPACES])
def test_enumeration_sampling_and_active_agree(text: str) -> None:
    import archlang

    tree = archlang.parse(text).network().tree
    every = list(iter_assignments(tree))
    assert len(every) == tree.size()
    assert len({json.dumps(a, sort_keys=True) for a in every}) == len(every)
    rng = random.Random(0)
    for a in every[:50] + [tree.sample(rng) for _ in range(50)]:
        assert [d.key for d in tree.active(a)] == list(a)

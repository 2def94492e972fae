"""Objectives, counts with suffixes, and the Pareto front (checked against brute force)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from search_spaces import SYN, make_space, reward

from archlang.search import GridSearch, run_search
from archlang.search.objectives import Objective, dominates, pareto_front, parse_count
from archlang.search.study import COMPLETE, Study, Trial


def brute_front(points):
    return [i for i, p in enumerate(points)
            if not any(all(q[k] >= p[k] for k in range(len(p))) and q != p
                       for q in points)]


points = st.integers(1, 3).flatmap(lambda d: st.lists(
    st.tuples(*[st.integers(-4, 4).map(float)] * d), max_size=30))


@given(points)
def test_the_front_is_what_brute_force_finds(pts):
    assert pareto_front(pts) == brute_front(pts)


@given(points)
def test_nothing_on_the_front_is_dominated_and_everything_off_it_is(pts):
    front = set(pareto_front(pts))
    for i, p in enumerate(pts):
        beaten = any(dominates(q, p) for q in pts)
        assert beaten == (i not in front)


@pytest.mark.parametrize("text,expected", [
    ("val_accuracy", Objective("val_accuracy", "maximize")),
    ("params:min", Objective("params", "minimize")),
    ("latency_ms:minimize", Objective("latency_ms", "minimize")),
    ("accuracy:MAX", Objective("accuracy", "maximize")),
])
def test_objectives_parse(text, expected):
    assert Objective.parse(text) == expected
    assert Objective.parse(str(expected)) == expected


@pytest.mark.parametrize("text", ["", "acc:up", "9lives", "a b:max"])
def test_bad_objectives_say_how_to_write_one(text):
    with pytest.raises(ValueError, match="max|min"):
        Objective.parse(text)


@pytest.mark.parametrize("text,n", [("300k", 300_000), ("2M", 2_000_000), ("1.5g", 1_500_000_000),
                                    ("12_000", 12_000), (" 7 ", 7), ("2.5k", 2500)])
def test_counts_with_suffixes(text, n):
    assert parse_count(text) == n


@pytest.mark.parametrize("text", ["2X", "-3", "1.5", "k", "2 M M"])
def test_bad_counts(text):
    with pytest.raises(ValueError):
        parse_count(text)


def test_a_search_with_two_objectives_keeps_a_front():
    objectives = [Objective("val_accuracy"), Objective("params", "minimize")]
    study = run_search(make_space(SYN), reward, GridSearch(seed=0), budget=100,
                       objectives=objectives)
    front = study.pareto()
    done = study.evaluated()
    assert front and study.objective == "val_accuracy"
    pts = [(t.metrics["val_accuracy"], -t.metrics["params"]) for t in done]
    assert {t.number for t in front} == {done[i].number for i in brute_front(pts)}
    assert front == sorted(front, key=lambda t: (-t.metrics["val_accuracy"],
                                                 t.metrics["params"], t.number))
    assert study.best is front[0]


def test_ties_on_the_first_objective_go_to_the_next():
    study = Study(objectives=[Objective("acc"), Objective("params", "minimize")],
                  trials=[Trial(0, {}, "a", COMPLETE, {"acc": 0.5, "params": 9}),
                          Trial(1, {}, "b", COMPLETE, {"acc": 0.5, "params": 3}),
                          Trial(2, {}, "c", COMPLETE, {"acc": 0.4, "params": 1})])
    assert [t.number for t in study.ranked()] == [1, 0, 2]
    assert [t.number for t in study.pareto()] == [1, 2]


def test_every_objective_must_be_reported():
    study = run_search(make_space(SYN), lambda a: {"val_accuracy": 1.0}, GridSearch(seed=0),
                       budget=2, objectives=[Objective("val_accuracy"), Objective("params")])
    assert study.best is None and "no `params`" in study.trials[0].error


def test_a_stored_trial_without_an_objective_is_not_ranked():
    study = Study(objectives=[Objective("latency", "minimize")],
                  trials=[Trial(0, {}, "h", COMPLETE, {"val_accuracy": 1.0}),
                          Trial(1, {}, "g", COMPLETE, {"latency": 2.0})])
    assert [t.number for t in study.ranked()] == [1]
    assert study.score(study.trials[1]) == -2.0

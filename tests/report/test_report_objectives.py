"""Best-so-far series and Pareto fronts, on studies built by hand and drawn by hypothesis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from archlang.report.objectives import best_so_far, objectives, pareto_front, value
from archlang.search.objectives import Objective
from archlang.search.study import COMPLETE, FAILED, Study, Trial


def _study(points: list[tuple[float, float]], dirs=("maximize", "minimize")) -> Study:
    return Study(trials=[Trial(i, {}, state=COMPLETE, metrics={"a": a, "b": b})
                         for i, (a, b) in enumerate(points)],
                 objectives=[Objective("a", dirs[0]), Objective("b", dirs[1])])


def test_single_objective_study_reads_as_one_objective() -> None:
    assert objectives(Study("loss", "minimize")) == [("loss", "minimize")]


def test_best_so_far_skips_failed_and_reused_trials() -> None:
    s = Study("a", "minimize", [
        Trial(0, {}, state=COMPLETE, metrics={"a": 3.0}),
        Trial(1, {}, state=FAILED, error="boom"),
        Trial(2, {}, state=COMPLETE, metrics={"a": 1.0}, duplicate_of=0),
        Trial(3, {}, state=COMPLETE, metrics={"a": 2.0}),
        Trial(4, {}, state=COMPLETE, metrics={"a": 5.0}),
    ])
    assert best_so_far(s, ("a", "minimize")) == ([0, 3, 4], [3.0, 2.0, 2.0])


def test_front_of_a_known_set() -> None:
    s = _study([(0.9, 100), (0.8, 10), (0.85, 200), (0.7, 5), (0.8, 10), (0.6, 50)])
    assert [t.number for t in pareto_front(s)] == [0, 1, 4, 3]  # equal points both stay


def test_study_pareto_is_used_when_the_study_has_one() -> None:
    s = _study([(0.9, 100), (0.8, 10)])
    s.pareto = lambda: [s.trials[1]]  # type: ignore[attr-defined]
    assert pareto_front(s) == [s.trials[1]]


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=40),
       st.sampled_from(["maximize", "minimize"]), st.sampled_from(["maximize", "minimize"]))
def test_front_is_exactly_the_non_dominated_trials(points, da, db) -> None:
    s = _study([(float(a), float(b)) for a, b in points], (da, db))
    sa, sb = (1 if da == "maximize" else -1), (1 if db == "maximize" else -1)

    def key(t):
        return (sa * value(t, "a"), sb * value(t, "b"))

    def dominates(p, q):
        return p[0] >= q[0] and p[1] >= q[1] and p != q

    front = pareto_front(s)
    assert {t.number for t in front} == {
        t.number for t in s.trials if not any(dominates(key(o), key(t)) for o in s.trials)}
    firsts = [sa * value(t, "a") for t in front]
    assert firsts == sorted(firsts, reverse=True)  # best first by the first objective

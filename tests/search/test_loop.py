"""run_search: failures are recorded and the search goes on; equal networks run once."""

from __future__ import annotations

import math

from search_spaces import SYN, SYN_BEST, SYN_SIZE, make_space, reward

from archlang.search import GridSearch, RandomSearch, Searcher, run_search
from archlang.search.study import COMPLETE, FAILED, Trial


class Recording(GridSearch):
    """Grid search that remembers what it was told."""

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.seen: list[tuple[dict, dict]] = []

    def observe(self, assignment, result):
        self.seen.append((assignment, result))


def test_grid_over_the_whole_space_finds_the_best():
    study = run_search(make_space(SYN), reward, GridSearch(seed=0), budget=100)
    assert len(study.trials) == SYN_SIZE
    assert study.stopped.startswith("exhausted")
    assert study.best.assignment == SYN_BEST
    assert study.best.metrics["val_accuracy"] == 1.0
    assert [t.number for t in study.trials] == list(range(SYN_SIZE))


def test_budget_counts_evaluated_trials():
    calls = []
    study = run_search(make_space(SYN), lambda a: calls.append(a) or reward(a),
                       RandomSearch(seed=0), budget=5)
    assert study.stopped == "budget" and study.spent == 5 and len(calls) == 5
    assert all(t.state == COMPLETE and t.hash and t.seconds >= 0 for t in study.trials)


def test_a_failing_evaluator_is_recorded_and_the_search_goes_on():
    def flaky(arch):
        if arch.assignment["syn.act"] == 1:
            raise RuntimeError("out of memory")
        return reward(arch)

    searcher = Recording()
    study = run_search(make_space(SYN), flaky, searcher, budget=100)
    failed = study.failed
    assert len(study.trials) == SYN_SIZE and len(failed) == SYN_SIZE // 2
    assert all(t.error == "RuntimeError: out of memory" and t.metrics == {} for t in failed)
    assert study.best is not None and study.best.ok
    assert [a for a, _ in searcher.seen] == [t.assignment for t in study.trials]
    assert {r["state"] for _, r in searcher.seen} == {COMPLETE, FAILED}
    assert all(r["score"] is None for _, r in searcher.seen if r["state"] == FAILED)


def test_nan_metrics_and_a_missing_objective_fail_the_trial():
    def bad(arch):
        n = arch.assignment["syn.repeat"]
        return {"val_accuracy": math.nan} if n == 1 else {"loss": 0.1}

    study = run_search(make_space(SYN), bad, GridSearch(seed=0, spread=False), budget=100)
    assert study.best is None and len(study.failed) == SYN_SIZE
    assert "is nan" in study.trials[0].error
    assert "no `val_accuracy`" in study.trials[-1].error


def test_a_bind_error_is_a_failed_trial_with_the_rendered_message():
    space = make_space('network b() (x: [4]) { h = x -> linear(choice(4, 5))\n return h + x }')
    study = run_search(space, reward, GridSearch(seed=0), budget=10)
    ok, bad = study.trials
    assert ok.ok and not bad.ok and bad.hash is None
    assert "error[E401]" in bad.error and "same shape" in bad.error


def test_equal_networks_are_evaluated_once_and_not_counted():
    space = make_space("network d() (x: [4]) { return x -> choice(relu(), relu(), tanh()) "
                       "-> linear(2) }")
    calls = []
    study = run_search(space, lambda a: calls.append(a) or reward(a),
                       GridSearch(seed=0, spread=False), budget=2)
    assert len(calls) == 2 and study.spent == 2 and len(study.trials) == 3
    dup = study.trials[1]
    assert dup.duplicate_of == 0 and dup.metrics == study.trials[0].metrics
    assert [t.number for t in study.ranked()] == [0, 2]


def test_too_many_duplicates_stop_the_search():
    space = make_space("network d() (x: [4]) { return x -> choice(relu(), relu(), relu()) "
                       "-> linear(2) }")
    study = run_search(space, reward, GridSearch(seed=0), budget=5, max_duplicates=0)
    assert study.stopped == "duplicates" and study.spent == 1


def test_minimize_ranks_the_smallest_first():
    study = run_search(make_space(SYN), reward, GridSearch(seed=0), budget=100,
                       objective="params", direction="minimize")
    assert study.best.metrics["params"] == min(t.metrics["params"] for t in study.trials)


def test_interrupt_returns_the_study_so_far():
    def stop(arch):
        raise KeyboardInterrupt

    study = run_search(make_space(SYN), stop, GridSearch(seed=0), budget=3)
    assert study.stopped == "interrupted" and study.trials == []


def test_trial_is_a_plain_record():
    t = Trial(3, {"a": 1}, hash="h", state=COMPLETE, metrics={"val_accuracy": 0.5})
    assert t.to_dict() == {"number": 3, "assignment": {"a": 1}, "hash": "h",
                           "state": COMPLETE, "metrics": {"val_accuracy": 0.5},
                           "seconds": 0.0, "error": None, "duplicate_of": None,
                           "started": None, "lost": 0}


def test_the_base_searcher_is_abstract():
    s = Searcher(seed=0)
    s.setup(make_space(SYN))
    assert len(s.decisions) == 6
    try:
        s.propose()
    except NotImplementedError:
        pass
    else:
        raise AssertionError("propose must be implemented")

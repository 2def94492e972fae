"""Infeasible trials (static constraints, `require`) and evaluations that fail, hang or die."""

from __future__ import annotations

import math
import os
import signal
import time

import pytest
from search_spaces import make_space, reward

from archlang.search import GridSearch, RandomSearch, run_search
from archlang.search.objectives import Constraints
from archlang.search.study import COMPLETE, FAILED, INFEASIBLE

WIDTHS = """network w() (x: [4]) {
    width = choice(2, 8, 32, 128)
    act = choice(relu(), tanh())
    require not (width == 2 or width == 9)
    return x -> linear(width) -> act -> linear(2)
}"""
# params by width: 4w + w (linear 4->w) + 2w + 2 (linear w->2)
PARAMS = {w: 7 * w + 2 for w in (2, 8, 32, 128)}


@pytest.fixture
def space():
    return make_space(WIDTHS.replace("width == 2", "width < 0"))  # no require


def test_max_params_is_checked_before_training_and_not_counted(space):
    trained = []
    study = run_search(space, lambda a: trained.append(a.params) or reward(a),
                       GridSearch(seed=0), budget=100,
                       constraints=Constraints(max_params=PARAMS[32]))
    assert max(trained) <= PARAMS[32] and len(trained) == 6
    bad = study.infeasible
    assert len(bad) == 2 and all(t.assignment["w.width"] == 128 for t in bad)
    assert {t.state for t in bad} == {INFEASIBLE}
    assert all(t.metrics == {"params": PARAMS[128], "flops": t.metrics["flops"]} for t in bad)
    assert "--max-params" in bad[0].error and study.spent == 6
    assert study.best.state == COMPLETE


def test_max_flops(space):
    study = run_search(space, reward, GridSearch(seed=0), budget=100,
                       constraints=Constraints(max_flops=100))
    assert {t.assignment["w.width"] for t in study.infeasible} == {32, 128}
    assert all(t.metrics["flops"] > 100 for t in study.infeasible)
    assert all(space.bind(t.assignment).flops <= 100 for t in study.trials if t.ok)


def test_infeasible_trials_do_not_use_the_budget(space):
    study = run_search(space, reward, GridSearch(seed=0), budget=3,
                       constraints=Constraints(max_params=PARAMS[2]))
    assert study.spent == 2 and len(study.infeasible) == 6  # the space holds only 2
    assert study.stopped.startswith("exhausted")


def test_a_require_on_static_figures_makes_the_trial_infeasible():
    """`params` is known only after bind: the loop records the trial infeasible, untrained."""
    calls = []
    text = WIDTHS.replace("width == 2 or width == 9", "params <= 20")  # 7w + 2 <= 20: w = 2
    study = run_search(make_space(text), lambda a: calls.append(a) or reward(a),
                       GridSearch(seed=0), budget=100)
    bad = study.infeasible
    assert [t.assignment["w.width"] for t in bad] == [2, 2]
    assert all(t.hash is None and "error[E514]" in t.error for t in bad)
    assert "does not hold" in bad[0].error
    assert len(calls) == 6 and study.spent == 6


def test_a_require_on_decisions_is_never_proposed():
    """A `require` that reads only decisions keeps its assignments out of every proposal."""
    calls = []
    study = run_search(make_space(WIDTHS), lambda a: calls.append(a) or reward(a),
                       GridSearch(seed=0), budget=100)
    assert not study.infeasible
    assert all(t.assignment["w.width"] != 2 for t in study.trials)
    assert len(calls) == 6 and study.spent == 6


def test_too_many_infeasible_proposals_stop_the_search(space):
    study = run_search(space, reward, RandomSearch(seed=0), budget=5,
                       constraints=Constraints(max_params=1), max_infeasible=3)
    assert study.stopped == "infeasible" and len(study.trials) == 4 and study.spent == 0


# ---------------------------------------------------------------- evaluations in a worker


def slow_on_128(arch):
    if arch.assignment["w.width"] == 128:
        time.sleep(60)
    return reward(arch)


def test_a_trial_past_its_timeout_fails_and_the_search_goes_on(space):
    start = time.perf_counter()
    study = run_search(space, slow_on_128, GridSearch(seed=0), budget=100, trial_timeout=1.0)
    assert time.perf_counter() - start < 30
    late = [t for t in study.trials if t.assignment["w.width"] == 128]
    assert [t.state for t in late] == [FAILED, FAILED]
    assert all("timeout" in t.error and "1 s" in t.error for t in late)
    assert sum(t.ok for t in study.trials) == 6


def test_errors_nan_and_a_dead_worker_are_failures(space):
    def evaluate(arch):
        width = arch.assignment["w.width"]
        if width == 2:
            raise ValueError("no good")
        if width == 8:
            return {"val_accuracy": math.nan}
        if width == 32 and arch.assignment["w.act"] == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return {**reward(arch), "pid": os.getpid()}

    study = run_search(space, evaluate, GridSearch(seed=0), budget=100, trial_timeout=30)
    by = {(t.assignment["w.width"], t.assignment["w.act"]): t for t in study.trials}
    assert by[2, 0].error == "ValueError: no good"
    assert by[8, 1].state == FAILED and "is nan" in by[8, 1].error
    assert "died (SIGKILL)" in by[32, 1].error
    assert by[32, 0].ok and by[128, 0].ok and by[128, 1].ok
    assert by[128, 0].metrics["pid"] != os.getpid()  # it ran in a worker
    assert by[128, 0].metrics["pid"] == by[128, 1].metrics["pid"]  # the same worker

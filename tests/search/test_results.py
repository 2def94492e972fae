"""Whatever an evaluator returns, the search goes on: metrics are normalised once, stored,
shown, and a bad result fails only its trial (issue 17, item 1)."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from search_spaces import SYN, make_space

from archlang.search import GridSearch, run_search
from archlang.search.objectives import Objective
from archlang.search.results import ResultError, clean_metrics, clean_value, problem
from archlang.search.storage import Storage
from archlang.search.study import COMPLETE, FAILED, RUNNING

OBJ = [Objective("val_accuracy", "maximize")]


@pytest.mark.parametrize("value", [
    0.5, np.float32(0.5), np.float64(0.5), np.array(0.5), np.array([0.5]),
    torch.tensor(0.5), torch.tensor([0.5]), torch.tensor(0.5, requires_grad=True) * 1,
    torch.tensor([[0.5]], dtype=torch.float16),
])
def test_numbers_of_any_kind_become_floats(value):
    assert clean_value(value) == 0.5 and type(clean_value(value)) is float


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_a_tensor_on_the_gpu_becomes_a_float():
    assert clean_value(torch.tensor(0.5, device="cuda", requires_grad=True)) == 0.5


def test_integers_stay_integers_and_the_rest_is_text():
    assert clean_metrics({"params": np.int64(7), "n": torch.tensor(3), "ok": True}) == \
        {"params": 7, "n": 3, "ok": 1.0}
    assert clean_metrics({"params": "n/a", "t": torch.zeros(3), 1: None}) == \
        {"params": "n/a", "t": "tensor([0., 0., 0.])", "1": "None"}
    assert len(clean_value("x" * 10_000)) == 200


def test_a_result_that_is_not_a_mapping_is_refused():
    with pytest.raises(ResultError, match="returned 0.5 .float., not a dict of metrics"):
        clean_metrics(0.5)


def test_a_missing_text_or_non_finite_objective_is_a_problem():
    assert "no `val_accuracy`" in problem({"acc": 1.0}, OBJ)
    assert problem({"val_accuracy": "high"}, OBJ) == \
        "metric `val_accuracy` is not a number: 'high'"
    assert problem({"val_accuracy": math.nan}, OBJ) == "metric `val_accuracy` is nan"
    assert problem({"val_accuracy": 0.5, "params": "n/a"}, OBJ) is None


def _search(evaluate, tmp_path: Path, **kw):
    storage = Storage(tmp_path / "s.db")
    store = storage.open_study("s")
    study = run_search(make_space(SYN), evaluate, GridSearch(seed=0), 3, recorder=store, **kw)
    return study, store.trials()


def test_a_tensor_metric_is_stored_as_a_float(tmp_path: Path):
    study, stored = _search(lambda a: {"val_accuracy": torch.tensor(0.5),
                                       "params": "n/a"}, tmp_path)
    assert {t.state for t in stored} == {COMPLETE}
    assert stored[0].metrics == {"val_accuracy": 0.5, "params": "n/a"}
    assert study.best is not None


def test_sys_exit_in_process_fails_only_its_trial(tmp_path: Path):
    study, stored = _search(lambda a: sys.exit(3), tmp_path, executor="inprocess")
    assert {t.state for t in stored} == {FAILED}
    assert stored[0].error == "the evaluator called sys.exit(3)"


def _segfault() -> None:
    import ctypes
    import faulthandler

    faulthandler.disable()  # pytest's handler would print the worker's stack
    ctypes.string_at(0)


@pytest.mark.parametrize("die", [lambda: os._exit(7), _segfault], ids=["os._exit", "segfault"])
def test_a_dying_evaluator_fails_only_its_trial_in_a_worker(tmp_path: Path, die):
    def evaluate(arch):
        if arch.assignment["syn.repeat"] == 1 and arch.assignment.get("syn.act") == 0:
            die()
        return {"val_accuracy": 0.5}

    study, stored = _search(evaluate, tmp_path, executor="pool")
    assert RUNNING not in [t.state for t in stored]
    failed = [t for t in stored if t.state == FAILED]
    assert failed and all("evaluation process" in t.error for t in failed)
    assert any(t.state == COMPLETE for t in stored)


#: what a careless evaluator may return: any mapping of odd values, or no mapping at all
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5), st.binary(max_size=5), st.complex_numbers(),
    st.lists(st.floats(), max_size=3),
    st.builds(np.float32, st.floats(width=32)), st.builds(np.int64, st.integers(-9, 9)),
    st.builds(lambda x: np.array(x), st.floats()), st.builds(torch.tensor, st.floats()),
    st.builds(lambda xs: torch.tensor(xs), st.lists(st.floats(), max_size=3)))
RESULTS = st.one_of(ODD, st.dictionaries(st.sampled_from(["val_accuracy", "params", "x"]),
                                         ODD, max_size=3))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(results=st.lists(RESULTS, min_size=3, max_size=3))
def test_random_evaluator_outputs_never_crash_the_loop_or_storage(tmp_path_factory, results):
    tmp_path = tmp_path_factory.mktemp("odd")
    outputs = iter(results)
    study, stored = _search(lambda a: next(outputs), tmp_path)
    assert [t.state for t in stored] == [t.state for t in study.trials]
    assert all(t.state in (COMPLETE, FAILED) for t in stored)
    for t in stored:
        assert (t.state == FAILED) == (t.error is not None)
        assert all(isinstance(v, (int, float, str)) for v in t.metrics.values())
        if t.state == COMPLETE:
            assert isinstance(t.metrics["val_accuracy"], (int, float))

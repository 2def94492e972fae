"""Weight-sharing search end to end on digits, at a tiny budget."""

from __future__ import annotations

import pytest

import archlang.oneshot
from archlang.oneshot import WeightSharingEvaluator, build_shared_model, run_weight_sharing_search
from archlang.oneshot.train import CHECKPOINT
from archlang.search import get_searcher, run_search


@pytest.mark.parametrize("kind", ["supernet", "hypernet"])
def test_a_tiny_weight_sharing_search_on_digits(kind, elastic, tmp_path):
    phases = []
    result = run_weight_sharing_search(
        elastic, "digits", get_searcher("random", seed=0), budget=4, kind=kind, retrain_top=2,
        storage_dir=tmp_path, steps=20, retrain_options={"epochs": 1},
        on_phase=lambda phase, done, total: phases.append((phase, done, total)))
    assert (tmp_path / kind / CHECKPOINT).exists()
    assert [p for p in phases if p[1] == p[2]] == [("train", 20, 20), ("search", 4, 4),
                                                   ("retrain", 2, 2)]
    assert result.study.spent == 4 and len(result.train_log.losses) == 20
    ranked = result.study.ranked()
    assert [r.trial for r in result.retrained] == [t.number for t in ranked[:2]]
    for r in result.retrained:
        assert 0 <= r.one_shot <= 1 and 0 <= r.metrics["val_accuracy"] <= 1
        assert r.metrics["params"] == elastic.bind(r.assignment).params
    assert result.best in result.retrained
    assert set(result.seconds) == {"build", "train", "search", "retrain"}


def test_the_evaluator_plugs_into_run_search(elastic, digits_data):
    model = build_shared_model(elastic, "supernet")
    study = run_search(elastic, WeightSharingEvaluator(model, digits_data),
                       get_searcher("grid"), budget=3)
    assert [t.ok for t in study.trials] == [True, True, True]
    assert all(0 <= t.metrics["val_accuracy"] <= 1 for t in study.trials)


def test_unknown_kind_is_named(elastic):
    with pytest.raises(ValueError, match="known: supernet, hypernet"):
        build_shared_model(elastic, "darts")


def test_import_archlang_oneshot_does_not_import_torch():
    import subprocess
    import sys

    code = "import archlang.oneshot, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
    assert archlang.oneshot.__all__

"""Every search algorithm and both one-shot kinds run on the field's two canonical spaces,
DARTS and the ENAS macro space (issue 13 item 7), at a tiny budget each."""

from __future__ import annotations

from pathlib import Path

import pytest

import archlang
from archlang.search import get_searcher, run_search, searcher_names

ROOT = Path(__file__).resolve().parents[2]
SPACES = ["darts", "enas_macro"]
_cache: dict[str, archlang.Space] = {}


def space_of(name: str) -> archlang.Space:
    if name not in _cache:
        _cache[name] = archlang.load(ROOT / "examples" / f"{name}.arch").network()
    return _cache[name]


@pytest.mark.parametrize("algorithm", searcher_names())
@pytest.mark.parametrize("name", SPACES)
def test_every_algorithm_proposes_valid_members(name: str, algorithm: str) -> None:
    if algorithm in ("tpe", "gp"):
        pytest.importorskip("optuna")
    space = space_of(name)
    study = run_search(space, lambda arch: {"val_accuracy": arch.params % 97 / 97},
                       get_searcher(algorithm, seed=0), budget=3)
    assert len(study.trials) == 3 and all(t.ok for t in study.trials)
    for t in study.trials:
        assert space.bind(t.assignment).output_shape == (10,)


@pytest.mark.slow  # building a shared model over 1e18 members takes tens of seconds on 2 cores
@pytest.mark.parametrize("kind", ["supernet", "hypernet"])
@pytest.mark.parametrize("name", SPACES)
def test_both_one_shot_kinds_run_a_member(name: str, kind: str) -> None:
    torch = pytest.importorskip("torch")
    from archlang.oneshot import build_shared_model

    space = space_of(name)
    model = build_shared_model(space, kind)
    arch = space.sample(seed=1)
    with torch.no_grad():
        out = model(torch.randn(2, 3, 32, 32), arch=arch)
    assert tuple(out.shape) == (2, 10)

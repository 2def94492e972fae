"""A small finished search to report on: digits' space, a deterministic fake evaluator."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import archlang
from archlang.search.loop import run_search
from archlang.search.random_search import RandomSearch
from archlang.search.study import Study

ROOT = Path(__file__).resolve().parents[2]


def fake_metrics(arch) -> dict:
    """Accuracy drawn from the network's hash (equal networks score equal), real params."""
    rng = random.Random(arch.hash)
    return {"val_accuracy": 0.8 + 0.15 * rng.random(), "test_accuracy": 0.8 + 0.1 * rng.random(),
            "params": arch.params}


@pytest.fixture(scope="session")
def space():
    return archlang.load(ROOT / "examples/digits.arch").network()


@pytest.fixture(scope="session")
def study(space) -> Study:
    return run_search(space, fake_metrics, RandomSearch(seed=0), 20)


@pytest.fixture
def two_objective_study(space, study):
    """The same trials, read as a two-objective study."""
    from archlang.search.objectives import Objective

    return Study(trials=list(study.trials), stopped=study.stopped,
                 objectives=[Objective("val_accuracy", "maximize"),
                             Objective("params", "minimize")])

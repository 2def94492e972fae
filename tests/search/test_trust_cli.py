"""`archlang search` as a careless user runs it (issue 17, items 1, 2, 4, 5, 6): odd metrics,
dying evaluators, edited files, shared folders and foreign or unwritable storage."""

from __future__ import annotations

import inspect
import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import archlang
from archlang.cli import cli
from archlang.search.storage import Storage

TINY = """network tiny() (x: [1, 8, 8]) {
    c = choice(2, 4)
    return x -> conv2d(c, 3, padding = 1) -> relu() -> global_avgpool() -> linear(10)
}
"""
SCORING = """import os, sys
import torch

def honest(module, arch):
    return {"val_accuracy": 100.0 / arch.params, "params": arch.params}

def tensor(module, arch):
    return {"val_accuracy": torch.tensor(100.0 / arch.params), "params": "n/a"}

def exits(module, arch):
    sys.exit(3)

def dies(module, arch):
    os._exit(7)
"""


def run(*args):
    kw = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**kw).invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "tiny.arch").write_text(TINY, encoding="utf-8")
    (tmp_path / "scoring.py").write_text(SCORING, encoding="utf-8")
    return tmp_path / "tiny.arch", tmp_path / "scoring.py"


def search(arch: Path, scoring: Path, function: str, *args):
    return run("search", arch, "--task", f"{scoring}:{function}", "--algorithm", "grid",
               "--budget", "2", *args)


def test_a_tensor_metric_and_a_text_side_metric_are_shown_and_stored(files, tmp_path):
    result = search(*files, "tensor", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "n/a" in result.stdout
    stored = Storage(tmp_path / "out" / "study.db").open_study("tiny.tiny").trials()
    assert [t.state for t in stored] == ["complete", "complete"]
    assert isinstance(stored[0].metrics["val_accuracy"], float)
    best = json.loads((tmp_path / "out" / "best.json").read_text(encoding="utf-8"))
    assert best["metrics"]["params"] == "n/a"


@pytest.mark.parametrize(("function", "reason"), [
    ("exits", "the evaluator called sys.exit(3)"),
    ("dies", "the evaluation process exited with code 7 without a result")])
def test_an_evaluator_that_ends_its_process_fails_only_its_trial(files, tmp_path, function,
                                                                 reason):
    result = search(*files, function, "--storage", tmp_path / "s.db")
    assert result.exit_code == 1, result.output  # every trial failed: a user's error
    assert reason in result.stderr
    stored = Storage(tmp_path / "s.db").open_study("tiny.tiny").trials()
    assert [t.state for t in stored] == ["failed", "failed"]


def test_in_process_evaluation_stays_available(files, tmp_path):
    result = search(*files, "exits", "--executor", "inprocess")
    assert result.exit_code == 1 and "sys.exit(3)" in result.stderr


def test_the_same_seed_gives_the_same_trials_in_process_and_isolated(files, tmp_path):
    runs = {}
    for executor in ("inprocess", "pool"):
        db = tmp_path / f"{executor}.db"
        assert search(*files, "honest", "--executor", executor, "--storage", db,
                      "--algorithm", "random", "--seed", "3").exit_code == 0
        runs[executor] = [(t.assignment, t.metrics) for t in
                          Storage(db).open_study("tiny.tiny").trials()]
    assert runs["inprocess"] == runs["pool"]


def test_an_edit_that_changes_the_network_is_not_credited(files, tmp_path):
    # issue 17, item 2: best.json reported the old network's parameters
    arch, scoring = files
    out = tmp_path / "out"
    assert search(arch, scoring, "honest", "--out", out).exit_code == 0
    arch.write_text(TINY.replace("conv2d(c, 3", "conv2d(c * 4, 3"), encoding="utf-8")
    again = search(arch, scoring, "honest", "--out", out, "--budget", "4")
    assert again.exit_code == 0, again.output
    assert "kept 0, dropped 0 that no longer fit, 2 stale" in " ".join(again.stderr.split())
    best = json.loads((out / "best.json").read_text(encoding="utf-8"))
    network = archlang.load(out / "best.arch").network()
    assert best["metrics"]["params"] == network.bind({}).params
    listed = run("trials", "--storage", out / "study.db")
    assert listed.stdout.count("stale") >= 3  # the title and each stale row


def test_two_studies_cannot_share_one_out(files, tmp_path):
    # issue 17, item 4: following the lock's advice (--study other) overwrote best.*
    out = tmp_path / "out"
    assert search(*files, "honest", "--out", out).exit_code == 0
    before = (out / "best.json").read_bytes()
    other = search(*files, "honest", "--out", out, "--study", "other")
    assert other.exit_code == 2
    assert "holds the results of study `tiny.tiny`" in other.stderr
    assert (out / "best.json").read_bytes() == before
    assert search(*files, "honest", "--out", out).exit_code == 0  # its own study resumes


def test_another_programs_database_is_refused_untouched(files, tmp_path):
    path = tmp_path / "optuna.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE studies (study_id INTEGER PRIMARY KEY, study_name TEXT)")
    db.commit()
    db.close()
    before = path.read_bytes()
    result = search(*files, "honest", "--storage", path)
    assert result.exit_code == 2 and "another program" in result.stderr
    assert path.read_bytes() == before


def test_an_unwritable_out_says_so(files, tmp_path, monkeypatch):
    out = tmp_path / "ro"
    out.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if mode & os.W_OK and Path(p) in
                        (out, out.resolve()) else real(p, mode))  # chmod does not stop root
    result = search(*files, "honest", "--out", out)
    assert result.exit_code == 2 and "read-only" in result.stderr, result.output

"""`archlang search --storage/--objective/--max-params` and `archlang trials` end to end
(tiny digits networks, one epoch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_search_cli import runner

from archlang.cli import cli

TINY = """network tiny() (x: [1, 8, 8]) {
    c = choice(2, 4, 64)
    require params != 90  # rules out c = 4, known only once bound (a static figure)
    return x -> conv2d(c, 3, padding = 1) -> relu() -> global_avgpool() -> linear(10)
}
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.arch"
    path.write_text(TINY, encoding="utf-8")
    return path


def run(*args):
    return runner().invoke(cli, [str(a) for a in args], catch_exceptions=False,
                           env={"COLUMNS": "200"})  # rich tables without wrapping


@pytest.mark.slow
def test_out_stores_the_study_and_a_rerun_resumes_it(tiny: Path, tmp_path: Path):
    out = tmp_path / "out"
    args = ("search", tiny, "--task", "digits", "--epochs", "1", "--out", out,
            "--algorithm", "grid", "--objective", "val_accuracy:max",
            "--objective", "params:min", "--max-params", "1k")
    first = run(*args, "--budget", "1")
    assert first.exit_code == 0, first.output
    assert "new study `tiny.tiny`" in first.stderr and (out / "study.db").exists()
    second = run(*args, "--budget", "5")
    assert second.exit_code == 0, second.output
    assert "resuming study `tiny.tiny`: 1 trials stored" in second.stderr
    assert "infeasible (not trained, not counted): E514" in second.stderr
    assert "infeasible (not trained, not counted): 1,290 parameters" in second.stderr
    assert "Pareto front" in second.stdout and "exhausted" in second.stdout
    best = json.loads((out / "best.json").read_text(encoding="utf-8"))
    assert best["objectives"] == ["val_accuracy:max", "params:min"]
    assert [p["trial"] for p in best["pareto"]] == [0]

    listed = run("trials", "--storage", out / "study.db", "--json")
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    assert data["study"] == "tiny.tiny" and data["dropped"] == 0
    assert [(t["number"], t["state"]) for t in data["trials"]] == [
        (0, "complete"), (1, "infeasible"), (2, "infeasible")]
    assert data["trials"][0]["assignment"] == {"tiny.c": 2}
    table = run("trials", "--storage", out / "study.db")
    assert "E514: requirement `params != 90` does not hold" in table.stdout
    assert "--max-params 1,000" in table.stdout and "c=64" in table.stdout


def test_trials_lists_the_studies_when_there_are_several(tiny: Path, tmp_path: Path):
    db = tmp_path / "s.db"
    for name in ("one", "two"):
        result = run("search", tiny, "--task", "digits", "--epochs", "1", "--budget", "1",
                     "--storage", db, "--study", name, "--quiet")
        assert result.exit_code == 0, result.output
    listed = run("trials", "--storage", db)
    assert "2 studies" in listed.stdout and "one" in listed.stdout and "two" in listed.stdout
    assert "--study NAME" in listed.stderr
    data = json.loads(run("trials", "--storage", db, "--json").stdout)
    assert [s["name"] for s in data["studies"]] == ["one", "two"]
    assert data["studies"][0]["trials"]["complete"] == 1
    one = run("trials", "--storage", db, "--study", "one")
    assert "study `one`: " in one.stdout and "(1 complete" in one.stdout
    missing = run("trials", "--storage", db, "--study", "three")
    assert missing.exit_code == 1 and "no study `three`" in missing.stderr


def test_a_study_cannot_change_its_task_settings(tiny: Path, tmp_path: Path):
    db = tmp_path / "s.db"
    ok = run("search", tiny, "--task", "digits", "--epochs", "1", "--budget", "1",
             "--storage", db, "--quiet")
    assert ok.exit_code == 0
    other = run("search", tiny, "--task", "digits", "--epochs", "2", "--budget", "2",
                "--storage", db, "--quiet")
    assert other.exit_code == 2 and "was run with --epochs 1, not 2" in other.stderr


@pytest.mark.parametrize("option,value,message", [
    ("--objective", "acc:up", "must be `max` or `min`"),
    ("--max-params", "lots", "not a count"),
    ("--trial-timeout", "0", "0"),
])
def test_bad_options_are_usage_errors(tiny: Path, option, value, message):
    result = run("search", tiny, "--task", "digits", option, value)
    assert result.exit_code == 2 and message in result.stderr


def test_trials_needs_an_existing_file(tmp_path: Path):
    result = run("trials", "--storage", tmp_path / "nothing.db")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_an_edited_file_says_what_it_kept_and_dropped(tmp_path: Path):
    path = tmp_path / "e.arch"
    text = """network e() (x: [1, 8, 8]) {
    c = choice(2, 3)
    return x -> conv2d(c, 1) -> relu() -> global_avgpool() -> linear(10)
}
"""
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "s.db"
    args = ("search", path, "--task", "digits", "--epochs", "1", "--budget", "2",
            "--algorithm", "grid", "--storage", db)
    assert run(*args).exit_code == 0
    path.write_text(text.replace("choice(2, 3)", "choice(2, 5)"), encoding="utf-8")
    edited = run(*args)
    assert edited.exit_code == 0, edited.output
    assert "the space was edited: kept 1, dropped 1 that no longer fit" in edited.stderr
    assert "trial   2 [2/2]" in edited.stderr and "c=5" in edited.stdout
    listed = run("trials", "--storage", db)
    assert "1 dropped after an edit" in listed.stdout


def test_trials_notes_a_trial_whose_worker_died_under_it(tmp_path: Path):
    from archlang.search.storage import Storage
    from archlang.search.study import COMPLETE, Trial

    db = tmp_path / "s.db"
    with Storage(db) as storage:
        store = storage.open_study("s")
        store.finish(Trial(0, {"n.w": 8}, "h0", COMPLETE, {"val_accuracy": 0.5}, lost=1))
        store.finish(Trial(1, {"n.w": 16}, "h1", COMPLETE, {"val_accuracy": 0.6}))
    table = run("trials", "--storage", db)
    assert table.stdout.count("its worker died: re-queued once") == 1, table.stdout
    data = json.loads(run("trials", "--storage", db, "--json").stdout)
    assert [t["lost"] for t in data["trials"]] == [1, 0]

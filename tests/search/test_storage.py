"""The SQLite storage: trials round-trip, studies list, bad files are refused."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from archlang.search.storage import Storage, StorageError
from archlang.search.study import COMPLETE, FAILED, INFEASIBLE, RUNNING, Trial

TRIALS = [
    Trial(0, {"n.width": 32, "n.blocks": [0, 2]}, "h0", COMPLETE,
          {"val_accuracy": 0.875, "params": 1234, "note": "ok"}, 1.5, None, None, 1.7e9),
    Trial(1, {"n.width": 16}, None, FAILED, {}, 0.25, "RuntimeError: out of memory"),
    Trial(2, {"n.width": 32, "n.blocks": [0, 2]}, "h0", COMPLETE, {"val_accuracy": 0.875},
          0.0, None, 0),
    Trial(3, {"n.width": 64}, "h3", INFEASIBLE, {"params": 9_000_000}, 0.01,
          "9,000,000 parameters > --max-params 2,000,000"),
    Trial(4, {"n.width": 8, "n.p": 0.125}, "h4", RUNNING, started=1.8e9),
    Trial(5, {"n.width": 4}, "h5", COMPLETE, {"val_accuracy": 0.5}, 2.0, lost=1),
]


def test_trials_round_trip_field_for_field(tmp_path: Path):
    path = tmp_path / "s.db"
    with Storage(path) as storage:
        store = storage.open_study("net", network="n", space_hash="abc", source="text",
                                   settings={"budget": 5}, objectives=["val_accuracy:max"])
        for t in TRIALS:
            store.start(t) if t.state == RUNNING else store.finish(t)
    with Storage(path) as storage:  # a new connection reads what the first one committed
        store = storage.open_study("net", create=False)
        assert store.trials() == TRIALS
        assert store.field("settings") == {"budget": 5}
        assert store.field("objectives") == ["val_accuracy:max"]
        assert store.field("space_hash") == "abc" and store.field("network") == "n"


def test_finish_replaces_the_running_row(tmp_path: Path):
    storage = Storage(tmp_path / "s.db")
    store = storage.open_study("a")
    t = Trial(0, {"x": 1}, "h", RUNNING, started=5.0)
    store.start(t)
    assert [x.state for x in store.trials()] == [RUNNING]
    t.state, t.metrics = COMPLETE, {"val_accuracy": 0.5}
    store.finish(t)
    assert store.trials() == [t]


def test_a_file_from_before_the_lost_column_reads_it_as_zero(tmp_path: Path):
    path = tmp_path / "old.db"
    with Storage(path) as storage:
        storage.open_study("net").finish(TRIALS[0])
        storage.db.execute("ALTER TABLE trials DROP COLUMN lost")  # as archlang wrote it
    path.chmod(0o444)
    with Storage(path, readonly=True) as storage:  # a listing leaves the file as it is
        assert storage.open_study("net", create=False).trials() == [TRIALS[0]]
    path.chmod(0o644)
    with Storage(path) as storage:  # a search adds the column
        store = storage.open_study("net", create=False)
        store.finish(TRIALS[5])
        assert store.trials() == [TRIALS[0], TRIALS[5]]


def test_file_storage_uses_wal(tmp_path: Path):
    storage = Storage(tmp_path / "s.db")
    assert storage.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_studies_are_listed_with_counts(tmp_path: Path):
    storage = Storage(tmp_path / "s.db")
    a = storage.open_study("a", network="n1")
    storage.open_study("b", network="n2")
    for t in TRIALS[:4]:
        a.finish(t)
    a.rewrite([], [1])  # dropped trials are not counted
    infos = {i.name: i for i in storage.studies()}
    assert list(infos) == ["a", "b"]
    assert infos["a"].counts == {COMPLETE: 2, INFEASIBLE: 1}
    assert infos["b"].counts == {} and infos["b"].network == "n2"
    assert [t.number for t in a.trials(dropped=True)] == [1]
    assert [t.number for t in a.trials()] == [0, 2, 3]


def test_a_missing_study_names_the_known_ones():
    storage = Storage()
    storage.open_study("first")
    with pytest.raises(StorageError, match="no study `second`.*`first`"):
        storage.open_study("second", create=False)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path):
    bad = tmp_path / "notes.db"
    bad.write_text("not sqlite at all, just some text that is long enough " * 20)
    with pytest.raises(StorageError, match="not an archlang storage file"):
        Storage(bad)


def test_a_newer_schema_is_refused(tmp_path: Path):
    path = tmp_path / "s.db"
    Storage(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StorageError, match="newer archlang"):
        Storage(path)


def test_states_are_checked_by_the_database():
    store = Storage().open_study("a")
    with pytest.raises(sqlite3.IntegrityError):
        store.finish(Trial(0, {}, state="lost"))


def test_a_database_of_another_program_is_refused_untouched(tmp_path: Path):
    # issue 17, item 5: an Optuna file got a `meta` table, then exit 3
    path = tmp_path / "optuna.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE studies (study_id INTEGER PRIMARY KEY, study_name TEXT)")
    db.execute("CREATE TABLE trials (trial_id INTEGER PRIMARY KEY, state TEXT)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="another program .tables studies, trials."):
        Storage(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["optuna.db"]


def _pretend_read_only(monkeypatch, read_only: Path) -> None:
    """chmod does not stop root (these tests often run as root): say what a user sees."""
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if mode & os.W_OK and
                        Path(p).resolve() == read_only else real(p, mode))


@pytest.mark.parametrize("which", ["file", "folder"])
def test_a_read_only_location_says_so(tmp_path: Path, monkeypatch, which: str):
    path = tmp_path / "ro" / "s.db"
    path.parent.mkdir()
    Storage(path).close()
    _pretend_read_only(monkeypatch, path if which == "file" else path.parent)
    with pytest.raises(StorageError, match="is read-only .the file or its folder."):
        Storage(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_file_can_still_be_listed(tmp_path: Path):
    path = tmp_path / "s.db"
    Storage(path).open_study("a").finish(Trial(0, {}, state=COMPLETE))
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(StorageError, match="read-only"):
            Storage(path)
        assert [s.name for s in Storage(path, readonly=True).studies()] == ["a"]
    finally:
        tmp_path.chmod(0o755)


def test_a_listing_never_creates_a_file(tmp_path: Path):
    with pytest.raises(StorageError, match="no storage file"):
        Storage(tmp_path / "none.db", readonly=True)
    assert not (tmp_path / "none.db").exists()
    Storage(tmp_path / "s.db").open_study("a")
    assert [s.name for s in Storage(tmp_path / "s.db", readonly=True).studies()] == ["a"]

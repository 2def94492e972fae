"""One driver per study: a second one is refused; a lock left by a killed driver is not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import archlang
from archlang.cli.search_cmd import search
from archlang.search.storage import Storage, StorageError, StudyLock, StudyLocked

ROOT = Path(archlang.__file__).resolve().parent.parent
HOLD = """import sys, time
from archlang.search.storage import Storage
Storage(sys.argv[1]).lock("s")
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_lock_on_the_same_study_is_refused_until_released(tmp_path):
    first = Storage(tmp_path / "s.db").lock("s")
    with pytest.raises(StudyLocked, match=rf"study `s` is being searched by pid {os.getpid()}"):
        Storage(tmp_path / "s.db").lock("s")
    other = Storage(tmp_path / "s.db").lock("another study")  # other studies are free
    first.release()
    Storage(tmp_path / "s.db").lock("s").release()
    other.release()
    assert Storage(":memory:").lock("s") is None


def test_a_lock_left_by_a_sigkilled_driver_is_taken_over(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "s.db")], env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(StudyLocked, match=f"pid {proc.pid}"):
            Storage(tmp_path / "s.db").lock("s")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    Storage(tmp_path / "s.db").lock("s").release()  # the kernel dropped it with the process


def test_a_forked_child_does_not_keep_its_parents_lock(tmp_path):
    lock = Storage(tmp_path / "s.db").lock("s")
    ready, tell = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child outlives the lock's release below
        import time

        os.write(tell, b"up")  # the fork handlers have run by now
        time.sleep(3)
        os._exit(0)
    try:
        assert os.read(ready, 2) == b"up"
        lock.release()
        Storage(tmp_path / "s.db").lock("s").release()
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_the_command_refuses_a_second_driver_with_exit_code_3(tmp_path):
    arch = tmp_path / "w.arch"
    arch.write_text("network w() (x: [1, 8, 8]) {\n    return x -> global_avgpool() -> "
                    "linear(choice(10))\n}\n", encoding="utf-8")
    held = Storage(tmp_path / "s.db").lock("w.w")
    result = CliRunner().invoke(search, [str(arch), "--task", "digits", "--budget", "1",
                                      "--storage", str(tmp_path / "s.db")])
    held.release()
    assert result.exit_code == 4, result.output
    assert "study `w.w` is being searched by pid" in result.output
    assert "Traceback" not in result.output


def _other_paths(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    """Every other way to reach the database file ``tmp_path/a/s.db``."""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "link.db").symlink_to(tmp_path / "a" / "s.db")
    os.link(tmp_path / "a" / "s.db", tmp_path / "b" / "hard.db")
    monkeypatch.chdir(tmp_path / "b")
    return {"symlink": tmp_path / "b" / "link.db", "hard link": tmp_path / "b" / "hard.db",
            "relative": Path("../a/s.db"), "dotted": tmp_path / "b" / ".." / "a" / "s.db"}


def test_every_path_to_one_database_takes_the_same_lock(tmp_path, monkeypatch):
    # issue 17, item 4: through a symlink the study was not seen as the same one
    (tmp_path / "a").mkdir()
    held = Storage(tmp_path / "a" / "s.db").lock("s")
    for how, path in _other_paths(tmp_path, monkeypatch).items():
        with pytest.raises(StudyLocked, match="study `s` is being searched by pid"):
            StudyLock(str(path), "s").acquire()
            pytest.fail(f"the {how} path took the lock")
    held.release()
    StudyLock("../a/s.db", "s").acquire().release()


def test_a_hard_linked_database_is_refused_before_sqlite_breaks_it(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    Storage(tmp_path / "a" / "s.db").close()
    paths = _other_paths(tmp_path, monkeypatch)
    with pytest.raises(StorageError, match="has 2 hard links"):
        Storage(paths["hard link"])


def test_another_database_with_the_same_name_has_its_own_lock(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with Storage(tmp_path / "a" / "s.db").lock("s"):
        Storage(tmp_path / "b" / "s.db").lock("s").release()

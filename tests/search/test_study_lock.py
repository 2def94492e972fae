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
from archlang.search.storage import Storage, StudyLocked

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

"""A real `archlang search` process killed with SIGKILL mid-run, then run again: no finished
trial is lost and none is run twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import archlang

ROOT = Path(archlang.__file__).resolve().parent.parent
# 16 distinct small networks, a few hundred ms of training each at one epoch
SPACE = """network k() (x: [1, 8, 8]) {
    c = choice(2, 3, 4, 6)
    k = choice(1, 3)
    act = choice(relu(), tanh())
    return x -> conv2d(c, k, padding = k // 2) -> act -> global_avgpool() -> linear(10)
}
"""
BUDGET = 6


def finished(db: Path) -> dict[int, tuple]:
    """number -> (state, assignment, started, metrics) of every finished trial."""
    if not db.exists():
        return {}
    con = sqlite3.connect(db, timeout=10)
    try:
        rows = con.execute("SELECT number, state, assignment, started, metrics FROM trials "
                           "WHERE state != 'running'").fetchall()
    except sqlite3.OperationalError:  # the schema is not there yet
        return {}
    finally:
        con.close()
    return {n: (s, a, t, m) for n, s, a, t, m in rows}


def survivors(marker: str, wait: float = 5.0) -> list[int]:
    """Processes whose command line holds `marker` (forked workers share their driver's),
    after giving them up to `wait` seconds to die."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if marker in proc.joinpath("cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(proc.name))
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def command(tmp_path: Path, arch: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "archlang", "search", str(arch), "--task", "digits",
            "--epochs", "1", "--budget", str(BUDGET), "--storage", str(tmp_path / "s.db"),
            "--quiet", "--workers", str(workers)]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_then_rerun_loses_nothing_and_repeats_nothing(tmp_path: Path, workers: int):
    """With 2 workers the killed driver's workers die with it (no trial completes after the
    kill), the rerun takes over the study's lock, and reruns what was in flight."""
    arch = tmp_path / "k.arch"
    arch.write_text(SPACE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    db = tmp_path / "s.db"
    proc = subprocess.Popen(command(tmp_path, arch, workers), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(finished(db)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = finished(db)
    assert survivors(str(db)) == [], "a worker outlived its killed driver"
    assert 2 <= len(before) < BUDGET, "the search ended before it could be killed"

    again = subprocess.run(command(tmp_path, arch, workers), env=env, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{len(before)} trials stored" in again.stderr
    after = finished(db)
    assert {n: after[n] for n in before} == before  # kept exactly, not rerun
    assert len(after) == BUDGET and sorted(after) == list(range(BUDGET))
    assignments = [json.loads(a) for _, a, _, _ in after.values()]
    assert len({json.dumps(a, sort_keys=True) for a in assignments}) == BUDGET
    assert all(s == "complete" for s, *_ in after.values())


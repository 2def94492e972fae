"""A Ray node lost mid-search: its trial is re-queued once, on the node that is left.

The test starts a cluster of its own on loopback, as users start one (`ray start`, token
authentication on): a head node and a second node with one CPU each, so the search's two
Ray workers run one on each. It runs `archlang search --executor ray --address` with an
evaluator that hangs on the second node only, kills every process of that node while it
hangs (raylet, agents, the worker: a node that crashed) and starts no other, so Ray has no
room for a new worker: the head's worker must take the lost trial. It checks that the
search finishes with every trial stored once and complete, the lost one marked lost once,
the others never; then it stops its own nodes (never `ray stop`, which would stop every Ray
node of the machine) and checks that none of their processes is left.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")

import ray_nodes  # noqa: E402 - after the skip: it is of no use without Ray

from archlang.search.storage import Storage  # noqa: E402
from archlang.search.study import COMPLETE  # noqa: E402

pytestmark = pytest.mark.slow

NET = ("network n() (x: [4]) {\n"
       "    return x -> linear(choice(4, 8, 16, 32)) -> relu() -> linear(2)\n}\n")
BUDGET = 4
#: the evaluator: one file per attempt (MARKS/HASH.PID holding its Ray node's session id),
#: then a hang on the doomed node (whose session id DOOMED holds) and 2 s elsewhere
EVALUATOR = '''import os, time
from pathlib import Path

MARKS, DOOMED = Path({marks!r}), Path({doomed!r})


def evaluate(module, arch):
    node = os.getsid(0)
    (MARKS / f"{{arch.hash}}.{{os.getpid()}}").write_text(str(node))
    time.sleep(120 if DOOMED.read_text() == str(node) else 2)
    return {{"val_accuracy": 1 / (1 + arch.params)}}
'''


def test_a_node_lost_mid_search_has_its_trial_requeued_once(tmp_path: Path) -> None:
    marks, doomed = tmp_path / "marks", tmp_path / "doomed"
    marks.mkdir()
    (tmp_path / "slow_eval.py").write_text(EVALUATOR.format(marks=str(marks),
                                                            doomed=str(doomed)))
    (tmp_path / "n.arch").write_text(NET)
    # a short HOME (the token) and temp dir: Ray's socket paths must fit in 107 bytes
    home = Path(tempfile.mkdtemp(prefix="archlang-ray-"))
    env = ray_nodes.user_env(home, tmp_path)  # the evaluator's module, importable on every node
    ray_nodes.generate_token(env)
    port = ray_nodes.free_port()
    # a joining node sends the token only in token mode (as the driver: archlang.search.ray_auth)
    node_env = {**env, "RAY_AUTH_MODE": "token"}
    join = ["--address", f"127.0.0.1:{port}", "--num-cpus", "1"]
    nodes: list[subprocess.Popen[bytes]] = []
    search = None
    log = tmp_path / "search.log"
    try:
        # its own temp dir: see test_ray_cluster (the joining nodes take the head's)
        nodes.append(ray_nodes.start_node(
            ["--head", "--port", str(port), "--num-cpus", "1", "--include-dashboard=false",
             "--temp-dir", str(home / "ray")], env, home / "head.log"))
        nodes.append(ray_nodes.start_node(join, node_env, home / "doomed.log"))
        victim_node = nodes[1].pid
        doomed.write_text(str(victim_node))
        started = time.monotonic()
        with log.open("w") as out:  # a file, not a pipe: a full pipe would block the driver
            search = subprocess.Popen(
                [sys.executable, "-m", "archlang", "search", "n.arch", "--task",
                 "slow_eval:evaluate", "--algorithm", "grid", "--budget", str(BUDGET),
                 "--executor", "ray", "--workers", "2", "--address", f"127.0.0.1:{port}",
                 "--storage", "study.db", "--study", "s", "--quiet"],
                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        victim = _wait_for_mark(marks, str(victim_node), search)
        killed = ray_nodes.kill_session(victim_node)  # the node crashes mid-trial
        assert victim.name.split(".")[1] in map(str, killed)
        search.wait(timeout=240)
        took = time.monotonic() - started
        assert search.returncode == 0, log.read_text()
        with Storage(tmp_path / "study.db", readonly=True) as storage:
            stored = storage.open_study("s").trials()
        listed = subprocess.run(
            [sys.executable, "-m", "archlang", "trials", "--storage", "study.db", "--json"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    finally:
        if search is not None and search.poll() is None:
            search.kill()
            search.wait()
        ray_nodes.stop_nodes(nodes[::-1])  # the head last
        shutil.rmtree(home, ignore_errors=True)
    for node in nodes:  # the cluster it started is gone, every process of it
        assert not ray_nodes.session_pids(node.pid)
    lost_hash = victim.name.split(".")[0]
    assert [t.number for t in stored] == list(range(BUDGET))
    assert all(t.state == COMPLETE for t in stored), [t.error for t in stored]
    assert len({t.hash for t in stored}) == BUDGET  # no trial lost, none run as another
    assert {t.hash: t.lost for t in stored} == \
        {t.hash: int(t.hash == lost_hash) for t in stored}
    # attempts: the lost trial twice (the killed node, then the head), every other one once
    attempts: dict[str, list[str]] = {}
    for mark in marks.iterdir():
        attempts.setdefault(mark.name.split(".")[0], []).append(mark.read_text())
    assert sorted(attempts) == sorted(t.hash for t in stored)
    assert {h: len(a) for h, a in attempts.items()} == \
        {h: 1 + (h == lost_hash) for h in attempts}
    assert sorted(attempts[lost_hash]) == sorted([str(victim_node), str(nodes[0].pid)])
    assert json.loads(listed.stdout)["trials"][[t.hash for t in stored].index(lost_hash)][
        "lost"] == 1
    assert took < 150, f"the search took {took:.0f} s"


def _wait_for_mark(marks: Path, node: str, search: subprocess.Popen[bytes]) -> Path:
    """The first attempt that runs on `node` (its mark names that node's session)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        for mark in marks.iterdir():
            if mark.read_text() == node:
                return mark
        if search.poll() is not None:
            pytest.fail("the search ended before a trial ran on the second node: "
                        f"{(marks.parent / 'search.log').read_text()}")
        time.sleep(0.2)
    pytest.fail("no trial ran on the second node in 180 s")

"""Ray nodes started the way users start them (`ray start ... --block`), for the cluster tests.

Each node is one `ray start --block` process in a session of its own (``start_new_session``):
its raylet, its agents and the worker processes the raylet starts for actors all stay in
that session (the workers take process groups of their own, so a process group is not
enough), which is how a test finds every process of its node, and only those. `ray stop`
is never used: it stops every Ray node of the machine, other people's included.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RAY = Path(sys.executable).with_name("ray")
#: how long a node may take to start on a loaded 2-core machine
START_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def user_env(home: Path, *paths: Path) -> dict[str, str]:
    """The user's environment: no RAY_* chosen, `home` as HOME (the token's folder), archlang
    and `paths` importable everywhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(home), PYTHONPATH=os.pathsep.join(map(str, (ROOT, *paths))))
    env.pop("ARCHLANG_DEBUG", None)
    return env


def generate_token(env: dict[str, str]) -> None:
    """`ray get-auth-token --generate`: the token of `env`'s HOME, as a user makes it."""
    if not RAY.exists():
        pytest.skip("the `ray` command is not installed beside this Python")
    subprocess.run([str(RAY), "get-auth-token", "--generate"], env=env, check=True,
                   capture_output=True, timeout=120)
    assert (Path(env["HOME"]) / ".ray" / "auth_token").is_file()


def start_node(args: list[str], env: dict[str, str], log: Path, *,
               wait: bool = True) -> subprocess.Popen[bytes]:
    """`ray start ARGS --node-ip-address 127.0.0.1 --block` in a session of its own, its
    output in `log`; with `wait`, once the node says it is up."""
    with open(log, "w") as out:  # the child keeps its own copy
        proc = subprocess.Popen(
            [str(RAY), "start", *args, "--node-ip-address", "127.0.0.1",
             "--disable-usage-stats", "--block"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    if wait:
        wait_until_up(proc, log)
    return proc


def wait_until_up(proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if "will now block forever" in log.read_text():
            return
        if proc.poll() is not None:
            pytest.fail(f"ray start exited: {log.read_text()}")
        time.sleep(0.3)
    pytest.fail(f"the node did not start in {START_S} s: {log.read_text()}")


def session_of(pid: int) -> int | None:
    """The session id of process `pid`; None when it is gone or has finished (a zombie
    only waits for its parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, _ppid, _pgrp, session = stat.rsplit(")", 1)[1].split()[:4]  # after the name
    return None if state == "Z" else int(session)


def session_pids(sid: int) -> list[int]:
    """Every live process of session `sid` (a node started by `start_node`)."""
    return [int(e.name) for e in Path("/proc").iterdir()
            if e.name.isdigit() and session_of(int(e.name)) == sid]


def kill_session(sid: int, sig: int = signal.SIGKILL) -> list[int]:
    """Send `sig` to every process of session `sid`; the pids it was sent to."""
    pids = session_pids(sid)
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
    return pids


def stop_nodes(procs: list[subprocess.Popen[bytes]], grace_s: float = 10) -> None:
    """End the nodes `procs` started, and only them: SIGTERM to every process of their
    sessions, as `ray stop` does, then SIGKILL to whatever is left after `grace_s` (a
    raylet whose head has gone may wait for it a long time); returns once they are gone."""
    sids = [proc.pid for proc in procs]
    for sid in sids:
        kill_session(sid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while any(map(session_pids, sids)) and time.monotonic() < deadline:
        for proc in procs:
            proc.poll()  # reaps the `ray start` process itself
        time.sleep(0.2)
    deadline = time.monotonic() + 30
    while any(map(session_pids, sids)) and time.monotonic() < deadline:
        for sid in sids:  # again and again: a process may start one more meanwhile
            kill_session(sid)
        time.sleep(0.2)
    for proc in procs:
        proc.wait(timeout=30)
    assert not any(map(session_pids, sids)), "processes of the test's Ray nodes are left"

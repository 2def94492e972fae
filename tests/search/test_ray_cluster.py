"""`--address` reaches a Ray cluster started the way users start one: `ray start --head`.

The test starts its own head node on loopback with token authentication on (Ray's default
since 2.52), in a HOME of its own so the token is the one it made, runs a short search
through `--address`, and stops only the cluster it started (its process group).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("ray")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RAY = Path(sys.executable).with_name("ray")
NET = ("network n() (x: [1, 8, 8]) {\n"
       "    return x -> flatten() -> linear(choice(8, 16)) -> relu() -> linear(10)\n}\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    """The user's environment: no RAY_AUTH_* chosen, archlang importable everywhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    env.pop("ARCHLANG_DEBUG", None)
    return env


@pytest.fixture(scope="module")
def head(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    if not RAY.exists():
        pytest.skip("the `ray` command is not installed beside this Python")
    home = tmp_path_factory.mktemp("home")
    env = _env(home)
    subprocess.run([str(RAY), "get-auth-token", "--generate"], env=env, check=True,
                   capture_output=True, timeout=120)
    assert (home / ".ray" / "auth_token").is_file()
    port = _free_port()
    log = open(home / "head.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(RAY), "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
         "--num-cpus", "2", "--include-dashboard=false", "--disable-usage-stats", "--block",
         # its own temp dir: the shared /tmp/ray/ray_current_cluster it would leave behind
         # makes every later `ray.init()` on the machine try to join this (stopped) cluster
         "--temp-dir", str(home / "ray")],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(port, proc, home / "head.log")
        yield f"127.0.0.1:{port}", env
    finally:
        _stop(proc)
        log.close()


def _wait_for(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"ray start exited: {log.read_text()}")
        if "will now block forever" in log.read_text():
            return
        time.sleep(0.5)
    pytest.fail(f"the head node did not start: {log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End the head node this test started, and only it: `ray stop` would end them all."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # its children share its process group
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)


def _search(tmp_path: Path, address: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "n.arch").write_text(NET, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "archlang", "search", "n.arch", "--task", "digits",
         "--epochs", "1", "--budget", "2", "--executor", "ray", "--workers", "2",
         "--address", address, "--quiet"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_a_search_reaches_a_token_authenticated_cluster_through_address(
        head: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    address, env = head
    done = _search(tmp_path, address, env)
    assert done.returncode == 0, done.stderr
    assert "val acc" in done.stdout


def test_without_the_token_the_failure_says_where_ray_reads_it(
        head: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    address, env = head
    env = {**env, "HOME": str(tmp_path)}  # a user without the cluster's token
    done = _search(tmp_path, address, env)
    assert done.returncode == 2
    assert f"cannot connect to Ray at {address}" in done.stderr
    assert "~/.ray/auth_token" in done.stderr and "RAY_AUTH_TOKEN" in done.stderr

"""`--address` reaches a Ray cluster started the way users start one: `ray start --head`.

The test starts its own head node on loopback with token authentication on (Ray's default
since 2.52), in a HOME of its own so the token is the one it made, runs a short search
through `--address`, and stops only the cluster it started (its session: `ray_nodes`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("ray")

import ray_nodes  # noqa: E402 - after the skip: it is of no use without Ray

pytestmark = pytest.mark.slow

NET = ("network n() (x: [1, 8, 8]) {\n"
       "    return x -> flatten() -> linear(choice(8, 16)) -> relu() -> linear(10)\n}\n")


@pytest.fixture(scope="module")
def head(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    home = tmp_path_factory.mktemp("home")
    env = ray_nodes.user_env(home)
    ray_nodes.generate_token(env)
    port = ray_nodes.free_port()
    proc = ray_nodes.start_node(
        ["--head", "--port", str(port), "--num-cpus", "2", "--include-dashboard=false",
         # its own temp dir: the shared /tmp/ray/ray_current_cluster it would leave behind
         # makes every later `ray.init()` on the machine try to join this (stopped) cluster
         "--temp-dir", str(home / "ray")], env, home / "head.log")
    try:
        yield f"127.0.0.1:{port}", env
    finally:
        ray_nodes.stop_nodes([proc])  # the head node this test started, and only it


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

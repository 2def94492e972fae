"""`--threads auto` (the default): one thread per trial, or the cores each worker has to
itself where the space's networks are large (issue 17: threads for large networks)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archlang.cli.search_cmd import _threads
from archlang.search.executors import LARGE_MACS, auto_threads

BIG = """network big() (x: [3, 32, 32]) {
    w = choice(128, 160)
    h = x -> conv2d(w, 3, padding = 1) -> relu() -> conv2d(w, 3, padding = 1) -> relu()
    return h -> global_avgpool() -> linear(10)
}
"""
SMALL = "network small() (x: [8]) { return x -> linear(choice(4, 8)) -> linear(2) }\n"


def test_auto_threads_gives_spare_cores_to_large_networks_only() -> None:
    assert auto_threads([LARGE_MACS * 3] * 8, workers=1, cores=4) == 4
    assert auto_threads([LARGE_MACS * 3] * 8, workers=2, cores=4) == 2
    assert auto_threads([LARGE_MACS * 3] * 8, workers=4, cores=4) == 1  # a worker per core
    assert auto_threads([1_000] * 8, workers=1, cores=4) == 1  # small networks
    # the median decides: two large members among eight small ones do not
    assert auto_threads([LARGE_MACS * 3] * 2 + [1_000] * 6, workers=1, cores=4) == 1
    assert auto_threads([], workers=1, cores=4) == 1


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)


def test_the_cli_reads_the_space_for_auto(tmp_path: Path, two_cores: None) -> None:
    big, small = tmp_path / "big.arch", tmp_path / "small.arch"
    big.write_text(BIG)
    small.write_text(SMALL)
    assert _threads("auto", 1, "inprocess", big, None) == 2  # one trial at a time: both cores
    assert _threads("auto", 2, None, big, None) == 1  # a worker per core already
    assert _threads("auto", 1, None, small, None) == 1
    assert _threads("auto", 1, "ray", big, None) == 1  # Ray's machines are not this one
    assert _threads("3", 2, None, small, None) == 3  # a count is a count
    broken = tmp_path / "broken.arch"
    broken.write_text("network n() (x: [8]) { return x -> nothing() }\n")
    assert _threads("auto", 1, None, broken, None) == 1  # the search reports the error


@pytest.mark.parametrize("value", ["0", "many", "-1"])
def test_a_bad_threads_value_is_a_usage_error(run, write, value: str) -> None:
    path = write("small.arch", SMALL)
    result = run("search", path, "--task", "digits", "--threads", value, "--budget", "1")
    assert result.exit_code == 2, result.output
    assert "--threads" in result.output and value in result.output

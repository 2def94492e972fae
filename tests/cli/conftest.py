"""Shared fixtures for the command-line tests: a runner that keeps stdout and stderr apart."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archlang.cli import cli


def make_runner() -> CliRunner:
    """click >= 8.2 always separates stderr; click 8.1 needs `mix_stderr=False`."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    return CliRunner()


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Result]:
    """Run `archlang ARGS...` in `tmp_path` (the cwd), with ARCHLANG_DEBUG unset."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHLANG_DEBUG", raising=False)
    runner = make_runner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], str]:
    """Write a file below `tmp_path`; returns its name (relative to the cwd of `run`)."""

    def write_file(name: str, text: str) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return name

    return write_file

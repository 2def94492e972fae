"""Token mode is turned on only for an explicit address, a token Ray can read, no chosen mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archlang.search import ray_auth


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in (ray_auth.AUTH_MODE, ray_auth.TOKEN, ray_auth.TOKEN_PATH):
        monkeypatch.setenv(name, "")  # so that undoing removes what the code sets
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_the_default_token_file_turns_token_mode_on_for_an_address(clean: Path) -> None:
    (clean / ".ray").mkdir()
    (clean / ".ray" / "auth_token").write_text("t" * 32, encoding="utf-8")
    assert ray_auth.use_cluster_token("127.0.0.1:6391")
    assert os.environ[ray_auth.AUTH_MODE] == "token"


@pytest.mark.parametrize("address", [None, "", "auto"])
def test_a_local_cluster_is_left_to_ray(clean: Path, address: str | None) -> None:
    (clean / ".ray").mkdir()
    (clean / ".ray" / "auth_token").write_text("t" * 32, encoding="utf-8")
    assert not ray_auth.use_cluster_token(address)
    assert ray_auth.AUTH_MODE not in os.environ


def test_a_chosen_mode_or_a_missing_token_changes_nothing(
        clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not ray_auth.token_available()
    assert not ray_auth.use_cluster_token("127.0.0.1:6391")
    monkeypatch.setenv(ray_auth.TOKEN, "abc")
    monkeypatch.setenv(ray_auth.AUTH_MODE, "disabled")
    assert not ray_auth.use_cluster_token("127.0.0.1:6391")
    assert os.environ[ray_auth.AUTH_MODE] == "disabled"


def test_the_token_variables_are_read_as_ray_reads_them(
        clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ray_auth.TOKEN_PATH, str(clean / "missing"))
    assert not ray_auth.token_available()
    (clean / "token").write_text("x", encoding="utf-8")
    monkeypatch.setenv(ray_auth.TOKEN_PATH, str(clean / "token"))
    assert ray_auth.token_available()
    monkeypatch.delenv(ray_auth.TOKEN_PATH)
    monkeypatch.setenv(ray_auth.TOKEN, "secret")
    assert ray_auth.token_available()

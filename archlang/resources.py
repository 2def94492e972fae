"""Finds the files that ship with archlang: the grammar and the standard library.

In a built wheel they live in ``archlang/_data/`` (force-included from the repository's
top-level ``grammar/`` and ``stdlib/``); in a source checkout they are read from there.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_root() -> Path:
    """The folder holding ``grammar/`` and ``stdlib/``."""
    installed = _PACKAGE / "_data"
    if (installed / "grammar").is_dir():
        return installed
    return _PACKAGE.parent


def data_path(relative: str) -> Path:
    return data_root() / relative


def read_text(relative: str) -> str:
    return data_path(relative).read_text(encoding="utf-8")


def stdlib_root() -> Path:
    return data_path("stdlib")

"""The entry points: read `.arch` text into a `Program`."""

from __future__ import annotations

from pathlib import Path

from archlang.facade import Program
from archlang.files import read_source
from archlang.source import Source


def load(path: str | Path) -> Program:
    """Read and link a `.arch` file and its imports.

    Raises:
        ArchError: the first problem, located (syntax, an unknown import, ...).
    """
    return Program.from_source(read_source(path), Path(path).resolve().parent)


def parse(text: str, path: str = "<string>", base: str | Path | None = None) -> Program:
    """Parse `.arch` text. Relative imports resolve against `base` (default: the cwd)."""
    return Program.from_source(Source(text, path), Path(base) if base else None)

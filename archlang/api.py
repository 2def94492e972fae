"""The entry points: read `.arch` text into a `Program`."""

from __future__ import annotations

from pathlib import Path

from archlang.diagnostics import ArchNameError
from archlang.facade import Program
from archlang.source import Source


def load(path: str | Path) -> Program:
    """Read and link a `.arch` file and its imports.

    Raises:
        ArchError: the first problem, located (syntax, an unknown import, ...).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchNameError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}",
                            None, code="E207") from None
    return Program.from_source(Source(text, str(path)), p.resolve().parent)


def parse(text: str, path: str = "<string>", base: str | Path | None = None) -> Program:
    """Parse `.arch` text. Relative imports resolve against `base` (default: the cwd)."""
    return Program.from_source(Source(text, path), Path(base) if base else None)

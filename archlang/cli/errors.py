"""How the command line reports failure: diagnostics, usage errors and internal errors.

Exit codes (the same for every command):

* 0: success;
* 1: the input has a problem (an `ArchError`: its diagnostics go to stderr), or `fmt --check`
  found a file to reformat;
* 2: the command line is wrong (click's usage errors);
* 3: an internal error, a bug in archlang: one line and how to see the traceback, or the
  traceback itself with ``--traceback`` or ``ARCHLANG_DEBUG=1``.

The formatters are pure functions of their inputs, tested as such.
"""

from __future__ import annotations

import dataclasses
import os
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archlang.diagnostics import ArchError, Diagnostic

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

DEBUG_ENV = "ARCHLANG_DEBUG"


def debug_enabled(flag: bool = False) -> bool:
    """True with ``--traceback`` or ``ARCHLANG_DEBUG`` set to anything but "", "0", "false"."""
    value = os.environ.get(DEBUG_ENV, "").strip().lower()
    return flag or value not in ("", "0", "false", "no")


def render_diagnostics(diagnostics: Iterable[Diagnostic], cwd: str | Path | None = None) -> str:
    """Render diagnostics the way `ArchError.render` does, with paths shown relative to `cwd`.

    The library names imported files by their absolute paths; on a terminal, and in golden
    files that must not depend on the machine, a path below the working directory reads
    better relative to it.
    """
    from archlang.diagnostics import render_text

    base = _cwd_prefix(cwd)
    return "\n".join(render_text(relativize(d, base)) for d in diagnostics)


def format_arch_error(exc: ArchError, cwd: str | Path | None = None) -> str:
    """The text an `ArchError` prints: its diagnostics, nothing else."""
    return render_diagnostics(exc.diagnostics, cwd)


def format_cause(cause: BaseException) -> str:
    """The traceback of the user's code behind a diagnostic (a user op that raised)."""
    tb = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
    return f"the Python error behind it:\n{tb.rstrip()}"


def format_internal_error(exc: BaseException, debug: bool = False) -> str:
    """The text an unexpected exception prints: one line and a hint, or the full traceback."""
    head = f"internal error (this is a bug in archlang): {type(exc).__name__}: {exc}"
    if debug:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return f"{tb.rstrip()}\n{head}"
    return (f"{head}\n  = hint: run again with `archlang --traceback ...` (or set "
            f"{DEBUG_ENV}=1) to see the traceback, and report it with the input that caused it")


def relativize(diag: Diagnostic, base: str | None) -> Diagnostic:
    """`diag` with paths below `base` (a folder path ending in a separator) made relative."""
    if not base:
        return diag
    span = diag.span
    changes: dict[str, object] = {}
    if span is not None and span.source is not None and span.source.path.startswith(base):
        from archlang.source import Source

        source = Source(span.source.text, span.source.path[len(base):])
        changes["span"] = dataclasses.replace(span, source=source)

    def strip(text: str) -> str:
        return text.replace(base, "")

    if base in diag.message:
        changes["message"] = strip(diag.message)
    if diag.hint and base in diag.hint:
        changes["hint"] = strip(diag.hint)
    if any(base in n for n in diag.notes):
        changes["notes"] = tuple(strip(n) for n in diag.notes)
    return dataclasses.replace(diag, **changes) if changes else diag  # type: ignore[arg-type]


def _cwd_prefix(cwd: str | Path | None) -> str | None:
    try:
        folder = str(Path(cwd) if cwd is not None else Path.cwd())
    except OSError:  # the working directory was removed
        return None
    if folder in ("", os.sep):
        return None
    return folder.rstrip(os.sep) + os.sep

"""Reading `.arch` text: regular files only, and never more of one than the size limit.

`archlang check /dev/zero` used to read until memory ran out and a FIFO hung the command:
a path is refused unless it names a regular file, it is opened without blocking, and at
most `MAX_SOURCE_CHARS` + 1 bytes are read from it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from archlang.diagnostics import ArchLimitError, ArchNameError
from archlang.source import Source, Span

#: longer texts are refused. The Lark parser reads about 5,000-6,700 lines a second on one
#: core (`python benchmarks/bench_frontend.py`), so a file at the limit loads, or reports its
#: syntax error, in a few seconds; at the 20,000,000 allowed before, a file took minutes.
MAX_SOURCE_CHARS = 500_000

_SIZE_HINT = "split it into files joined by `import`; larger files are refused because " \
             "parsing one would take more than a few seconds"

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"))
_OTHER = "neither a file nor a folder"


def too_large(source: Source, size: str) -> ArchLimitError:
    """The E601 refusal of `source`, whose length `size` describes ("1,200,000 characters")."""
    return ArchLimitError(
        f"file is too large ({size}; the limit is {MAX_SOURCE_CHARS:,} characters)",
        Span(source, 1, 1, 1, 2), hint=_SIZE_HINT, code="E601")


def read_source(path: str | Path, shown: str | None = None, at: Span | None = None) -> Source:
    """The text of the regular file at `path`, as a `Source` named `shown` (default: `path`).

    Raises:
        ArchNameError: (E207) the path is missing, unreadable, not UTF-8 or not a regular
            file; located at `at` (the import that named it) or else at the path itself.
        ArchLimitError: (E601) the file holds more than `MAX_SOURCE_CHARS` bytes.
    """
    name = shown if shown is not None else str(path)
    where = at if at is not None else Span(Source("", name), 1, 1, 1, 1)
    try:
        kind = _irregular(os.stat(path).st_mode)
        if kind is not None:
            raise _unreadable(name, f"it is {kind}, not a regular file", where)
        # O_NONBLOCK: a FIFO swapped in after the stat must not hang the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            kind = _irregular(os.fstat(f.fileno()).st_mode)
            if kind is not None:
                raise _unreadable(name, f"it is {kind}, not a regular file", where)
            data = _read_at_most(f, MAX_SOURCE_CHARS + 1)
            size = max(os.fstat(f.fileno()).st_size, len(data))
    except OSError as exc:
        raise _unreadable(name, exc.strerror or str(exc), where) from None
    if len(data) > MAX_SOURCE_CHARS:
        head = data[:200].decode("utf-8", errors="replace").split("\n")[0]
        raise too_large(Source(head, name), f"{size:,} bytes")
    try:
        return Source(data.decode("utf-8"), name)
    except UnicodeDecodeError as exc:
        raise _unreadable(name, str(exc), where) from None


def read_stream(stream: IO[str], shown: str = "<stdin>") -> Source:
    """At most `MAX_SOURCE_CHARS` characters of `stream` (stdin for `archlang fmt -`)."""
    text = stream.read(MAX_SOURCE_CHARS + 1)
    if len(text) > MAX_SOURCE_CHARS:
        raise too_large(Source(text[:200].split("\n")[0], shown),
                        f"more than {MAX_SOURCE_CHARS:,} characters")
    return Source(text, shown)


def _irregular(mode: int) -> str | None:
    """What the file is, where it is not a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), _OTHER)


def _read_at_most(f: IO[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = f.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _unreadable(name: str, why: str, at: Span) -> ArchNameError:
    return ArchNameError(f"cannot read `{name}`: {why}", at,
                         hint="name a `.arch` file (or a folder of them)", code="E207")

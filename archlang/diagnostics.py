"""Diagnostics: the one shape every user-facing error takes, and its one renderer.

Codes: E1xx syntax, E2xx names and linking, E3xx parameters and types, E4xx shapes,
E5xx search space and decisions, E6xx limits. Each code is registered, with its title and
explanation, in `archlang.diagnostics_codes` (what `archlang explain-error CODE` prints).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from archlang.diagnostics_codes import CODES
from archlang.source import Span


@dataclass(frozen=True)
class Diagnostic:
    """One problem at one place, with at most one hint and any number of notes."""

    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    notes: tuple[str, ...] = ()
    severity: str = "error"

    def __post_init__(self) -> None:
        # one code per kind of problem: a new kind gets its entry in the registry first
        if self.code not in CODES:
            raise ValueError(f"diagnostic code {self.code!r} is not registered in "
                             "archlang/diagnostics_codes.py")


#: the widest source excerpt a diagnostic shows; longer lines are cut around the caret
MAX_SHOWN = 120


def _window(text: str, col: int, width: int) -> tuple[str, int, int]:
    """Cut a long line to at most `MAX_SHOWN` characters around columns col..col+width.

    Returns the excerpt (with `…` where it was cut), the caret's column in it and the
    caret's width (never more than the excerpt shows).

    >>> _window("x" * 300, 200, 5)[1:]
    (42, 5)
    """
    if len(text) <= MAX_SHOWN:
        return text, col, width
    width = min(width, MAX_SHOWN // 2)
    start = max(0, min(col - 1 - 40, len(text) - MAX_SHOWN))
    excerpt = text[start:start + MAX_SHOWN]
    col -= start
    if start > 0:
        excerpt, col = "…" + excerpt, col + 1
    if start + MAX_SHOWN < len(text):
        excerpt += "…"
    return excerpt, col, width


def render_text(diag: Diagnostic) -> str:
    """Render a diagnostic the way compilers do::

        examples/cell.arch:12:9: error[E202]: unknown op or block `conv2`
           |
        12 |     y = conv2(x, out=c, kernel=k)
           |         ^^^^^
           = hint: did you mean `conv2d`?
    """
    span = diag.span
    where = f"{span}: " if span is not None and span.source is not None else ""
    out = [f"{where}{diag.severity}[{diag.code}]: {diag.message}"]
    if span is not None and span.source is not None and span.line > 0:
        text = span.source.line(span.line).expandtabs(4)
        gutter = " " * len(str(span.line))
        width = span.end_col - span.col if span.end_line == span.line else len(text) - span.col + 1
        width = max(1, min(width, max(1, len(text) - span.col + 1)))
        text, col, width = _window(text, span.col, width)
        out.append(f"{gutter} |")
        out.append(f"{span.line} | {text}")
        out.append(f"{gutter} | {' ' * (col - 1)}{'^' * width}")
        prefix = f"{gutter} = "
    else:
        prefix = "  = "
    out.extend(f"{prefix}note: {note}" for note in diag.notes)
    if diag.hint:
        out.append(f"{prefix}hint: {diag.hint}")
    return "\n".join(out)


class ArchError(Exception):
    """Base of every error a user can cause. Carries one or more diagnostics."""

    code = "E000"

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        *,
        hint: str | None = None,
        notes: Iterable[str] = (),
        code: str | None = None,
    ) -> None:
        self.diagnostics: list[Diagnostic] = [
            Diagnostic(code or self.code, message, span, hint, tuple(notes))
        ]
        super().__init__(message)

    @classmethod
    def many(cls, diagnostics: list[Diagnostic]) -> ArchError:
        err = cls(diagnostics[0].message)
        err.diagnostics = list(diagnostics)
        return err

    @property
    def diagnostic(self) -> Diagnostic:
        return self.diagnostics[0]

    @property
    def span(self) -> Span | None:
        return self.diagnostics[0].span

    def render(self) -> str:
        return "\n".join(render_text(d) for d in self.diagnostics)

    def __str__(self) -> str:
        return self.render()


class ArchSyntaxError(ArchError):
    code = "E100"


class ArchNameError(ArchError):
    code = "E200"


class ArchTypeError(ArchError):
    code = "E300"


class ArchShapeError(ArchError):
    code = "E400"


class ArchSpaceError(ArchError):
    code = "E500"


class ArchLimitError(ArchError):
    code = "E600"


@dataclass
class Suggest:
    """``did you mean`` hints from :func:`difflib.get_close_matches`."""

    names: Iterable[str] = field(default_factory=list)

    def hint(self, wrong: str) -> str | None:
        close = difflib.get_close_matches(wrong, list(self.names), n=1, cutoff=0.6)
        return f"did you mean `{close[0]}`?" if close else None

"""Source text and spans: where every piece of a program came from.

Lines and columns are 1-based, as Lark's ``meta`` gives them; ``end_col`` is exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """The text of one `.arch` file (or of a string parsed in memory)."""

    text: str
    path: str = "<string>"
    _lines: list[str] = field(default_factory=list, init=False, repr=False, compare=False)

    def line(self, lineno: int) -> str:
        """The text of line ``lineno`` (1-based), without its newline; "" when out of range."""
        if not self._lines:
            # only "\n" ends a line, as for Lark (splitlines would also split on \f, \u2028)
            self._lines.extend(line.rstrip("\r") for line in self.text.split("\n"))
        if 1 <= lineno <= len(self._lines):
            return self._lines[lineno - 1]
        return ""


@dataclass(frozen=True)
class Span:
    """A region of a source: ``path:line:col`` to ``end_line:end_col`` (1-based, end exclusive)."""

    source: Source | None
    line: int
    col: int
    end_line: int
    end_col: int

    @property
    def path(self) -> str:
        return self.source.path if self.source is not None else "<unknown>"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def __repr__(self) -> str:  # keeps AST reprs short
        return f"Span({self})"

    # Spans never take part in equality: two programs that differ only in layout are equal.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span)

    def __hash__(self) -> int:
        return 0


NO_SPAN = Span(None, 0, 0, 0, 0)

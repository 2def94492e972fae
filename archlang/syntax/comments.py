"""Comment placement for the formatter: which comments lead, trail or close each node list."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from archlang.source import Source
from archlang.syntax import ast as A
from archlang.syntax.ast import Comment

Pos = tuple[int, int]  # (line, col), both 1-based
Region = tuple[Pos, Pos]  # the positions of an opening and its closing bracket

_NEWLINE = re.compile("\n")


def start(node: Any) -> Pos | None:
    """Where a parsed node starts; None for nodes built in Python (no span)."""
    span = getattr(node, "span", None)
    return (span.line, span.col) if span is not None and span.line > 0 else None


def end(node: Any) -> Pos | None:
    """Where a parsed node ends (exclusive); None for nodes built in Python."""
    span = getattr(node, "span", None)
    return (span.end_line, span.end_col) if span is not None and span.line > 0 else None


class SourceText:
    """A source's text with a line index: (line, col) <-> offset, and a bracket scanner."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def offset(self, pos: Pos) -> int:
        line, col = pos
        return self.starts[line - 1] + col - 1 if 0 < line <= len(self.starts) else -1

    def pos(self, offset: int) -> Pos:
        line = bisect.bisect_right(self.starts, offset)
        return (line, offset - self.starts[line - 1] + 1)

    def slice(self, start_pos: Pos, end_pos: Pos) -> str:
        lo, hi = self.offset(start_pos), self.offset(end_pos)
        return self.text[lo:hi] if 0 <= lo <= hi else ""

    def find(self, after: Pos, char: str) -> Pos | None:
        """The first `char` at or after `after`, skipping comments (never called inside a
        string: the scanned stretches hold only brackets, keywords and layout)."""
        i, text = self.offset(after), self.text
        if i < 0:
            return None
        while i < len(text):
            ch = text[i]
            if ch == char:
                return self.pos(i)
            if ch == "#":
                nl = text.find("\n", i)
                i = len(text) if nl < 0 else nl
            i += 1
        return None


@dataclass
class Entry:
    """One node of a list being printed, with the comments placed before and after it."""

    node: Any
    text: str
    leading: list[Comment] = field(default_factory=list)
    trailing: list[Comment] = field(default_factory=list)


class CommentPool:
    """The module's comments, each handed out exactly once."""

    def __init__(self, comments: Iterable[Comment], source: Source | None) -> None:
        self.items = sorted(comments, key=lambda c: (c.line, c.col))
        self.keys = [(c.line, c.col) for c in self.items]
        self.used = [False] * len(self.items)
        self.text = SourceText(source.text) if source is not None and self.items else None
        self.frozen = 0  # > 0 while printing trial (flat) layouts that must not take any

    def _range(self, lo: Pos, hi: Pos) -> range:
        return range(bisect.bisect_right(self.keys, lo), bisect.bisect_left(self.keys, hi))

    def any_within(self, node: Any) -> bool:
        return self.any_in((start(node), end(node)))  # type: ignore[arg-type]

    def any_in(self, region: tuple[Pos | None, Pos | None] | None) -> bool:
        """Whether an unused comment lies strictly inside `region`."""
        if not self.items or region is None or region[0] is None or region[1] is None:
            return False
        return any(not self.used[i] for i in self._range(region[0], region[1]))

    def take(self, lo: Pos | None, hi: Pos | None) -> list[Comment]:
        """The unused comments strictly between `lo` and `hi`, now used."""
        if self.frozen or not self.items or lo is None or hi is None:
            return []
        out = []
        for i in self._range(lo, hi):
            if not self.used[i]:
                self.used[i] = True
                out.append(self.items[i])
        return out

    def rest(self) -> list[Comment]:
        return self.take((0, 0), (1 << 62, 0))

    def find(self, after: Pos | None, char: str) -> Pos | None:
        """The first `char` at or after `after` in the source (None without comments)."""
        if self.frozen or self.text is None or after is None:
            return None
        return self.text.find(after, char)

    def region(self, after: Pos | None, nodes: Sequence[Any], pair: str) -> Region | None:
        """The brackets `pair` (`{}`, `()`) around `nodes`: the first opening after `after`,
        and the first closing after the last node."""
        opening = self.find(after, pair[0])
        if opening is None:
            return None
        last = end(nodes[-1]) if nodes else (opening[0], opening[1] + 1)
        closing = self.find(last, pair[1])
        return None if closing is None else (opening, closing)


def gather(pool: CommentPool, nodes: Sequence[Any], region: Region | None,
           render: Callable[[Any], str]) -> tuple[list[Comment], list[Entry], list[Comment]]:
    """Render `nodes` and place the comments of `region` around them.

    Returns the comments that trail the opening bracket, one entry per node, and the comments
    that go before the closing bracket. A comment on the line where a node ends trails it; any
    other comment leads the next node. Comments inside a node that no inner list claimed while
    rendering it lead that node.
    """
    lo, hi = region if region is not None else (None, None)
    opening: list[Comment] = []
    entries: list[Entry] = []
    last: Entry | None = None  # the last entry with a known end
    prev = lo
    for node in nodes:
        entry = Entry(node, "")
        first, stop = start(node), end(node)
        if first is not None:
            _place(pool.take(prev, first), last, lo, opening, entry.leading)
        entry.text = render(node)
        entry.leading += pool.take(first, stop)
        entries.append(entry)
        if stop is not None:
            prev, last = stop, entry
    closing: list[Comment] = []
    _place(pool.take(prev, hi), last, lo, opening, closing)
    return opening, entries, closing


def _place(comments: list[Comment], last: Entry | None, lo: Pos | None,
           opening: list[Comment], rest: list[Comment]) -> None:
    for c in comments:
        last_end = end(last.node) if last is not None else None
        if last_end is not None and c.line == last_end[0]:
            last.trailing.append(c)  # type: ignore[union-attr]
        elif last is None and lo is not None and c.line == lo[0]:
            opening.append(c)
        else:
            rest.append(c)


def _group(node: Any) -> type | None:
    return type(node) if isinstance(node, (A.Import, A.ConstDef, A.Require)) else None


def emit(entries: list[Entry], closing: list[Any], ind: str, sep: str, mode: str) -> str:
    """Entries and closing comments as indented lines. `mode`: "items" (a blank line between
    top-level items of different kinds), "body" (blank lines kept from the source), "table"."""
    lines: list[str] = []
    prev: int | None = None  # the source line the last printed element ended on (0: unknown)
    for i, entry in enumerate(entries):
        node_line = (start(entry.node) or (0, 0))[0]
        kinds_differ = i > 0 and (_group(entry.node) is None
                                  or _group(entry.node) is not _group(entries[i - 1].node))
        for j, c in enumerate(entry.leading):
            forced = mode == "items" and j == 0 and kinds_differ
            _blank(lines, mode, prev, c.line, forced)
            lines.append(ind + c.text)
            prev = c.line
        if mode == "items" and not entry.leading and i > 0:
            _blank(lines, "table", prev, node_line, kinds_differ)
        else:
            _blank(lines, mode, prev, node_line, False)
        text = entry.text.split("\n")
        text[0] = ind + text[0]
        last_sep = sep if sep == "," or i < len(entries) - 1 else ""
        text[-1] += last_sep + "".join("  " + c.text for c in entry.trailing)
        lines.extend(text)
        prev = (end(entry.node) or (0, 0))[0]
    for c in closing:
        _blank(lines, mode, prev, c.line, False)
        lines.append(ind + c.text)
        prev = c.line
    return "\n".join(lines)


def _blank(lines: list[str], mode: str, prev: int | None, line: int, forced: bool) -> None:
    """Add a blank line when forced, or when the source had one (not in tables)."""
    if prev is None:
        return
    if forced or (mode != "table" and prev > 0 and line > prev + 1):
        lines.append("")

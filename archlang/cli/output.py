"""Pure formatters and parsers for the command line: decisions, tables, `--set`.

Sizes, counts and decision values are archlang/humanize.py (diagrams and checks print them
too).

Nothing here imports the heavy parts of archlang; every function is tested on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from archlang.humanize import MAX_SHOWN, show_value

if TYPE_CHECKING:
    from archlang.ir.decisions import DecisionPoint

# ---------------------------------------------------------------- decisions and assignments


def member_lines(space: Any, assignment: dict[str, Any]) -> list[str]:
    """``key = value`` per decision; an index into layers or tensors gets its label too."""
    lines = []
    for key, value in assignment.items():
        line = f"{key} = {show_value(value)}"
        picked = space.decision(key).picked(value)
        if picked is not None:
            line += f"  # {', '.join(picked)}"
        lines.append(line)
    return lines


def condition(d: DecisionPoint) -> str:
    """``when net.repeat in {2, 3}``, or "" for a top-level decision."""
    if d.cond is None:
        return ""
    parent, allowed = d.cond
    values = sorted(allowed, key=_order)
    shown = [show_value(list(v) if isinstance(v, tuple) else v) for v in values]
    if len(shown) > MAX_SHOWN:
        shown = shown[:MAX_SHOWN] + ["..."]
    return f"when {parent} in {{{', '.join(shown)}}}"


def _order(v: Any) -> tuple[int, Any]:
    """Numbers in numeric order first, then everything else by its repr."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (0, v)
    return (1, repr(v))


def parse_set(pairs: Iterable[str]) -> dict[str, Any]:
    """``["net.width=32", "net.act=relu"]`` -> ``{"net.width": 32, "net.act": "relu"}``.

    Values are JSON where they parse as JSON (``32``, ``true``, ``[0, 2]``, ``"relu"``), else
    plain strings. Raises `click.BadParameter` (exit code 2) for a pair without ``=``.
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, but got {pair!r}",
                                     param_hint="'--set'")
        out[key] = parse_value(text.strip())
    return out


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


# ---------------------------------------------------------------- tables


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned with spaces, for pipes and files (the last column is not padded)."""
    table = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths[:-1], strict=True)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def rich_table(header: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> Any:
    from rich.table import Table

    table = Table(title=title or None, title_justify="left", show_lines=False)
    for i, name in enumerate(header):  # keys stay whole (people copy them to --set)
        table.add_column(name, no_wrap=i == 0, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table

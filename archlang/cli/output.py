"""Pure formatters and parsers for the command line: sizes, assignments, tables, `--set`.

Nothing here imports the heavy parts of archlang; every function is tested on its own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from archlang.ir.decisions import DecisionPoint

#: sizes with more digits are printed only approximately: Python refuses to turn larger ints
#: into text by default (`sys.get_int_max_str_digits`), and nobody reads 4,000 digits
MAX_EXACT_DIGITS = 4000
#: integers above this lose precision in JSON readers that use doubles (JavaScript)
JSON_SAFE_INT = 2**53
#: how many `key = value` pairs a note shows before "and N more"
MAX_SHOWN = 8


# ---------------------------------------------------------------- numbers


def approx(n: int | float) -> str:
    """``1.2e+300`` for any positive number, however large an int it is."""
    if isinstance(n, float) or n < 10**15:
        return f"{float(n):.1e}"
    exp = int(math.floor(math.log10(n)))
    mantissa = round(n / 10 ** (exp - 2)) / 100 if exp < 300 else 10 ** (math.log10(n) - exp)
    if round(mantissa, 1) >= 10:
        mantissa, exp = mantissa / 10, exp + 1
    return f"{mantissa:.1f}e+{exp:02d}"


def digits(n: int) -> int:
    """How many decimal digits `n` > 0 has (exact while it can be printed exactly)."""
    if n.bit_length() <= 3 * MAX_EXACT_DIGITS:  # under 3,612 digits: cheap to print
        return len(str(n))
    return int(math.log10(n)) + 1


def format_size(size: int | float) -> str:
    """A space size for people: exact, with ``≈ 1.2e+300`` beside it when it is long."""
    if isinstance(size, float):
        return "infinite (a float range)" if math.isinf(size) else f"{size:g}"
    if size < 10**15:
        return f"{size:,}"
    if digits(size) > MAX_EXACT_DIGITS:
        return f"≈ {approx(size)} ({digits(size):,} digits)"
    return f"{size} (≈ {approx(size)})"


def size_json(size: int | float) -> int | str:
    """A space size for JSON: an int while doubles hold it exactly, else a string."""
    if isinstance(size, float):
        return "inf" if math.isinf(size) else repr(size)
    if size < JSON_SAFE_INT:
        return size
    if digits(size) > MAX_EXACT_DIGITS:
        return approx(size)
    return str(size)


def count_phrase(size: int | float) -> str:
    """``84 architectures``, ``≈ 1.2e+300 architectures``."""
    if isinstance(size, float):
        return "infinitely many architectures"
    if size == 1:
        return "1 architecture"
    if size < 10**15:
        return f"{size:,} architectures"
    return f"≈ {approx(size)} architectures"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- decisions and assignments


def show_value(value: Any) -> str:
    """A decision value as `--set` takes it: JSON (``32``, ``"relu"``, ``[0, 2]``)."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def show_assignment(assignment: dict[str, Any], limit: int = MAX_SHOWN) -> str:
    """``net.width = 16, net.k = 3`` (at most `limit` pairs, then "and N more")."""
    items = [f"{k} = {show_value(v)}" for k, v in assignment.items()]
    if len(items) > limit:
        items = items[:limit] + [f"and {len(items) - limit} more"]
    return ", ".join(items) if items else "no decisions"


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

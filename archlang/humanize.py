"""How numbers (space sizes, counts) and decision values are shown to people and in JSON.

A neutral module: the command line, the diagrams, the reports and space validation all
print these, and none of them should import another to do it. Pure functions, no archlang
imports.
"""

from __future__ import annotations

import json
import math
from typing import Any

#: sizes with more digits are printed only approximately: Python refuses to turn larger ints
#: into text by default (`sys.get_int_max_str_digits`), and nobody reads 4,000 digits
MAX_EXACT_DIGITS = 4000
#: integers above this lose precision in JSON readers that use doubles (JavaScript)
JSON_SAFE_INT = 2**53
#: how many `key = value` pairs a note shows before "and N more"
MAX_SHOWN = 8


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


def metric_text(value: Any) -> str:
    """A metric in a table: ints with separators, floats to 4 places, text as it is, ``-``
    for a missing one."""
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.4f}" if isinstance(value, float) else str(value)

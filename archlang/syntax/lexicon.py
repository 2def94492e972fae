"""The lexical facts of grammar/archlang.lark as constants: reserved words and number syntax.

Code that needs them (the printer, `to_arch`'s name sanitising, the fuzzer) imports these
instead of keeping its own copy; tests/syntax/test_lexicon.py reads the same facts from the
loaded grammar (Lark's `terminals`) and checks that they agree, so a grammar edit fails there.

Integers with a suffix are read by two rules, and the user meets each in one place:

- `.arch` literals (`int_value`): what the grammar's INT accepts, digits with `_`
  separators and an optional upper-case `K`, `M` or `G` (``1_000``, ``3K``, ``2M``);
- command-line counts (`archlang.search.objectives.parse_count`, for ``--max-params`` and
  ``--max-flops``): the same suffixes in either case, `T` too, and a decimal mantissa
  (``300k``, ``1.5G``), since a shell user writes figures, not literals.

Both scale by `SUFFIXES`.

    >>> int_value("1_000"), int_value("3K"), int_value("2M")
    (1000, 3000, 2000000)
    >>> "repeat" in KEYWORDS, keyword_safe("in"), keyword_safe("x")
    (True, 'in_', 'x')
"""

from __future__ import annotations

import ast
import re

#: every reserved word: none of them can be a name (the grammar's NAME excludes them)
KEYWORDS = ("block", "network", "import", "return", "for", "in", "if", "elif", "else", "and",
            "or", "not", "true", "false", "none", "repeat", "require", "as", "unbatched")
#: the grammar's INT terminal (without its trailing look-ahead) and FLOAT terminal
INT_PATTERN = r"(0|[1-9][0-9_]*)[KMG]?"
FLOAT_PATTERN = r"([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+"
#: an integer suffix and its scale
SUFFIXES = {"K": 10**3, "M": 10**6, "G": 10**9}

#: Python's own escapes: the only ones a STRING may use
_ESCAPES = frozenset("\\\"'abfnrtvxuUN01234567")
_ESCAPE_RE = re.compile(r"\\(.)")

_INT_RE = re.compile(INT_PATTERN)
_FLOAT_RE = re.compile(FLOAT_PATTERN)


def is_int_literal(text: str) -> bool:
    """Whether `text` is an INT token exactly."""
    return _INT_RE.fullmatch(text) is not None


def is_float_literal(text: str) -> bool:
    """Whether `text` is a FLOAT token exactly."""
    return _FLOAT_RE.fullmatch(text) is not None


def int_value(text: str) -> int:
    """The value of an INT token (``1_000``, ``3K``).

    Raises:
        ValueError: more digits than `int()` converts (`sys.get_int_max_str_digits`).
    """
    digits = text.replace("_", "")
    scale = SUFFIXES.get(digits[-1], 1)
    return int(digits.rstrip("".join(SUFFIXES))) * scale


def keyword_safe(name: str) -> str:
    """`name`, with ``_`` appended when it is a reserved word (``in`` -> ``in_``)."""
    return f"{name}_" if name in KEYWORDS else name


def string_value(text: str) -> str:
    """The value of a STRING token (``"a\\tb"``, quotes included), decoded as Python does.

    The grammar admits only "..." with backslash escapes; `ast.literal_eval` decodes them
    without ever executing anything (it accepts literals only). An unknown escape (``\\q``)
    is an error, so every Python version reads a string the same way.

    Raises:
        ValueError: an unknown escape (the message is the escape, ``\\q``), or one that
            Python refuses (an empty message).
        TypeError: text that is not a string literal (the grammar's STRING never is).
    """
    bad = next((m for m in _ESCAPE_RE.finditer(text) if m.group(1) not in _ESCAPES), None)
    if bad:
        raise ValueError(bad.group())
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError("") from None
    if not isinstance(value, str):
        raise TypeError(f"not a string literal: {text}")
    return value

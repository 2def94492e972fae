"""Syntax errors: each labelled error on fresh snippets, the fallbacks, and the limits."""

from __future__ import annotations

import time

import pytest

from archlang.diagnostics import ArchError, ArchLimitError, ArchSyntaxError, _window
from archlang.syntax.errors import EXAMPLES
from archlang.syntax.parser import MAX_NESTING, parse_text

PATH = "models/m.arch"


def _error(text: str) -> ArchError:
    with pytest.raises(ArchError) as info:
        parse_text(text, PATH)
    return info.value


def _check(text: str, code: str, line: int, col: int) -> ArchError:
    """The error has `code`, points at `line`:`col`, and renders the line with a caret."""
    err = _error(text)
    assert err.diagnostic.code == code, err.render()
    rendered = err.render().splitlines()
    assert rendered[0].startswith(f"{PATH}:{line}:{col}: error[{code}]: "), rendered[0]
    gutter = " " * len(str(line))
    assert rendered[1] == f"{gutter} |"
    source_line = text.splitlines()[line - 1]
    shown, shown_col, _ = _window(source_line, col, 1)  # long lines are cut around the caret
    assert rendered[2] == f"{line} | {shown}"
    caret = rendered[3]
    assert caret.startswith(f"{gutter} | ")
    assert caret[len(gutter) + 3:].index("^") == shown_col - 1, "\n".join(rendered)
    return err


# ---------------------------------------------------------------- the labelled errors


@pytest.mark.parametrize("text, line, col", [
    ("block stem(c: int) conv2d(c, 3)\n", 1, 20),
    ("block pair() (a, b) a + b\n", 1, 21),
    ("network net(w: int) (img: [3, 32, 32]) img -> relu()\n", 1, 40),
])
def test_e101_missing_brace(text: str, line: int, col: int) -> None:
    err = _check(text, "E101", line, col)
    assert "missing `{`" in err.diagnostic.message


@pytest.mark.parametrize("text, line, col", [
    ("network net(w: int) {\n    relu()\n}\n", 1, 21),
    ("network tiny() {\n}\n", 1, 16),
])
def test_e102_network_without_inputs(text: str, line: int, col: int) -> None:
    _check(text, "E102", line, col)


@pytest.mark.parametrize("text, line, col", [
    ("block b() {\n    y = x -> relu() ->\n}\n", 2, 23),
    ("K = 2 *\n", 1, 8),
    ("block b() {\n    if a and {\n    }\n}\n", 2, 14),
    ("X = f(1 + )\n", 1, 11),
])
def test_e103_incomplete_expression(text: str, line: int, col: int) -> None:
    _check(text, "E103", line, col)


def test_e103_at_the_end_of_the_file() -> None:
    _check("Z = (1 +", "E103", 1, 9)


@pytest.mark.parametrize("text, line, col", [
    ("block b() {\n    y = x conv2d(3)\n}\n", 2, 11),
    ("W = width depth\n", 1, 11),
    ("X = f() g()\n", 1, 9),
    ('Y = 1.5 "s"\n', 1, 9),
])
def test_e104_two_expressions_in_a_row(text: str, line: int, col: int) -> None:
    _check(text, "E104", line, col)


@pytest.mark.parametrize("text, line, col", [
    ("block b(c: int) {\n    if c > 1 {\n        relu()\n    }\n    else {\n    }\n}\n", 5, 5),
    ("block b(c: int) {\n    relu()\n    if c {\n    }\n\n    elif c {\n    }\n}\n", 6, 5),
    ("block b(c: int) {\n    if c {\n    }\n    # why\n    else {\n    }\n}\n", 5, 5),
])
def test_e109_else_on_its_own_line(text: str, line: int, col: int) -> None:
    err = _check(text, "E109", line, col)
    assert err.diagnostic.hint == "write `} else {`"


@pytest.mark.parametrize("text, line, col", [
    ("block b(in: int) {\n}\n", 1, 9),
    ("X = f(for)\n", 1, 7),
    ("W = 3 * return\n", 1, 9),
    ("network = 1\n", 1, 9),
    ("block b() {\n    if = 2\n}\n", 2, 8),
])
def test_e110_keyword_as_a_name(text: str, line: int, col: int) -> None:
    _check(text, "E110", line, col)


def test_every_example_routes_to_its_own_label() -> None:
    for (code, _, _), snippets in EXAMPLES:
        for snippet in snippets:
            assert _error(snippet).diagnostic.code == code, snippet


# ---------------------------------------------------------------- fallbacks and tree errors


def test_unexpected_token_fallback() -> None:
    err = _check("X = a )\n", "E100", 1, 7)
    assert err.diagnostic.message == "unexpected `)`"


def test_single_quotes_get_a_hint() -> None:
    err = _check("X = 'x'\n", "E100", 1, 5)
    assert err.diagnostic.message == "unexpected character `'`"
    assert err.diagnostic.hint == "strings use double quotes"


def test_e105_unknown_parameter_type() -> None:
    err = _check("block b(c: integer) {\n}\n", "E105", 1, 12)
    assert "`integer`" in err.diagnostic.message


def test_e106_argument_given_twice() -> None:
    _check("X = f(a = 1, a = 2)\n", "E106", 1, 14)


def test_e107_positional_after_keyword() -> None:
    _check("X = f(a = 1, 2)\n", "E107", 1, 14)


def test_e111_integer_too_long() -> None:
    _check("X = " + "9" * 5000 + "\n", "E111", 1, 5)


# ---------------------------------------------------------------- limits


def test_deep_nesting_fails_fast_and_cleanly() -> None:
    text = "X = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n"
    started = time.perf_counter()
    err = _error(text)
    assert time.perf_counter() - started < 2.0
    assert isinstance(err, ArchLimitError) and err.diagnostic.code == "E602"
    assert err.span is not None and err.span.col == 5 + MAX_NESTING


@pytest.mark.parametrize("text", [
    "X = " + " + ".join(["1"] * 2000) + "\n",
    "X = " + "-" * 5000 + "1\n",
    "X = " + "not " * 3000 + "a\n",
    "X = " + " -> ".join(["f()"] * 2000) + "\n",
])
def test_long_operator_chains_fail_cleanly(text: str) -> None:
    err = _error(text)
    assert isinstance(err, ArchLimitError) and err.diagnostic.code == "E609"


@pytest.mark.parametrize("text", [
    'X = "abc\n', "X = \\\n", "\ufeffX = 1\n", "X = 1\x00\n", "block b() {", "}", "((((",
    "network n() (x: [1]) {\n    return x\n", "X = 1 if 2\n", "for x in y {\n}\n",
    "import x\n", "X = [1, 2\n", "X = f(,)\n", "X = a.1\n", "\t\t\n)", "X = \"\\q\"\n",
])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # `"\\q"`: literal_eval warns
def test_never_a_raw_lark_exception(text: str) -> None:
    from lark.exceptions import LarkError

    try:
        parse_text(text, PATH)
    except ArchError as err:
        assert not isinstance(err, LarkError)
        assert isinstance(err, (ArchSyntaxError, ArchLimitError))
        assert err.render().startswith(PATH + ":")

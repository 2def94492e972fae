"""archlang.syntax.lexicon against the loaded grammar (Lark's `terminals`), and the one
integer-suffix table both integer rules scale by."""

from __future__ import annotations

import re

import pytest

from archlang.search.objectives import parse_count
from archlang.syntax import lexicon
from archlang.syntax.parser import _lark


def _terminals() -> dict[str, object]:
    return {t.name: t.pattern for t in _lark().terminals}


def test_keywords_are_the_grammar_s_words_and_what_name_excludes() -> None:
    terminals = _terminals()
    words = {p.value for p in terminals.values()
             if type(p).__name__ == "PatternStr" and p.value.isidentifier()}
    excluded = re.match(r"\(\?!\(([a-z|]+)\)\\b\)", terminals["NAME"].value)
    assert excluded is not None
    assert set(lexicon.KEYWORDS) == words == set(excluded.group(1).split("|"))
    assert len(set(lexicon.KEYWORDS)) == len(lexicon.KEYWORDS)


def test_number_patterns_are_the_grammar_s() -> None:
    terminals = _terminals()
    assert terminals["INT"].value == lexicon.INT_PATTERN + "(?![A-Za-z_0-9])"
    assert terminals["FLOAT"].value == lexicon.FLOAT_PATTERN
    assert set(re.search(r"\[([A-Z]+)\]\?$", lexicon.INT_PATTERN).group(1)) == set(
        lexicon.SUFFIXES)


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("7", 7), ("1_000", 1000), ("3K", 3000), ("2M", 2_000_000), ("1G", 10**9),
    ("1_5K", 15_000),
])
def test_int_value(text: str, value: int) -> None:
    assert lexicon.is_int_literal(text) and lexicon.int_value(text) == value


@pytest.mark.parametrize("text", ["3k", "1.5G", "01", "2T", "_1"])
def test_arch_literals_refuse_what_only_the_command_line_takes(text: str) -> None:
    assert not lexicon.is_int_literal(text)


def test_command_line_counts_scale_by_the_same_suffixes() -> None:
    for suffix, scale in lexicon.SUFFIXES.items():
        assert parse_count("3" + suffix) == parse_count("3" + suffix.lower()) == 3 * scale
        assert parse_count("3" + suffix) == lexicon.int_value("3" + suffix)


def test_keyword_safe() -> None:
    assert [lexicon.keyword_safe(w) for w in ("in", "none", "x", "repeat_")] == [
        "in_", "none_", "x", "repeat_"]

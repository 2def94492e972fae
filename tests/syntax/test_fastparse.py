"""The fast parser (archlang/syntax/fastparse.py) against the Lark path, the reference.

Both paths must build the same tree: the same classes, the same fields in the same order, the
same values, and the same spans (`Span` equality ignores positions, so `same_tree` compares
them itself). On text the Lark path rejects, the fast path must fall back, never accept; and
the public `parse_text` must give the Lark path's diagnostic.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archlang.diagnostics import ArchError
from archlang.source import Source, Span
from archlang.syntax import fastparse
from archlang.syntax.errors import EXAMPLES
from archlang.syntax.format import format_module
from archlang.syntax.parser import (
    MAX_DEPTH,
    MAX_NESTING,
    PARSER_ENV,
    _lark,
    _parse_cached,
    _too_deep_at,
    max_nesting,
    parse_lark,
    parse_text,
)

from .strategies import grammar_programs, modules, noise

ROOT = Path(__file__).resolve().parents[2]
ARCH_FILES = sorted(p for d in ("examples", "stdlib", "benchmarks", "tests", "archlang")
                    for p in (ROOT / d).rglob("*.arch"))
_SETTINGS = settings(max_examples=200, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def same_tree(a: Any, b: Any, where: str = "module") -> str | None:
    """None when `a` and `b` are the same tree, spans included; else where they differ."""
    if type(a) is not type(b):
        return f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, Span):
        pa = (a.line, a.col, a.end_line, a.end_col, a.source and a.source.path)
        pb = (b.line, b.col, b.end_line, b.end_col, b.source and b.source.path)
        return None if pa == pb else f"{where}: span {pa} != {pb}"
    if isinstance(a, tuple):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            if (diff := same_tree(x, y, f"{where}[{i}]")) is not None:
                return diff
        return None
    if hasattr(a, "__dict__"):
        if list(vars(a)) != list(vars(b)):
            return f"{where}: fields {list(vars(a))} != {list(vars(b))}"
        for name, value in vars(a).items():
            if (diff := same_tree(value, vars(b)[name], f"{where}.{name}")) is not None:
                return diff
        return None
    if a != b and not (a != a and b != b) or repr(a) != repr(b):  # NaN; -0.0 against 0.0
        return f"{where}: {a!r} != {b!r}"
    return None


def check_both(text: str, path: str = "t.arch") -> str:
    """Parse `text` on both paths; "same" or "fallback", else fail."""
    source = Source(text, path)
    try:
        reference = parse_lark(source)
    except ArchError:
        reference = None
    try:
        fast = fastparse.parse(source)
    except fastparse.Fallback:
        return "fallback"
    assert reference is not None, f"the fast path accepted what the Lark path refuses: {text!r}"
    diff = same_tree(fast, reference)
    assert diff is None, f"{diff}\n{text}"
    assert [vars(c) for c in fast.comments] == [vars(c) for c in reference.comments]
    return "same"


# ---------------------------------------------------------------- every .arch file


@pytest.mark.parametrize("path", ARCH_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_arch_file_parses_the_same_on_both_paths(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    outcome = check_both(text, str(path))
    if "golden/errors" not in str(path) and "fuzz/corpus" not in str(path):
        assert outcome == "same", "a valid file fell back to the Lark path"


def test_the_files_are_found() -> None:
    names = {p.relative_to(ROOT).parts[0] for p in ARCH_FILES}
    assert {"examples", "stdlib", "benchmarks", "tests"} <= names
    assert len(ARCH_FILES) > 100


# ---------------------------------------------------------------- generated programs


@_SETTINGS
@given(modules)
def test_printed_trees_parse_the_same(module: Any) -> None:
    assert check_both(format_module(module)) == "same"


@_SETTINGS
@given(modules, st.sampled_from(["\n", "\r\n"]), st.sampled_from(["", "  # c", "\t#"]),
       st.sampled_from(["", "\n", "# head\n\n", "  \n"]))
def test_layout_and_comments_parse_the_same(module: Any, newline: str, trailer: str,
                                             head: str) -> None:
    text = head + format_module(module).replace("\n", trailer + newline)
    check_both(text)


@_SETTINGS
@given(grammar_programs())
def test_programs_from_the_grammar_parse_the_same(text: str) -> None:
    check_both(text)


@_SETTINGS
@given(noise)
def test_noise_never_gets_past_the_fast_path_alone(text: str) -> None:
    check_both(text)


# ---------------------------------------------------------------- corner cases


@pytest.mark.parametrize("text", [
    "", "\n", "# only a comment", "\n\n# c\n  \n", "x = 1", "x = 1\n\n  ", ";x = 1;;",
    "x = (1)\n", "x = ((a))\n", "x = (a + b) * (c)\n", "x = -(3)\n", "x = --2.5\n",
    "x = -true\n", "x = - -a ** -b\n", "x = not not a == b and c or d\n",
    "x = a if b else c if d else e\n", "x = (a -> b) -> c\n", "x = a -> (b -> c)\n",
    "x = a[1:][:2][:][1, 2][1, 2,][a:b].c\n", "x = [1, [2, (3,)], (4, 5,)]\n",
    "x = f(\n  a,\n  k = [1,\n 2],\n)\n", "x = f(*xs, 1)\n", 'import "a\\tb\\u00e9"\n',
    'x = "\u00e9\u4e2d"\n', 'x = "a\tb"\n', "x = 1_000 + 3K + 2M + 1G + 0 + .5 + 1. + 1e-3\n",
    "x = 12345678901234567890\n", "x = 1 \\\n  + 2\n", "x = 1\f + 2\n", "x\t=\t1\r\n",
    "block b(c: int = 3, k, s: layer,) (x, y: [1] unbatched,) {\n}\n",
    "network n() (x: [3, 32, 32]) {\n  h = x -> repeat(2) as i { relu(); conv(i) }\n"
    "  (a, b,) = h\n  for (p, q) in [[1, 2]] { }\n  for p in ps { require p > 0 }\n"
    "  if a { } elif b { return h } else { x = 1 }\n  return h\n}\n",
    "require a and b\nnetwork n() (x: [1]) { return f(repeat(2) { a; b }) }\n",
    "block b() {\n  x = f(repeat(2) {\n relu()\n })\n}\n",
    "x = iffy + index + format + in2 + for_ + true1\n",
])
def test_corner_cases_parse_the_same(text: str) -> None:
    assert check_both(text) == "same"


@pytest.mark.parametrize("text", [
    "x = 0if a else b\n", "x = 01\n", "x = 1Kx\n", "x = 2e\n", "x = 'a'\n", "x = 1 < 2 < 3\n",
    "x = a + not b\n", "x = a == not b\n", "x = f(k = 1, 2)\n", "x = f(k = 1, k = 2)\n",
    'x = "\\q"\n', "block b(c: integer) { }\n", "network n() { }\n", "x = [,]\n",
    "x = a[1,]\n", "network n() (x: [1]) {\n (a) = x\n}\n",
    "network n() (x: [1]) {\n ((a, b)) = x\n}\n", "network n() (x: [1]) {\n (a, b.c) = x\n}\n",
    "network n() (x: [1]) {\n for (a) in b { }\n}\n", "x = 1\r2\n", "block a() {} block b() {}\n",
    "x = (\n", "x = )\n", "x = f(repeat(2) { a\n b })\n", "x = ] + (\n\n)\n", "x = a if b\n",
])
def test_what_the_lark_path_refuses_falls_back(text: str) -> None:
    assert check_both(text) == "fallback"
    with pytest.raises(ArchError):
        parse_lark(Source(text))


def test_where_lark_s_contextual_lexer_reads_more_the_lark_path_decides() -> None:
    # Lark lexes `index` as `in dex` where only `in` may come; the fast path leaves it to Lark
    assert check_both("network n() (x: [1]) {\n for x index { }\n}\n") == "fallback"


@pytest.mark.parametrize("n", [140, 145, 146, 147, 148, 149, 150, 151, 160, 300])
@pytest.mark.parametrize("template", ["x = {}\n", "network n() (x: [1]) {{\n h = {}\n}}\n",
                                      "block b(c = {}) {{ }}\n"])
def test_near_the_depth_limit_both_paths_agree(n: int, template: str) -> None:
    for chain in (" + ".join(["1"] * n), " -> ".join(["f()"] * n), "not " * n + "a",
                  "-" * n + "a", "(" * min(n, 190) + "a" + ")" * min(n, 190)):
        text = template.format(chain)
        check_both(text)
        assert _outcome(text, fast=True) == _outcome(text, fast=False)


def _nested(n: int, inner: str = "1", kind: str = "[") -> str:
    """A program whose brackets nest `n` deep (around `inner`)."""
    if kind == "[":
        return "x = " + "[" * n + inner + "]" * n + "\n"
    if kind == "(":
        return "x = " + "f(" * n + inner + ")" * n + "\n"
    return "x = " + "repeat(1) { " * n + inner + " }" * n + "\n"


@pytest.mark.parametrize("kind", ["[", "(", "{"])
@pytest.mark.parametrize("n", [MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1])
@pytest.mark.parametrize("inner", [
    "1", '"((("', '"\\"(("', "a # ((((\n", 'f("]]", "\\\\", ")(")', '"#" ((((',
])
def test_near_the_nesting_limit_both_paths_agree(n: int, kind: str, inner: str) -> None:
    # the fast path measures the nesting on its tokens; where a string holds a backslash
    # (`_check_limits` reads `\"` as the end of a string) it measures it as that does
    text = _nested(n, inner, kind)
    fast, lark = _outcome(text, fast=True), _outcome(text, fast=False)
    assert fast == lark
    too_deep = _too_deep_at(text, MAX_NESTING) is not None
    assert too_deep == ("error[E602]" in lark)
    if too_deep:
        assert check_both(text) == "fallback"


def test_a_string_read_as_the_nesting_check_reads_it_is_measured_so() -> None:
    text = _nested(MAX_NESTING - 1, '"\\"(("')  # `"\"` then `((`: 201 deep for the check
    assert _too_deep_at(text, MAX_NESTING) is not None
    assert check_both(text) == "fallback"
    assert "error[E602]" in _outcome(text, fast=True)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='([{}])"#\\\n a', max_size=60), st.integers(0, 6))
def test_the_quick_nesting_measure_is_the_character_loop_s(text: str, limit: int) -> None:
    assert (max_nesting(text) > limit) == (_too_deep_at(text, limit) is not None)


def test_deep_input_falls_back_instead_of_overflowing() -> None:
    text = "x = " + "not " * 5000 + "a\n"
    assert check_both(text) == "fallback"


# ---------------------------------------------------------------- diagnostics


def _outcome(text: str, *, fast: bool) -> str:
    """What the public parse gives: the rendered diagnostic, or the tree's repr."""
    _parse_cached.cache_clear()
    mp = pytest.MonkeyPatch()
    if not fast:
        mp.setenv(PARSER_ENV, "lark")
    try:
        return repr(parse_text(text, "m.arch"))
    except ArchError as exc:
        return exc.render()
    finally:
        mp.undo()
        _parse_cached.cache_clear()


SNIPPETS = [s for _, snippets in EXAMPLES for s in snippets] + [
    "x = 1 < 2 < 3\n", "x = f(k = 1, 2)\n", "x = f(k = 1, k = 2)\n", 'x = "\\q"\n',
    "block b(c: integer) { }\n", "x = 'a'\n", "x = 12" + "3" * 5000 + "\n",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_an_invalid_program_gets_the_lark_path_s_diagnostic(text: str) -> None:
    fast, lark = _outcome(text, fast=True), _outcome(text, fast=False)
    assert fast == lark
    assert "error[E" in fast


@pytest.mark.parametrize("path", [p for p in ARCH_FILES if "golden" in str(p)][:60],
                         ids=lambda p: p.name)
def test_golden_error_files_give_the_same_diagnostic(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _outcome(text, fast=True) == _outcome(text, fast=False)


def test_the_environment_variable_forces_the_lark_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: Source) -> Any:
        raise AssertionError("the fast path ran")

    monkeypatch.setattr(fastparse, "parse", refuse)
    monkeypatch.setenv(PARSER_ENV, "lark")
    _parse_cached.cache_clear()
    try:
        assert parse_text("x = 1\n").items
    finally:
        _parse_cached.cache_clear()


# ---------------------------------------------------------------- the tokenizer


def test_the_token_patterns_are_the_grammar_s() -> None:
    grammar = {t.name: t.pattern.value for t in _lark().terminals}
    # Lark holds `\t` as a tab
    tabs = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
    mine = {name: re.sub(r"\\(.)", lambda m: tabs.get(m[1], m[0]), p)
            for name, p in fastparse.TOKEN_PATTERNS}
    assert mine["NL"] == grammar["_NL"]
    assert mine["COMMENT"] == grammar["COMMENT"]
    assert mine["COMMENT_NL"] == grammar["COMMENT"] + grammar["_NL"]
    assert mine["STRING"] == grammar["STRING"]
    assert mine["FLOAT"] == grammar["FLOAT"]
    assert mine["INT"] == grammar["INT"]
    assert mine["CONT"] == grammar["__IGNORE_1"]
    assert mine["WS"] == grammar["__IGNORE_0"] + r"\Z"
    assert mine["COMP"] == grammar["COMP_OP"].removeprefix("(?:").removesuffix(")")
    name = re.fullmatch(r"\(\?!\([a-z|]+\)\\b\)(.*)", grammar["NAME"])
    assert name is not None and mine["NAME"] == name.group(1)
    operators = {p.value for n, p in ((t.name, t.pattern) for t in _lark().terminals)
                 if p.type == "str" and not p.value.isalpha()}
    assert operators == {k for k, v in fastparse._FIXED.items() if v == k and not k.isalpha()}
    keywords = {p.value for p in (t.pattern for t in _lark().terminals)
                if p.type == "str" and p.value.isalpha()}
    assert keywords == {k for k in fastparse._FIXED if k.isalpha()}


def test_the_parse_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    assert gc.isenabled()
    parse_text("x = 1\n# fresh\n")
    assert gc.isenabled()
    gc.disable()
    try:
        fastparse.parse(Source("x = 2\n"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def _long_text() -> str:
    """A program long enough for the parse to promote its tree (`fastparse.PROMOTE_CHARS`)."""
    block = ("block b{i}(c: int = 3) {{\n    conv2d(c, 3, padding = c // 2)  # n{i}\n"
             "    h = x -> relu() -> f(k = choice(3, 5))\n}}\n")
    text, i = "", 0
    while len(text) < fastparse.PROMOTE_CHARS:
        text, i = text + block.format(i=i), i + 1
    return text


def test_a_long_text_parses_the_same_on_both_paths() -> None:
    assert check_both(_long_text()) == "same"


class _Cycle:
    """Garbage that only the cyclic collector frees."""

    def __init__(self) -> None:
        self.me = self


def test_a_long_parse_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc
    import weakref

    text = _long_text()
    thresholds = gc.get_threshold()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    # young garbage from before the parse is still collected (by the young collection the
    # parse runs first), not moved to the oldest generation with the new tree
    cycle = _Cycle()
    gone = weakref.ref(cycle)
    del cycle
    module = fastparse.parse(Source(text, "long.arch"))
    assert gone() is None
    assert gc.isenabled() and gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds
    # the tree went straight to the oldest generation: no young collection passes over it
    young = {id(o) for o in gc.get_objects(generation=0) + gc.get_objects(generation=1)}
    assert id(module) not in young and id(module.items[0]) not in young
    assert id(module) in {id(o) for o in gc.get_objects(generation=2)}
    # where the caller paused the collector, or froze objects, the parse moves nothing
    del module
    for pause, freeze in ((True, False), (False, True)):
        sentinel = [[]]  # tracked, and frozen below where `freeze`
        if pause:
            gc.disable()
        if freeze:
            gc.freeze()
        try:
            module = fastparse.parse(Source(text, "long.arch"))
            assert gc.isenabled() is not pause
            tracked = {id(o) for o in gc.get_objects()}  # (a frozen object is in none)
            assert (id(sentinel) in tracked) is not freeze
            assert id(module) in {id(o) for g in (0, 1) for o in gc.get_objects(generation=g)}
        finally:
            gc.enable()
            gc.unfreeze()
        del module
    # and a text that falls back leaves it too
    assert check_both(_long_text() + "x = (\n") == "fallback"
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_max_depth_is_the_parser_s() -> None:
    assert fastparse.MAX_DEPTH == MAX_DEPTH

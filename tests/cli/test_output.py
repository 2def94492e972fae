"""The command line's pure formatters and parsers, tested as functions."""

from __future__ import annotations

import click
import pytest

from archlang import humanize
from archlang.cli import output as out
from archlang.cli.errors import format_internal_error, relativize, render_diagnostics
from archlang.diagnostics import Diagnostic
from archlang.ir.decisions import CandidateChoice, IntRange
from archlang.source import Source, Span


@pytest.mark.parametrize(("n", "text"), [
    (84, "8.4e+01"),
    (10**15, "1.0e+15"),
    (123_456_789_012_345_678, "1.2e+17"),
    (10**300, "1.0e+300"),
    (996 * 10**297, "1.0e+300"),  # rounds up into the next power of ten
    (10**5000 * 3, "3.0e+5000"),
    (float("1e20"), "1.0e+20"),
], ids=lambda v: v if isinstance(v, str) else type(v).__name__)
def test_approx(n: int | float, text: str) -> None:
    assert humanize.approx(n) == text


def test_format_size() -> None:
    assert humanize.format_size(84) == "84"
    assert humanize.format_size(1_234_567) == "1,234,567"
    assert humanize.format_size(10**20) == f"{10**20} (≈ 1.0e+20)"
    assert humanize.format_size(float("inf")) == "infinite (a float range)"
    assert humanize.format_size(7 * 10**6000) == "≈ 7.0e+6000 (6,001 digits)"


def test_size_json() -> None:
    assert humanize.size_json(84) == 84
    assert humanize.size_json(2**53 - 1) == 2**53 - 1
    assert humanize.size_json(2**53) == str(2**53)
    assert humanize.size_json(float("inf")) == "inf"
    assert humanize.size_json(10**6000) == "1.0e+6000"


def test_count_phrase() -> None:
    assert humanize.count_phrase(1) == "1 architecture"
    assert humanize.count_phrase(84) == "84 architectures"
    assert humanize.count_phrase(10**300) == "≈ 1.0e+300 architectures"
    assert humanize.count_phrase(float("inf")) == "infinitely many architectures"


def test_parse_set() -> None:
    assert out.parse_set(["a.w=32", "a.act=relu", "a.s=[0, 2]", 'a.q="x"', "a.b=true",
                          "a.f=1e-3", "a.eq=x=y"]) == {
        "a.w": 32, "a.act": "relu", "a.s": [0, 2], "a.q": "x", "a.b": True, "a.f": 0.001,
        "a.eq": "x=y"}
    with pytest.raises(click.BadParameter):
        out.parse_set(["a.w"])
    with pytest.raises(click.BadParameter):
        out.parse_set(["=3"])


def test_show_assignment() -> None:
    assert humanize.show_assignment({"n.w": 16, "n.act": "relu", "n.s": [0, 2]}) == \
        'n.w = 16, n.act = "relu", n.s = [0, 2]'
    many = {f"n.k{i}": i for i in range(10)}
    assert humanize.show_assignment(many).endswith("n.k7 = 7, and 2 more")
    assert humanize.show_assignment({}) == "no decisions"


def test_condition() -> None:
    top = IntRange("n.repeat", low=1, high=12)
    child = CandidateChoice("n.repeat[1].choice", labels=("a()", "b()"),
                            cond=("n.repeat", frozenset({2, 10, 3})))
    subset_child = IntRange("n.x", low=0, high=1, cond=("n.s", frozenset({(0, 2)})))
    assert out.condition(top) == ""
    assert out.condition(child) == "when n.repeat in {2, 3, 10}"
    assert out.condition(subset_child) == "when n.s in {[0, 2]}"


def test_plain_table() -> None:
    text = out.plain_table(("key", "domain", "when"), [("n.width", "choice(16, 32)", ""),
                                                        ("n.k", "int(1, 3)", "when n.a in {1}")])
    assert text.splitlines() == [
        "key      domain          when",
        "n.width  choice(16, 32)",
        "n.k      int(1, 3)       when n.a in {1}",
    ]


def test_relativize_paths_below_the_cwd() -> None:
    source = Source("block b() { relu() }\n", "/work/proj/lib/b.arch")
    diag = Diagnostic("E206", "import cycle", Span(source, 1, 1, 1, 6),
                      hint="the first definition is at /work/proj/lib/b.arch:1:1",
                      notes=("see /work/proj/a.arch", "elsewhere: /other/c.arch"))
    rel = relativize(diag, "/work/proj/")
    assert str(rel.span) == "lib/b.arch:1:1"
    assert rel.hint == "the first definition is at lib/b.arch:1:1"
    assert rel.notes == ("see a.arch", "elsewhere: /other/c.arch")
    assert relativize(diag, None) is diag
    text = render_diagnostics([diag], "/work/proj")
    assert text.startswith("lib/b.arch:1:1: error[E206]: import cycle\n")


def test_format_internal_error() -> None:
    try:
        raise KeyError("k")
    except KeyError as exc:
        short = format_internal_error(exc)
        long = format_internal_error(exc, debug=True)
    assert short.splitlines()[0] == "internal error (this is a bug in archlang): KeyError: 'k'"
    assert "ARCHLANG_DEBUG=1" in short and "Traceback" not in short
    assert long.startswith("Traceback (most recent call last):")
    assert long.splitlines()[-1] == short.splitlines()[0]


def test_rich_table_renders() -> None:
    import io

    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=120, color_system=None).print(
        out.rich_table(("decision", "domain"), [("n.width", "choice(16, 32)")]))
    assert "n.width" in buf.getvalue() and "choice(16, 32)" in buf.getvalue()

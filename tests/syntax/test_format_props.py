"""Properties of the parser and the printer over generated programs, trees and noise."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archlang.diagnostics import ArchError, ArchSyntaxError
from archlang.syntax import ast as A
from archlang.syntax.format import format_module
from archlang.syntax.parser import parse_text

from .strategies import grammar_programs, modules, noise

_SETTINGS = settings(max_examples=200, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_TREES = settings(_SETTINGS, max_examples=100)  # larger programs: fewer of them


def _round_trip(module: A.Module) -> str:
    out = format_module(module)
    again = parse_text(out)
    assert again == module, out
    assert format_module(again) == out
    return out


@_SETTINGS
@given(grammar_programs())
def test_programs_from_the_grammar(text: str) -> None:
    """Whatever the grammar generates parses, or fails with a located syntax error."""
    try:
        module = parse_text(text)
    except ArchSyntaxError as exc:  # e.g. an unknown parameter type, a repeated argument
        assert exc.span is not None and exc.span.line >= 1
        return
    _round_trip(module)


@_TREES
@given(modules)
def test_trees_print_to_text_that_parses_back(module: A.Module) -> None:
    """Any tree the parser could build prints to text that parses back to an equal tree."""
    _round_trip(module)


def _sprinkle(text: str, flags: list[tuple[bool, bool]]) -> str:
    """`text` with a comment line before and/or a comment after some of its lines."""
    out, n = [], 0
    for line, (lead, trail) in zip(text.split("\n")[:-1], flags, strict=True):
        if lead:
            n += 1
            out.append(line[: len(line) - len(line.lstrip())] + f"# lead {n}")
        if trail:
            n += 1
            line += f"  # trail {n}"
        out.append(line)
    return "\n".join(out) + "\n"


@_TREES
@given(modules, st.data())
def test_comments_survive_in_order(module: A.Module, data: st.DataObject) -> None:
    text = format_module(module)
    n = text.count("\n")
    flags = data.draw(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=n, max_size=n))
    commented = parse_text(_sprinkle(text, flags))
    assert commented == module
    out = _round_trip(commented)
    assert [c.text for c in parse_text(out).comments] == [c.text for c in commented.comments]


@_SETTINGS
@given(noise)
def test_noise_fails_cleanly_and_quickly(text: str) -> None:
    started = time.perf_counter()
    try:
        module = parse_text(text)
    except ArchError as exc:
        assert exc.render().count("error[E") == 1
    else:
        _round_trip(module)
    assert time.perf_counter() - started < 5.0

"""archlang.syntax.literals: one spelling of values, equal to what the printer writes."""

from __future__ import annotations

import math

import pytest

from archlang.syntax import ast as A
from archlang.syntax.format import format_expr
from archlang.syntax.literals import float_text, quote, to_literal, value_text
from archlang.syntax.parser import parse_text

VALUES = [0, -3, 1.5, 1e-05, 3.0, math.inf, True, False, None, "relu", 'a"b\\c\n', [1, [2, 3]],
          (4, "x")]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_value_text_is_what_the_printer_writes(value: object) -> None:
    assert value_text(value) == format_expr(to_literal(value, tuples=A.ListLit))


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_value_text_parses_back_to_the_literal(value: object) -> None:
    module = parse_text(f"X = {value_text(value)}\n")
    assert module.items[0].value == to_literal(value, tuples=A.ListLit)


def test_to_literal_keeps_tuples_apart_unless_asked() -> None:
    assert to_literal((1,)) == A.TupleLit((A.IntLit(1),))
    assert to_literal((1,), tuples=A.ListLit) == A.ListLit((A.IntLit(1),))
    assert to_literal([True]) == A.ListLit((A.BoolLit(True),))


@pytest.mark.parametrize("value", [{1}, object(), math.nan])
def test_to_literal_refuses_values_without_a_literal(value: object) -> None:
    with pytest.raises(TypeError, match="no archlang literal"):
        to_literal(value)


def test_other_converts_the_rest() -> None:
    assert to_literal([1, "n"], other=A.Name) == A.ListLit((A.IntLit(1), A.StrLit("n")))
    assert to_literal([{2}], other=lambda v: A.Name("s")) == A.ListLit((A.Name("s"),))


def test_quote_and_float_text() -> None:
    assert quote('say "hi"') == '"say \\"hi\\""'
    assert float_text(2.0) == "2.0" and float_text(-math.inf) == "-1e999"
    with pytest.raises(ValueError):
        float_text(math.nan)

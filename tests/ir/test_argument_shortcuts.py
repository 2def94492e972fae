"""The argument checks' shortcuts give what the full checks give (ir/arguments.py)."""

from __future__ import annotations

import pytest

from archlang.diagnostics import ArchTypeError
from archlang.ir import arguments
from archlang.ir.arguments import check_kind
from archlang.ops.registry import PARAM_KINDS, all_ops
from archlang.source import NO_SPAN

KINDS = [k for base in PARAM_KINDS for k in (base, base + "?")]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", [0, 1, 3, -2, 10**9])
def test_an_int_skips_check_kind_exactly_where_check_kind_returns_it_unchanged(
        kind: str, value: int) -> None:
    try:
        out = check_kind(value, kind, "p", NO_SPAN)
        unchanged = out is value
    except ArchTypeError:
        unchanged = False
    assert (kind in arguments._INT_KINDS) == unchanged


def test_every_op_parameter_kind_is_one_check_kind_knows() -> None:
    # a kind outside PARAM_KINDS would pass `check_kind` as "any"; the shortcut must agree
    kinds = {p.kind for spec in all_ops().values() for p in spec.params}
    assert kinds <= set(KINDS)

"""The grammar itself: LALR(1) without conflicts, terminals without collisions."""

from __future__ import annotations

import pytest

from archlang import resources


def test_grammar_has_no_conflicts_in_strict_mode() -> None:
    pytest.importorskip("interegular")
    import lark

    # strict=True raises on any shift/reduce conflict and on terminals that can collide
    lark.Lark(resources.read_text("grammar/archlang.lark"), start="module", parser="lalr",
              strict=True)

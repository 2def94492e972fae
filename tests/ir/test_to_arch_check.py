"""`to_arch`'s self-check: a rewritten program that is not the Arch is never printed.

The check binds the printed tree (or, with ``ARCHLANG_VERIFY=1``, the printed text parsed
back); a rewrite that left a decision, or that builds another network, falls back to the
straight-line form.
"""

from __future__ import annotations

import pytest

import archlang
from archlang.ir import specialize as S
from archlang.syntax import ast as A
from archlang.syntax.format import format_module

SPACE = """
block conv_bn(c: int) { conv2d(c, 3, padding = 1)
  relu() }
network n() (x: [3, 8, 8]) {
  return x -> conv_bn(choice(4, 8)) -> flatten() -> linear(2)
}
"""


def _flat(arch: archlang.Arch) -> str:
    return format_module(A.Module((S.decided_network(arch),)))


def test_a_faithful_rewrite_keeps_its_blocks(check: str) -> None:
    arch = archlang.parse(SPACE).network().bind({"n.conv_bn.c": 8})
    text = arch.to_arch()
    assert "block conv_bn" in text and "choice" not in text


def test_a_rewrite_that_left_a_decision_is_refused(check: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    arch = archlang.parse(SPACE).network().bind({"n.conv_bn.c": 8})
    monkeypatch.setattr(S._Specializer, "module", lambda self: self.root.tree)
    assert arch.to_arch().endswith(_flat(arch))


def test_a_rewrite_that_builds_another_network_is_refused(check: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    space = archlang.parse(SPACE).network()
    arch = space.bind({"n.conv_bn.c": 8})
    other = archlang.parse(SPACE.replace("choice(4, 8)", "4")).network().bind()
    monkeypatch.setattr(S._Specializer, "module", lambda self: other.space.program.root.tree)
    assert arch.to_arch().endswith(_flat(arch))


def test_the_node_for_node_check_says_yes_only_where_the_hash_would() -> None:
    """`_identical` (the check's shortcut before hashing) is true for a member and its own
    printout, false where it may differ: another attribute, a negative zero, other wiring."""
    space = archlang.parse(SPACE).network()
    arch = space.bind({"n.conv_bn.c": 4})
    again = archlang.parse(arch.to_arch()).network().bind({})
    assert S._identical(arch.graph, again.graph) and arch.hash == again.hash
    other = space.bind({"n.conv_bn.c": 8})
    assert not S._identical(arch.graph, other.graph)
    text = "network n() (x: [4]) { return x -> dropout(0.0) -> linear(2) }"
    a = archlang.parse(text).network().bind({})
    b = archlang.parse(text.replace("0.0", "-0.0")).network().bind({})
    assert repr(b.graph.nodes[0].attrs) != repr(a.graph.nodes[0].attrs)
    assert not S._identical(a.graph, b.graph)
    swapped = archlang.parse("network n() (x: [4]) { a = x -> relu()\n b = x -> tanh()\n"
                             " return a + b }").network().bind({})
    other = archlang.parse("network n() (x: [4]) { a = x -> relu()\n b = x -> tanh()\n"
                           " return a + a }").network().bind({})
    assert not S._identical(swapped.graph, other.graph)

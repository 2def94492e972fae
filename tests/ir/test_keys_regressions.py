"""Regressions: keys of decisions in defaults and re-applied layers; fix/bind consistency."""

from __future__ import annotations

import pytest

import archlang
from archlang.diagnostics import ArchSpaceError


def keys(text: str) -> list[str]:
    return [d.key for d in archlang.parse(text).network().decisions]


def test_decision_in_a_block_default_is_keyed_by_the_parameter() -> None:
    assert keys("""
block b(c: int = choice(4, 8)) { linear(c) }
network n() (x: [3]) { return x -> b() -> b() }
""") == ["n.b.c", "n.b_1.c"]


def test_decision_in_a_network_default_is_keyed_by_the_parameter() -> None:
    assert keys("network n(w: int = choice(4, 8)) (x: [3]) { return x -> linear(w) }") == \
        ["n.w"]


def test_a_layer_applied_again_is_a_new_instance_indexed_by_application() -> None:
    assert keys("""
block b() { linear(choice(4, 8)) }
network n() (x: [3]) {
    layer = b()
    return x -> layer -> layer
}
""") == ["n.b.linear.out", "n.b[1].linear.out"]


def test_binding_over_a_fixed_decision_is_refused() -> None:
    space = archlang.parse("network n() (x: [3]) { return x -> linear(choice(4, 8)) }").network()
    fixed = space.fix({"n.linear.out": 4})
    assert fixed.bind({"n.linear.out": 4}).output_shape == (4,)
    with pytest.raises(ArchSpaceError) as exc:
        fixed.bind({"n.linear.out": 8})
    assert exc.value.diagnostic.code == "E516"


def test_fixing_a_decision_its_fixed_parent_switches_off_is_refused() -> None:
    space = archlang.parse("""
network n() (x: [3]) { return x -> repeat(int(1, 2)) { linear(choice(4, 8)) } }
""").network()
    with pytest.raises(ArchSpaceError) as exc:
        space.fix({"n.repeat": 1, "n.repeat[1].linear.out": 4})
    assert exc.value.diagnostic.code == "E512"
    # fixing a conditional decision whose parent stays open is fine
    assert [d.key for d in space.fix({"n.repeat[1].linear.out": 4}).decisions] == \
        ["n.repeat", "n.repeat[0].linear.out"]

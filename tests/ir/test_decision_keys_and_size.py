"""Decision keys are stable and readable; `space.size` counts exactly, conditions included."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

import archlang
from archlang.ir.decisions import cond_allows, iter_assignments
from archlang.testing.spaces import CONDITIONAL_SPACES

ROOT = Path(__file__).resolve().parents[2]


def space(text: str, name: str | None = None) -> archlang.Space:
    return archlang.parse(text).network(name)


def keys(s: archlang.Space) -> list[str]:
    return [d.key for d in s.decisions]


def enumerate_assignments(s: archlang.Space):
    """Every assignment of a finite space, top-down: a brute-force oracle for `size`."""
    tree = s.tree

    def walk(pending, out):
        if not pending:
            yield dict(out)
            return
        d, rest = pending[0], pending[1:]
        for value in d.domain():
            kids = [c for c in tree.children.get(d.key, []) if cond_allows(c.cond, value)]
            out[d.key] = value
            yield from walk(kids + rest, out)
            del out[d.key]

    yield from walk(list(tree.roots), {})


# ---------------------------------------------------------------- keys

#: the keys of examples/digits.arch, pinned: searches, logs and saved assignments use them
DIGITS_KEYS = [
    "digits_cnn.width",
    "digits_cnn.conv_bn_relu.k",
    "digits_cnn.repeat",
    "digits_cnn.repeat[0].choice",
    "digits_cnn.repeat[0].residual.conv_bn_relu.k",
    "digits_cnn.repeat[1].choice",
    "digits_cnn.repeat[1].residual.conv_bn_relu.k",
    "digits_cnn.repeat[2].choice",
    "digits_cnn.repeat[2].residual.conv_bn_relu.k",
    "digits_cnn.pool",
    "digits_cnn.dropout.p",
]


def test_digits_keys_are_pinned():
    s = archlang.load(ROOT / "examples" / "digits.arch").network()
    assert keys(s) == DIGITS_KEYS
    by_key = {d.key: d for d in s.decisions}
    assert by_key["digits_cnn.width"].values == (16, 32, 64)
    assert by_key["digits_cnn.repeat"].kind == "int"
    assert (by_key["digits_cnn.repeat"].low, by_key["digits_cnn.repeat"].high) == (1, 3)
    assert by_key["digits_cnn.repeat[1].choice"].cond == ("digits_cnn.repeat",
                                                          frozenset({2, 3}))
    assert by_key["digits_cnn.repeat[1].residual.conv_bn_relu.k"].cond == (
        "digits_cnn.repeat[1].choice", frozenset({1}))
    assert by_key["digits_cnn.pool"].labels == ("maxpool2d(2)", "identity()")
    # 3 widths * 2 stem kernels * 2 pools * 2 dropouts * (3 + 3^2 + 3^3) repeat bodies
    assert s.size == 24 * 39 == 936


def test_keys_are_the_same_on_every_walk():
    text = (ROOT / "examples" / "digits.arch").read_text()
    a = archlang.parse(text, path="examples/digits.arch").network()
    b = archlang.load(ROOT / "examples" / "digits.arch").network()
    assert keys(a) == keys(b) == keys(a) and a.size == b.size


def test_key_naming_rules():
    s = space("""
block unit(c: int) { linear(c) -> relu() }
network net() (x: [8]) {
    width = choice(4, 8)                      # bound to a name: net.width
    h = x -> linear(choice(2, 3))             # passed to a parameter: net.linear.out
    h = h -> unit(c = choice(5, 6))           # a block parameter: net.unit.c
    h = h -> choice(relu(), gelu())           # neither: its kind, net.choice
    h = h -> dropout(float(0.0, 0.5))         # net.dropout.p
    h = h -> repeat(int(1, 2)) { linear(width) -> choice(relu(), tanh()) }
    return h -> choice(linear(2), linear(3))  # net.choice_1
}""")
    assert keys(s) == [
        "net.width", "net.linear.out", "net.unit.c", "net.choice", "net.dropout.p",
        "net.repeat", "net.repeat[0].choice", "net.repeat[1].choice", "net.choice_1",
    ]


def test_keys_do_not_depend_on_unrelated_edits_elsewhere():
    base = """
network net() (x: [8]) {
    a = choice(4, 8)
    h = x -> linear(a) -> relu()
    return h -> linear(choice(2, 3))
}"""
    edited = base.replace("-> relu()", "-> relu() -> identity() -> tanh()")
    assert keys(space(base)) == keys(space(edited)) == ["net.a", "net.linear_1.out"]


# ---------------------------------------------------------------- exact sizes


EXTRA_SIZES = [
    ("""network n() (x: [8]) {
        a = x -> linear(4)
        b = x -> linear(4)
        c = x -> linear(4)
        h = subset(3, a, b, c) -> concat()
        return (subset(1, a, b, c) -> add(), choice(a, b)) -> add() -> linear(h.shape[0])
    }""", 1 * 3 * 2),
]


@pytest.mark.parametrize(("text", "size"), CONDITIONAL_SPACES + EXTRA_SIZES)
def test_size_is_exact(text, size):
    s = space(text)
    assert s.size == size
    assert sum(1 for _ in enumerate_assignments(s)) == size
    for a in enumerate_assignments(s):  # every member binds, with exactly its keys
        assert s.bind(a).assignment == a


def test_size_with_a_float_is_infinite():
    s = space("""network n() (x: [8]) {
        return x -> linear(choice(2, 4)) -> dropout(float(0.0, 0.5))
    }""")
    assert s.size == math.inf


def test_example_sizes_match_brute_force():
    for name, net in [("digits.arch", None), ("dag_inputs.arch", None)]:
        s = archlang.load(ROOT / "examples" / name).network(net)
        assert sum(1 for _ in enumerate_assignments(s)) == s.size


BIG = """
network big() (x: [4]) {
    h = x
    for i in range(300) {
        h = h -> linear(choice(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
    }
    return h
}"""


def test_a_space_of_10_to_the_300_is_counted_exactly_and_sampled_quickly():
    start = time.monotonic()
    s = space(BIG)
    assert len(s.decisions) == 300
    assert s.size == 10**300
    assert isinstance(s.size, int)
    a = s.sample_assignment(7)
    assert len(a) == 300 and a == s.sample_assignment(7)
    arch = s.bind(a)
    assert arch.output_shape == (a["big.linear_299.out"],)
    assert time.monotonic() - start < 5


def test_a_deep_conditional_space_is_counted_exactly():
    # 20 nested choices, each between "stop" and "go on": 21 members, not 2^20
    depth = 20
    inner = "identity()"
    for _ in range(depth):
        inner = f"choice(identity(), repeat(1) {{ relu() -> {inner} }})"
    s = space(f"network n() (x: [4]) {{ return x -> {inner} }}")
    assert len(s.decisions) == depth
    assert s.size == depth + 1


@pytest.mark.parametrize(("text", "size"), CONDITIONAL_SPACES + EXTRA_SIZES)
def test_unrank_numbers_the_members_in_the_enumeration_order(text, size):
    tree = space(text).tree
    assert [tree.unrank(i) for i in range(size)] == list(iter_assignments(tree))
    for bad in (-1, size):
        with pytest.raises(IndexError):
            tree.unrank(bad)


def test_unrank_reaches_any_member_of_a_space_of_10_to_the_300():
    s = space(BIG)
    last = s.tree.unrank(10**300 - 1)
    assert set(last.values()) == {10} and len(last) == 300
    middle = s.tree.unrank(5 * 10**299)  # the first decision varies slowest
    assert middle["big.linear.out"] == 6 and middle["big.linear_299.out"] == 1

"""`Space.fix` settles decisions: it removes them and the children they switch off, keeps
the rest, and the fixed space binds as the original would."""

from __future__ import annotations

from pathlib import Path

import pytest

import archlang
from archlang.diagnostics import ArchError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def digits() -> archlang.Space:
    return archlang.load(ROOT / "examples" / "digits.arch").network()


def keys(s: archlang.Space) -> list[str]:
    return [d.key for d in s.decisions]


def test_fixing_a_top_level_value(digits):
    s = digits.fix({"digits_cnn.width": 32})
    assert "digits_cnn.width" not in keys(s)
    assert keys(s) == [k for k in keys(digits) if k != "digits_cnn.width"]
    assert s.size * 3 == digits.size
    assert s.fixed == {"digits_cnn.width": 32}
    assert digits.fixed == {} and len(digits.decisions) == 11  # the original is unchanged
    arch = s.bind(s.sample_assignment(0))
    assert arch.assignment["digits_cnn.width"] == 32  # the Arch records every value


def test_fixing_a_repeat_count_removes_the_copies_it_switches_off(digits):
    s = digits.fix({"digits_cnn.repeat": 1})
    assert keys(s) == [
        "digits_cnn.width", "digits_cnn.conv_bn_relu.k",
        "digits_cnn.repeat[0].choice", "digits_cnn.repeat[0].residual.conv_bn_relu.k",
        "digits_cnn.pool", "digits_cnn.dropout.p",
    ]
    by_key = {d.key: d for d in s.decisions}
    assert by_key["digits_cnn.repeat[0].choice"].cond is None  # re-rooted: always active now
    assert by_key["digits_cnn.repeat[0].residual.conv_bn_relu.k"].cond == (
        "digits_cnn.repeat[0].choice", frozenset({1}))
    assert s.size == 24 * 3


def test_fixing_a_layer_choice_removes_the_decisions_of_other_candidates(digits):
    s = digits.fix({"digits_cnn.repeat": 3, "digits_cnn.repeat[1].choice": 0})
    assert "digits_cnn.repeat[1].choice" not in keys(s)
    assert "digits_cnn.repeat[1].residual.conv_bn_relu.k" not in keys(s)
    assert "digits_cnn.repeat[0].residual.conv_bn_relu.k" in keys(s)
    assert "digits_cnn.repeat[2].residual.conv_bn_relu.k" in keys(s)
    assert s.size == 24 * 3 * 3

    kept = digits.fix({"digits_cnn.repeat": 3, "digits_cnn.repeat[1].choice": 1})
    d = {x.key: x for x in kept.decisions}["digits_cnn.repeat[1].residual.conv_bn_relu.k"]
    assert d.cond is None  # its parent is settled on the value that switches it on
    assert kept.size == 24 * 3 * 2 * 3


def test_fix_twice_and_bind_agree_with_the_original(digits):
    once = digits.fix({"digits_cnn.width": 16, "digits_cnn.repeat": 2})
    twice = digits.fix({"digits_cnn.width": 16}).fix({"digits_cnn.repeat": 2})
    assert once.decisions == twice.decisions and once.size == twice.size
    for seed in range(5):
        a = once.sample_assignment(seed)
        full = {"digits_cnn.width": 16, "digits_cnn.repeat": 2, **a}
        assert once.bind(a).hash == digits.bind(full).hash


def test_fixing_everything_leaves_a_single_point(digits):
    a = digits.sample_assignment(3)
    s = digits.fix(a)
    assert s.decisions == [] and s.size == 1 and s.is_fixed
    assert s.bind({}).hash == digits.bind(a).hash
    assert s.bind().hash == digits.bind(a).hash


def test_fix_rejects_unknown_keys_and_values_outside_the_domain(digits):
    with pytest.raises(ArchError) as err:
        digits.fix({"digits_cnn.widht": 32})
    assert err.value.diagnostic.code == "E511"
    assert "digits_cnn.width" in (err.value.diagnostic.hint or "")
    with pytest.raises(ArchError) as err:
        digits.fix({"digits_cnn.width": 48})
    assert err.value.diagnostic.code == "E502"
    assert err.value.span is not None

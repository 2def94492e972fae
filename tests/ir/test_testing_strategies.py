"""archlang.testing.strategies: hypothesis strategies that plugin authors reuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archlang
from archlang.diagnostics import ArchError
from archlang.testing.strategies import archs, assignments, decision_values

ROOT = Path(__file__).resolve().parents[2]
DIGITS = archlang.load(ROOT / "examples" / "digits.arch").network()

MIXED = archlang.parse("""
network n() (x: [8]) {
    a = x -> linear(4)
    b = x -> linear(4) -> tanh()
    c = x -> linear(4) -> relu()
    h = subset(2, a, b, c) -> add()
    h = h -> repeat(int(0, 2)) { linear(int(2, 6)) -> dropout(float(1e-3, 0.5, log = true)) }
    h = h -> choice(identity(), linear(choice(3, 5)) -> choice(relu(), gelu()))
    return h -> dropout(float(0.0, 0.9)) -> linear(2)
}""").network()

#: a space with members that do not bind: a width of 8 cannot be added to a width of 4
PARTLY_INVALID = archlang.parse("""
network n() (x: [8]) {
    a = x -> linear(4)
    b = x -> linear(choice(4, 8))
    return a + b
}""").network()

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def active_keys(space: archlang.Space, assignment: dict) -> list[str]:
    return [d.key for d in space.tree.active(assignment)]


@SETTINGS
@given(assignments(DIGITS))
def test_digits_assignments_are_valid_and_complete(a):
    assert list(a) == active_keys(DIGITS, a)
    for key, value in a.items():
        assert DIGITS.decision(key).contains(value)
    assert DIGITS.bind(a).assignment == a
    count = a["digits_cnn.repeat"]
    assert all(f"digits_cnn.repeat[{i}].choice" in a for i in range(count))
    assert f"digits_cnn.repeat[{count}].choice" not in a


@SETTINGS
@given(assignments(MIXED))
def test_every_kind_of_decision(a):
    assert list(a) == active_keys(MIXED, a)
    assert isinstance(a["n.subset"], list) and a["n.subset"] == sorted(a["n.subset"])
    assert 0.0 <= a["n.dropout.p"] <= 0.9
    arch = MIXED.bind(a)
    assert arch.assignment == a and arch.output_shape == (2,)


@SETTINGS
@given(st.data())
def test_decision_values_stay_in_the_domain(data):
    d = data.draw(st.sampled_from(MIXED.decisions + DIGITS.decisions))
    assert d.contains(data.draw(decision_values(d)))


@SETTINGS
@given(assignments(DIGITS.fix({"digits_cnn.repeat": 2, "digits_cnn.width": 16})))
def test_a_fixed_space_draws_only_its_open_decisions(a):
    assert "digits_cnn.repeat" not in a and "digits_cnn.width" not in a
    assert "digits_cnn.repeat[1].choice" in a and "digits_cnn.repeat[2].choice" not in a


@SETTINGS
@given(assignments(DIGITS, fixed={"digits_cnn.repeat": 1, "digits_cnn.repeat[0].choice": 1}))
def test_fixed_values_steer_the_conditions(a):
    assert a["digits_cnn.repeat"] == 1
    assert "digits_cnn.repeat[0].residual.conv_bn_relu.k" in a
    assert DIGITS.bind(a).assignment == a


@SETTINGS
@given(archs(DIGITS))
def test_archs_are_bound_members(arch):
    assert isinstance(arch, archlang.Arch)
    assert arch.output_shape == (10,)
    assert DIGITS.bind(arch.assignment).hash == arch.hash


@SETTINGS
@given(archs(PARTLY_INVALID, skip_invalid=True))
def test_archs_can_skip_members_that_do_not_bind(arch):
    assert arch.assignment == {"n.linear_1.out": 4}


def test_archs_report_members_that_do_not_bind():
    @settings(max_examples=20, deadline=None, derandomize=True, database=None)
    @given(archs(PARTLY_INVALID))
    def run(arch):
        pass

    with pytest.raises(ArchError):
        run()


def test_strategies_for_a_decided_network():
    s = archlang.load(ROOT / "examples" / "01_decided_cnn.arch").network()

    @settings(max_examples=3, deadline=None, database=None)
    @given(assignments(s), archs(s))
    def run(a, arch):
        assert a == {} and arch.assignment == {}

    run()

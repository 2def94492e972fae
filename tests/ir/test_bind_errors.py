"""`Space.bind` refuses bad assignments with located, coded errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import archlang
from archlang.diagnostics import ArchError, ArchSpaceError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def digits() -> archlang.Space:
    return archlang.load(ROOT / "examples" / "digits.arch").network()


def valid(space: archlang.Space) -> dict:
    """A member with three repeat copies, the middle one a `residual`."""
    a = space.sample_assignment(0)
    a = {k: v for k, v in a.items() if not k.startswith("digits_cnn.repeat")}
    a.update({"digits_cnn.repeat": 3, "digits_cnn.repeat[0].choice": 0,
              "digits_cnn.repeat[1].choice": 1,
              "digits_cnn.repeat[1].residual.conv_bn_relu.k": 5,
              "digits_cnn.repeat[2].choice": 0})
    return a


def bind_error(space: archlang.Space, assignment: dict) -> ArchError:
    with pytest.raises(ArchError) as err:
        space.bind(assignment)
    assert isinstance(err.value, ArchSpaceError)
    return err.value


def test_the_valid_assignment_binds(digits):
    assert digits.bind(valid(digits)).assignment == valid(digits)


def test_unknown_key_is_E511_with_did_you_mean(digits):
    err = bind_error(digits, {**valid(digits), "digits_cnn.widht": 16})
    assert err.diagnostic.code == "E511"
    assert "digits_cnn.widht" in err.diagnostic.message
    assert err.diagnostic.hint == "did you mean `digits_cnn.width`?"
    err = bind_error(digits, {**valid(digits), "digits_cnn.repeat[1].residual.k": 3})
    assert err.diagnostic.code == "E511"
    assert "digits_cnn.repeat[1].residual.conv_bn_relu.k" in (err.diagnostic.hint or "")


def test_unknown_key_error_has_a_span(digits):
    err = bind_error(digits, {**valid(digits), "digits_cnn.widht": 16})
    assert err.span is not None


def test_inactive_key_is_E512(digits):
    a = {**valid(digits), "digits_cnn.repeat": 2}
    del a["digits_cnn.repeat[2].choice"]
    a["digits_cnn.repeat[2].residual.conv_bn_relu.k"] = 3  # copy 2 is not there
    err = bind_error(digits, a)
    assert err.diagnostic.code == "E512"
    assert "digits_cnn.repeat[2].residual.conv_bn_relu.k" in err.diagnostic.message
    assert err.span is not None and err.span.line > 0
    # a candidate's decision while another candidate is chosen
    a = {**valid(digits), "digits_cnn.repeat[0].residual.conv_bn_relu.k": 3}
    err = bind_error(digits, a)
    assert err.diagnostic.code == "E512"
    assert "digits_cnn.repeat[0].choice" in (err.diagnostic.hint or "")
    assert err.span is not None


@pytest.mark.parametrize(("key", "value"), [
    ("digits_cnn.width", 48),                  # not a listed value
    ("digits_cnn.width", "32"),                # a string is not the int 32
    ("digits_cnn.width", True),                # nor is a bool an int
    ("digits_cnn.repeat", 4),                  # above int(1, 3)
    ("digits_cnn.repeat", 0),
    ("digits_cnn.repeat", 2.0),                # an int decision takes ints
    ("digits_cnn.repeat[0].choice", 2),        # a layer choice takes a candidate index
    ("digits_cnn.repeat[0].choice", -1),
    ("digits_cnn.dropout.p", 0.5),
])
def test_value_outside_the_domain_is_E502(digits, key, value):
    err = bind_error(digits, {**valid(digits), key: value})
    assert err.diagnostic.code == "E502"
    assert key in err.diagnostic.message
    assert err.span is not None and err.span.line > 0


def test_subset_and_float_domains_are_E502():
    s = archlang.parse("""
network n() (x: [8]) {
    a = x -> linear(4)
    b = x -> linear(4)
    c = x -> linear(4)
    return subset(2, a, b, c) -> add() -> dropout(float(0.0, 0.5))
}""").network()
    ok = {"n.subset": [0, 2], "n.dropout.p": 0.25}
    assert s.bind(ok).params == 2 * (8 * 4 + 4)  # b is not chosen: pruned
    for bad in [{"n.subset": [0]}, {"n.subset": [0, 0]}, {"n.subset": [0, 3]},
                {"n.subset": 1}, {"n.dropout.p": 0.75}, {"n.dropout.p": "0.1"}]:
        err = bind_error(s, {**ok, **bad})
        assert err.diagnostic.code == "E502", bad
        assert err.span is not None


def test_missing_key_is_E501(digits):
    for key in ["digits_cnn.width", "digits_cnn.repeat[1].choice",
                "digits_cnn.repeat[1].residual.conv_bn_relu.k"]:
        a = valid(digits)
        del a[key]
        err = bind_error(digits, a)
        assert err.diagnostic.code == "E501"
        assert key in err.diagnostic.message
        assert err.span is not None and err.span.line > 0


def test_errors_render_with_their_location(digits):
    err = bind_error(digits, {**valid(digits), "digits_cnn.width": 48})
    text = err.render()
    assert "E502" in text and "digits.arch" in text and "choice(16, 32, 64)" in text

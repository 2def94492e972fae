"""A call's arguments are matched to its parameters once per call node (ir/arguments.py:
`_Plan`), literals are read without the dispatch, and the checks on the way have fast paths:
each must give what binding every argument afresh gave, on every bind and every call."""

from __future__ import annotations

import random

import pytest

import archlang
from archlang.diagnostics import ArchError
from archlang.ir.arguments import _BLOCK_TYPES, _check_block_type, _Plan
from archlang.ir.values import Unknown
from archlang.ops._common import nonnegative, positive
from archlang.ops.registry import get_op
from archlang.syntax import ast as A

SPACE = """
block unit(w: int, k: int = choice(3, 5), act: bool = true, s: float = 1) {
    conv2d(w, k, padding = k // 2) -> relu()
}
network n(stride: int = 1) (x: [4, 8, 8]) {
    h = x -> unit(8) -> unit(8, k = 3, act = false)
    h = h -> repeat(2) { unit(choice(4, 8), s = 2) }
    return h -> unit(4, k = choice(1, 3) if stride == 1 else 3)
}
"""


def test_keys_and_graph_the_same_on_every_bind() -> None:
    space = archlang.parse(SPACE).network()
    keys = [d.key for d in space.decisions]
    # a decision written as an argument is named after its parameter, in a conditional too
    assert keys == ["n.unit.k", "n.repeat[0].unit.w", "n.repeat[0].unit.k",
                    "n.repeat[1].unit.w", "n.repeat[1].unit.k", "n.unit_2.k"]
    assignment = space.sample_assignment(random.Random(0))
    first = space.bind(assignment)
    again = space.bind(assignment)  # the plans are kept by now
    fresh = archlang.parse(SPACE).network().bind(assignment)
    for arch in (again, fresh):
        assert str(arch.graph) == str(first.graph)
        assert arch.graph.hash() == first.graph.hash()
        assert [(n.path, n.attrs, n.shape) for n in arch.graph.nodes] == \
            [(n.path, n.attrs, n.shape) for n in first.graph.nodes]


@pytest.mark.parametrize("call, code", [
    ("unit(8, 3, true, 1, 2)", "E304"),   # too many positional arguments
    ("unit(8, kk = 3)", "E303"),          # no such parameter
    ("unit(8, w = 4)", "E306"),           # given twice
    ("unit(8, k = 2.5)", "E301"),         # a float for an int
    ("conv2d(0, 3)", "E319"),             # `out` must be positive
    ("conv2d(8, 3, k = 3)", "E306"),
])
def test_errors_raised_on_every_bind(call: str, code: str) -> None:
    text = SPACE.replace("return h -> unit(4, k = choice(1, 3) if stride == 1 else 3)",
                         f"return h -> {call}")
    program = archlang.parse(text)
    for _ in range(3):  # a plan is kept only once built: the error comes every time
        with pytest.raises(ArchError) as info:
            program.network().bind({})
        assert info.value.diagnostic.code == code


def test_plan_refuses_before_any_argument() -> None:
    spec = get_op("conv2d")
    assert spec is not None
    bad = A.Call("conv2d", (A.IntLit(8),), (A.Kwarg("out", A.IntLit(3)),))
    with pytest.raises(ArchError) as info:
        _Plan(bad, spec)
    assert info.value.diagnostic.code == "E306"
    good = A.Call("conv2d", (A.IntLit(8), A.Name("k")), (A.Kwarg("name", A.StrLit("c")),))
    plan = _Plan(good, spec)
    assert [s[0] for s in plan.steps] == ["out", "k"]  # `name` names the module only


@pytest.mark.parametrize("value", [0, 3, -1, True, False, (1, 2), (1, 0), [2], None, 2.5])
def test_bound_checks_as_before(value: object) -> None:
    for make, ok in ((positive, lambda v: v > 0), (nonnegative, lambda v: v >= 0)):
        check = make("x")
        values = value if isinstance(value, (tuple, list)) else [value]
        expected_ok = value is None or all(ok(v) for v in values)
        assert (check(value) is None) == expected_ok


@pytest.mark.parametrize("value", [3, True, 2.0, "a", (1,), None, Unknown(frozenset({"k"}), "k")])
def test_block_int_check_as_before(value: object) -> None:
    ok = _BLOCK_TYPES["int"](value)
    assert ok == (isinstance(value, int) and not isinstance(value, bool))
    param = A.Param("c", "int")
    if ok or isinstance(value, Unknown):  # an unknown passes (the space walk's value)
        _check_block_type(param, value, None)  # type: ignore[arg-type]
    else:
        with pytest.raises(ArchError):
            _check_block_type(param, value, None)  # type: ignore[arg-type]

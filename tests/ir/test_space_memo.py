"""A space walk that takes equal block applications walked before (ir/spacememo.py), and a
decided network's first bind that remembers nothing, find and build exactly what the plain
walks do: the same decisions, `require`s, step counts and errors, the same graphs.

Also pinned here: a decided network's bind still runs the space walk first. The bind walk
alone reads no decision in these networks and succeeds, but the space walk (which walks
both branches of an `if` on a tensor's channels, and refuses a repeat count read from a
shape) reports an error the bind walk never reaches; binding with the bind walk alone would
lose it.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import archlang
from archlang.diagnostics import ArchError
from archlang.ir import spacememo, walkstate
from archlang.ir.elaborate import Elaborator
from archlang.resources import stdlib_root
from archlang.testing.fuzz import mutated
from archlang.testing.spaces import CONDITIONAL_SPACES, macro_space
from tests.ir.test_bind_fast_paths import built, plain_walk

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "examples").glob("*.arch")) + sorted(
    (stdlib_root() / "models").glob("*.arch"))

#: blocks applied again and again with equal arguments, before and after a decision, with
#: a layer made outside, a `require`, a result that is an input, a tuple, an `if` on a
#: tensor's channels
REPEATED = """
block unit(w: int) (x) {
    h = x -> linear(w)
    if channels(x) == w {
        return x + h
    }
    return h -> relu()
}
block acted(w: int, act: layer = relu()) (x) {
    return x -> linear(w) -> act
}
block pair(w: int) (x) {
    a = x -> linear(w)
    return (a, x)
}
block same(w: int) (x) {
    return x
}
block checked(w: int) (x) {
    require w > 0
    require channels(x) > 0
    return x -> linear(w)
}
network n() (x: [8]) {
    g = gelu()
    h = x -> same(3) -> unit(8) -> unit(8) -> unit(16) -> unit(16) -> unit(channels(x))
    h = h -> acted(8, act = g) -> acted(8, act = g) -> acted(8) -> acted(8)
    h = h -> checked(4) -> checked(4)
    (a, b) = h -> pair(4)
    (c, d) = b -> pair(4)
    h = (a, c) -> concat() -> unit(8) -> unit(8) -> same(1) -> same(1)
    h = h -> repeat(3) { unit(8) } -> unit(int(8, 9)) -> unit(8) -> unit(8)
    return h -> unit(choice(4, 8)) -> unit(4) -> unit(4)
}
"""


@contextmanager
def memo(enabled: bool):
    saved = spacememo.ENABLED
    spacememo.ENABLED = enabled
    try:
        yield
    finally:
        spacememo.ENABLED = saved


def walked(program: archlang.Program, name: str, enabled: bool) -> object:
    """What a space walk finds (or the error it raises), and its step count."""
    net = program.network(name).network_def
    elab = Elaborator(program)
    with memo(enabled):
        try:
            elab.run(net, program.env_of(net), {})
        except ArchError as exc:
            return ("error", str(exc), exc.code, elab.steps)
    return ([(d, d.span) for d in elab.decisions],
            [(stmt.span, scope.path) for stmt, _, scope in elab.decision_requires],
            len(elab.requires), elab.steps)


def check_program(program: archlang.Program) -> None:
    for net in program.networks():
        assert walked(program, net.name, True) == walked(program, net.name, False), net.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_example_walks_as_the_plain_walk(path: Path) -> None:
    check_program(archlang.load(path))


@pytest.mark.parametrize("text", [REPEATED, macro_space(4)] + [t for t, _ in CONDITIONAL_SPACES])
def test_spaces_walk_as_the_plain_walk(text: str) -> None:
    check_program(archlang.parse(text))


def test_equal_applications_are_taken_until_the_first_decision(monkeypatch) -> None:
    """`unit(8)` is walked once before `int(8, 9)`, and every time after it."""
    from archlang.ir import apply

    ran: list[int] = []
    real = apply._run_body

    def counted(elab, layer, child, frame, rec):
        if layer.block.name == "unit" and elab.space_walk:
            ran.append(len(elab.decisions))
        return real(elab, layer, child, frame, rec)

    monkeypatch.setattr(apply, "_run_body", counted)
    archlang.parse(REPEATED).network().decisions  # noqa: B018 - the space walk
    # on the input, whose shape is known; on an unknown output, of 8 and of 16 channels;
    # in a repeat copy (one application deeper)
    assert len([n for n in ran if n == 0]) == 4
    assert len([n for n in ran if n > 0]) == 6  # unit(int(8, 9)) and after: every one


@pytest.mark.parametrize("limit", range(20, 160, 3))
def test_the_step_limit_stops_where_the_plain_walk_stops(monkeypatch, limit: int) -> None:
    monkeypatch.setattr(walkstate, "MAX_STEPS", limit)
    check_program(archlang.parse(REPEATED))


#: decided networks whose space walk fails where their bind walk would not
SPACE_ONLY_ERRORS = [
    # an `if` on a tensor's channels: the space walk walks the branch never taken
    ("""
block b(w: int) (x) {
    h = x -> linear(w)
    if channels(h) == 999 {
        return h -> no_such_layer()
    }
    return h
}
network n() (x: [8]) {
    return x -> b(4) -> b(4) -> linear(2)
}""", "E202"),
    # a repeat count read from a shape
    ("""
network n() (x: [8]) {
    y = x -> linear(16)
    return y -> repeat(channels(y) // 8) { linear(16) } -> linear(2)
}""", "E509"),
]


@pytest.mark.parametrize("text,code", SPACE_ONLY_ERRORS)
def test_a_decided_network_binds_after_its_space_walk(text: str, code: str) -> None:
    program = archlang.parse(text)
    net = program.network().network_def
    elab = Elaborator(program, {})
    elab.run(net, program.env_of(net), {})  # the bind walk alone: no decision, no error
    assert not elab.used
    with pytest.raises(ArchError) as err:
        archlang.parse(text).network().bind()
    assert f"error[{code}]" in str(err.value)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_a_decided_networks_first_bind_remembers_nothing(path: Path) -> None:
    """The first bind of each decided network of a program leaves the block memo as it
    was; the second remembers, the third replays; all three build what the plain walk
    (both memos off) builds."""
    program = archlang.load(path)
    decided = [n.name for n in program.networks() if not program.network(n.name).decisions]
    for name in decided:
        memo_table = program.bind_caches.get("block_memo", {})
        size = len(memo_table)
        first = built(program.network(name), {})
        assert len(program.bind_caches.get("block_memo", {})) == size, name
        second, third = built(program.network(name), {}), built(program.network(name), {})
        with plain_walk():
            plain = built(program.network(name), {})
        assert first == second == third == plain, name


FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@FUZZ
@given(mutated([p.read_text() for p in FILES] + [REPEATED]))
def test_mutated_programs_walk_as_the_plain_walk(text: str) -> None:
    """Programs the fuzzer makes from the examples walk alike, errors included."""
    try:
        program = archlang.parse(text, path=str(ROOT / "examples" / "mutant.arch"))
    except ArchError:
        return
    try:
        check_program(program)
    except RecursionError:
        return

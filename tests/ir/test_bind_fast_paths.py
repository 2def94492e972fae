"""Bind's fast paths build exactly what the plain walk builds.

Three shortcuts make a bind walk cheaper (issue 16): an unchosen candidate of a choice only
allocates its labels (ir/labels.py), and a block application (ir/blockmemo.py) or a
statement (ir/stmtmemo.py) equal to one already run is replayed. All must be invisible: the
same nodes, names, paths, shapes, attributes, module names, block instances, used decisions
and hash as the walk that evaluates every candidate, runs every body and every statement.
The reference here is that walk, with the three switched off.
"""

from __future__ import annotations

import dataclasses
import os
import random
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import archlang
from archlang.diagnostics import ArchError
from archlang.ir import blockmemo, labels, stmtmemo
from archlang.ir.decisions import iter_assignments
from archlang.testing.fuzz import mutated
from archlang.testing.spaces import CONDITIONAL_SPACES, macro_space

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.arch"))

MACRO = macro_space(6)

#: labels that only the plan allocates right: a candidate's label, its argument decisions
#: (`conv_unit.w`), a block default that declares one, a repeat, and the same op again after
LABELS = """
block unit(w: int, k: int = choice(3, 5)) { conv2d(w, k, padding = k // 2) }
network n() (x: [4, 8, 8]) {
    h = x -> choice(conv2d(8, 3, padding = 1), unit(choice(8, 16)), unit(8, k = choice(1, 3)),
                    repeat(int(1, 2)) { unit(4) }, conv2d(4, 1))
    h = h -> conv2d(4, 1) -> unit(choice(2, 4))
    return h -> choice(relu(), conv2d(2, 1), relu()) -> relu()
}
"""


@contextmanager
def plain_walk():
    saved = labels.ENABLED, blockmemo.ENABLED, stmtmemo.ENABLED
    labels.ENABLED = blockmemo.ENABLED = stmtmemo.ENABLED = False
    try:
        yield
    finally:
        labels.ENABLED, blockmemo.ENABLED, stmtmemo.ENABLED = saved


def built(space: archlang.Space, assignment: dict) -> object:
    """Everything a bind builds, as comparable data (or the error it raised)."""
    try:
        arch = space.bind(assignment)
    except ArchError as exc:
        return ("error", str(exc))
    g = arch.graph
    return (str(g), [(n.path, n.op, n.attrs, n.shape, n.meta, n.span, n.dtype) for n in
                     g.inputs + g.nodes], list(g.instances.items()), arch.assignment,
            arch.hash)


def check_space(space: archlang.Space, draws: int, seed: int = 0) -> int:
    """Bind `draws` random members twice with the fast paths (the second time replays
    remembered blocks) and once without; returns how many bound."""
    rng = random.Random(seed)
    members = []
    for _ in range(draws):
        try:
            members.append(space.sample_assignment(rng))
        except ArchError:
            break
    fast = [built(space, a) for a in members]
    again = [built(space, a) for a in members]
    with plain_walk():
        plain = [built(space, a) for a in members]
    for a, f, g, p in zip(members, fast, again, plain):
        assert f == p, a
        assert g == p, a
    return sum(1 for p in plain if p[0] != "error")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_binds_as_the_plain_walk(path: Path) -> None:
    program = archlang.load(path)
    for net in program.networks():
        space = program.network(net.name)
        assert check_space(space, 12) > 0


@pytest.mark.parametrize("text", [MACRO, LABELS] + [t for t, _ in CONDITIONAL_SPACES])
def test_spaces_with_layer_choices_bind_as_the_plain_walk(text: str) -> None:
    assert check_space(archlang.parse(text).network(), 40) > 0


def test_unchosen_candidates_still_take_their_labels() -> None:
    """Every member, whichever candidate it chooses, has the keys and paths it has when
    every candidate is evaluated: `conv2d_2` after the choice's two `conv2d`s, `unit_2.w`
    after its two `unit`s."""
    space = archlang.parse(LABELS).network()
    keys = [d.key for d in space.full_tree.decisions]
    assert keys == ["n.choice", "n.unit.w", "n.unit.k", "n.unit_1.k", "n.repeat",
                    "n.repeat[0].unit.k", "n.repeat[1].unit.k", "n.unit_2.w", "n.unit_2.k",
                    "n.choice_1"]
    members = list(iter_assignments(space.tree))
    assert len(members) == space.size == 168
    fast = [built(space, a) for a in members]
    with plain_walk():
        assert fast == [built(space, a) for a in members]
    assert all("conv2d_2 = conv2d(" in f[0] and "unit_2_conv2d" in f[0] for f in fast)


def test_a_replayed_block_is_named_by_the_graph_it_joins() -> None:
    """The same application replayed in another bind gets the names that bind gives it,
    and its nodes are new objects (an Arch never shares a node with another)."""
    space = archlang.parse(MACRO).network()
    a = space.sample_assignment(3)
    first, second = space.bind(a), space.bind(a)
    assert str(first.graph) == str(second.graph)
    assert not {id(n) for n in first.graph.nodes} & {id(n) for n in second.graph.nodes}


def test_a_block_with_a_require_or_an_outside_layer_always_runs() -> None:
    """Bodies that read more than their key are never replayed: a `require` (checked per
    bind) and a layer made outside the body (its application count names the next use)."""
    text = """
    block b(w: int) (x) {
        require w <= 16
        return x -> linear(w)
    }
    network n() (x: [4]) {
        return x -> b(choice(8, 16, 32)) -> b(8)
    }
    """
    space = archlang.parse(text).network()
    assert space.bind({"n.b.w": 8}).params > 0
    with pytest.raises(ArchError, match="does not hold"):
        space.bind({"n.b.w": 32})
    assert space.bind({"n.b.w": 16}).params > 0
    with pytest.raises(ArchError, match="does not hold"):
        space.bind({"n.b.w": 32})
    assert check_space(space, 20) > 0


def test_an_error_is_not_remembered() -> None:
    """A block that fails for one input shape fails every time, and one that worked before
    still works beside it."""
    text = """
    block b(w: int) (x) { return x -> conv2d(w, 5) }
    network n() (x: [2, 8, 8]) {
        return x -> maxpool2d(choice(1, 2, 4)) -> b(4)
    }
    """
    space = archlang.parse(text).network()
    key = space.decisions[0].key
    for _ in range(2):
        assert space.bind({key: 1}).output_shape == (4, 4, 4)
        with pytest.raises(ArchError):
            space.bind({key: 4})


def test_a_change_to_the_op_registry_is_counted() -> None:
    """Plans and remembered blocks are read again once an op is registered or removed."""
    from archlang.ops import registry

    before = registry.generation()
    spec = dataclasses.replace(registry.get_op("relu"), name="relu_copy_for_test")
    registry.register(spec)
    registry.unregister(spec.name)
    assert registry.generation() == before + 2


FUZZ = settings(max_examples=int(os.environ.get("ARCHLANG_FUZZ_EXAMPLES", "60")),
                deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@FUZZ
@given(mutated([p.read_text() for p in EXAMPLES] + [MACRO, LABELS]))
def test_mutated_programs_bind_as_the_plain_walk(text: str) -> None:
    """Programs the fuzzer makes from the examples (most still valid) bind alike."""
    try:
        program = archlang.parse(text, path=str(ROOT / "examples" / "mutant.arch"))
        spaces = [program.network(n.name) for n in program.networks()]
        for s in spaces:
            s.decisions  # noqa: B018 - the space walk; an invalid space is skipped
    except ArchError:
        return
    except RecursionError:
        return
    for s in spaces:
        check_space(s, 4)


#: NAS-Bench-Graph's cell: each node reads one of the tensors before it through one of a
#: few ops; every statement is replayed once its inputs and decisions were seen
CELL = """
network cell() (x: [16]) {
    n1 = choice(x) -> choice(linear(16), relu(), identity())
    n2 = choice(x, n1) -> choice(linear(16), relu(), identity())
    n3 = choice(x, n1, n2) -> choice(linear(16), relu(), identity())
    return n3
}
"""


def statements_run(monkeypatch) -> list[str]:
    """From now on, the kind of each statement a walk evaluates (not replays)."""
    from archlang.ir.statements import Statements

    ran: list[str] = []
    real = Statements.exec_stmt

    def counted(self, stmt, scope, frame):
        ran.append(type(stmt).__name__)
        return real(self, stmt, scope, frame)

    monkeypatch.setattr(Statements, "exec_stmt", counted)
    return ran


def test_statements_are_replayed_and_bind_as_the_plain_walk(monkeypatch) -> None:
    """Once every member was bound, binding them again evaluates no assignment: each one
    is replayed (ir/stmtmemo.py), and builds what the plain walk builds."""
    space = archlang.parse(CELL).network()
    members = list(iter_assignments(space.tree))
    first = [built(space, a) for a in members]
    ran = statements_run(monkeypatch)
    again = [built(space, a) for a in members]
    assert set(ran) == {"Return"}  # every assignment statement was replayed
    with plain_walk():
        plain = [built(space, a) for a in members]
    assert first == again == plain




def test_a_name_that_holds_another_names_node_is_part_of_the_key() -> None:
    """``x + y`` where `y` is `x` reads one node twice; where `y` is `z` (the same shape),
    two nodes: a replay must not wire the one like the other (statements and blocks)."""
    text = """
    block pair() (a, b) { return a + b }
    network n() (x: [8]) {
        z = x -> relu()
        y = choice(x, z)
        h = x + y
        return ((x, y) -> pair()) + h
    }
    """
    space = archlang.parse(text).network()
    key = space.decisions[0].key
    for order in ([0, 1], [1, 0]):
        for v in order:
            arch = space.bind({key: v})
            adds = [n for n in arch.graph.nodes if n.op == "add"]
            reads = {tuple(i.name for i in n.inputs) for n in adds[:2]}
            want = {("x", "x")} if v == 0 else {("x", "relu")}
            assert reads == want, (v, reads)
    assert check_space(space, 8) > 0


def test_a_statement_that_reads_a_layer_or_a_shared_block_always_runs() -> None:
    """A layer value (its application count names the next use) and `shared` (its decisions
    are shared state) are not in a statement's key: those statements are never remembered."""
    text = """
    block cell(w: int = choice(4, 8)) (x) { return x -> linear(w) }
    network n() (x: [4]) {
        act = relu()
        h = x -> act
        h = h -> act
        a = h -> shared("c", cell())
        b = a -> shared("c", cell())
        return b
    }
    """
    space = archlang.parse(text).network()
    assert check_space(space, 6) > 0
    arch = space.bind(space.sample_assignment(0))
    assert [n.path for n in arch.graph.nodes][:2] == ["relu", "relu[1]"]


def test_a_constant_tensor_is_told_from_a_computed_one_of_its_shape() -> None:
    """A built-in op lets a `parameter` meet an unbatched tensor but not a computed batched
    one of the same shape: a replayed statement (or block) must fail where running it does."""
    text = """
    block plus() (a, b) { return a + b }
    network n() (x: [N, 8] unbatched) {
        p = parameter([8])
        q = p -> relu()
        y = choice(p, q)
        h = x + y
        g = (x, y) -> plus()
        return h + g
    }
    """
    space = archlang.parse(text).network()
    key = space.decisions[0].key
    for _ in range(2):
        assert space.bind({key: 0}).output_shape == (8,)
        with pytest.raises(ArchError, match="one first dimension"):
            space.bind({key: 1})


#: input choices between names the rest of each statement does not read (ir/stmtmemo.py
#: `_pick`): n3's entries serve every candidate, x (an input) and n2 (an op's output) alike
PICKS = """
network n() (x: [6]) {
    n1 = x -> choice(linear(6), relu(), identity())
    n2 = choice(x, n1) -> choice(linear(6), relu(), identity())
    n3 = choice(x, n1, n2) -> choice(linear(6), relu(), identity())
    a = n1 -> relu()
    n4 = choice(n1, a, n3) -> choice(linear(6), relu())
    return n4
}
"""


def test_an_input_choice_is_keyed_by_the_tensor_it_picks(monkeypatch) -> None:
    """A statement that starts with an input choice between names remembers what it built
    once per tensor kind it picked, not once per candidate: after one member per op of each
    statement, every other member is replayed, and builds what the plain walk builds."""
    space = archlang.parse(PICKS).network()
    members = list(iter_assignments(space.tree))
    ops = [d.key for d in space.decisions if len(d.labels) in (2, 3) and "linear(6)" in
           d.labels]
    seen: set[tuple] = set()
    for a in members:  # each op of each statement, with one input, the first met
        for k in ops:
            seen.add((k, a[k]))
    teach = []
    for a in members:
        new = {(k, a[k]) for k in ops} & seen
        if new:
            teach.append(a)
            seen -= new
    for a in teach * 2:  # (a statement is remembered from its second run)
        built(space, a)
    ran = statements_run(monkeypatch)
    fast = [built(space, a) for a in members]
    assert set(ran) == {"Return"}, ran
    with plain_walk():
        plain = [built(space, a) for a in members]
    assert fast == plain


@pytest.mark.parametrize("text", [
    # candidates of one node under two names
    "network n() (x: [4]) {\n y = x\n z = x -> relu()\n h = choice(y, x, z) -> relu()\n"
    " g = choice(h, y) -> linear(4)\n return g + z\n}",
    # candidates of two shapes; the wider one fails two statements later
    "network n() (x: [4]) {\n z = x -> linear(8)\n h = choice(x, z) -> relu()\n"
    " g = choice(z, h) -> linear(4)\n k = choice(x, h) -> relu()\n return g + k\n}",
    # an expression statement (it reads the current tensor too)
    "network n() (x: [4]) {\n y = x -> relu()\n choice(x, y) -> linear(4)\n"
    " choice(y, x) -> choice(relu(), linear(4))\n}",
])
def test_picked_statements_bind_and_fail_as_the_plain_walk(text: str) -> None:
    space = archlang.parse(text).network()
    members = list(iter_assignments(space.tree))
    members += [{k: 7 for k in m} for m in members[:2]]  # out of every domain
    for _ in range(3):
        fast = [built(space, a) for a in members]
    with plain_walk():
        plain = [built(space, a) for a in members]
    assert fast == plain
    assert any(p[0] != "error" for p in plain)


# ---------------------------------------------------------------- a body's States
#
# ir/stmtmemo.py `State`: a network body keeps, per statement and input-choice value, the
# key and sources `memo_key` works out, and per entry's effect the State after it. With
# them a warm bind works out no key; without them (`STATES = False`) every remembered
# statement works out its key as before. Both must build what the plain walk builds.


@contextmanager
def without_states():
    saved = stmtmemo.STATES
    stmtmemo.STATES = False
    try:
        yield
    finally:
        stmtmemo.STATES = saved


#: NAS-Bench-Graph's space as bench_symbolic.py writes it (4 nodes, 9 ops)
NBG_OPS = ("linear(16), relu(), gelu(), silu(), tanh(), sigmoid(), identity(), layernorm(), "
           "hardswish()")
NBG = "network nbg() (x: [16]) {\n" + "\n".join(
    f"    n{i} = choice({', '.join(['x'] + [f'n{j}' for j in range(1, i)])}) -> "
    f"choice({NBG_OPS})" for i in range(1, 5)) + "\n    return n4\n}\n"

#: States where the frame changes in other ways than assignments of new tensors: a name
#: bound twice, a statement that returns a source, a plain value, an expression statement,
#: a name that holds another's tensor, a shape that fails two statements on, conditions
STATE_SPACES = [
    NBG,
    "network n() (x: [4]) {\n y = x\n h = choice(x, y) -> choice(relu(), linear(4))\n"
    " h = choice(h, y) -> choice(identity(), linear(4))\n g = h\n"
    " k = choice(g, x, h) -> relu()\n return k + g\n}",
    "network n() (x: [4]) {\n w = choice(4, 8)\n z = x -> linear(w)\n"
    " h = choice(x, z) -> relu()\n g = choice(x, h) -> linear(4)\n return g\n}",
    "network n() (x: [4]) {\n y = x -> relu()\n choice(x, y) -> linear(4)\n"
    " choice(y, x) -> choice(relu(), linear(4))\n}",
    "network n() (x: [4]) {\n k = int(1, 3)\n h = x -> repeat(k) { linear(4) -> relu() }\n"
    " g = choice(x, h) -> choice(relu(), linear(4))\n return g\n}",
    "network n() (x: [N, 8] unbatched, m: [8]) {\n h = choice(x, m) -> relu()\n"
    " g = choice(h, x) -> linear(8)\n return g\n}",
    # `return` statements remembered too: an op after the input choice, a sum that fails
    # for one width, a tuple from a block body that runs in a repeat
    "network g() (x: [16]) {\n h0 = x -> linear(16)\n"
    " h1 = choice(h0) -> choice(relu(), identity())\n"
    " h2 = choice(h0, h1) -> choice(relu(), linear(16))\n return h2 -> linear(4)\n}",
    "network n() (x: [4]) {\n w = choice(4, 8)\n h = x -> linear(w)\n"
    " return (choice(x, h) -> relu()) + x\n}",
    "block two() (a) { return (a -> relu(), a) }\n"
    "network n() (x: [4]) {\n h = x -> repeat(int(1, 2)) { choice(relu(), linear(4)) }\n"
    " (a, b) = h -> two()\n return choice(a, b, h) -> choice(relu(), linear(4))\n}",
    # `y` holds `x`'s tensor or another of its shape: a State tells them apart
    "network n() (x: [8]) {\n z = x -> relu()\n y = choice(x, z)\n h = x + y\n"
    " g = choice(h, y) -> relu()\n return g + x\n}",
] + [t for t, _ in CONDITIONAL_SPACES]


def every_member(space: archlang.Space, limit: int = 400) -> list[dict]:
    members = []
    for a in iter_assignments(space.tree):
        members.append(a)
        if len(members) >= limit:
            break
    return members


@pytest.mark.parametrize("text", STATE_SPACES, ids=range(len(STATE_SPACES)))
def test_a_body_kept_in_states_binds_as_without_them_and_as_the_plain_walk(text) -> None:
    """Every member (and members out of every domain), bound three times over with the
    States (the first pass fills the memo, the later ones go by the States), as without
    them, in a program of its own, and as the plain walk; errors included."""
    members = every_member(archlang.parse(text).network())
    members += [{k: 7 for k in m} for m in members[:2]]
    space = archlang.parse(text).network()
    for _ in range(3):
        states = [built(space, a) for a in members]
    with without_states():
        other = archlang.parse(text).network()
        for _ in range(2):
            keys = [built(other, a) for a in members]
    with plain_walk():
        plain = [built(archlang.parse(text).network(), a) for a in members]
    assert states == keys == plain
    assert any(p[0] != "error" for p in plain)


def test_a_warm_body_works_out_no_key(monkeypatch) -> None:
    """Once every member of NAS-Bench-Graph's space (a sample of them) was bound twice,
    binding them again replays every statement without `memo_key`, and builds what the
    plain walk builds."""
    space = archlang.parse(NBG).network()
    rng = random.Random(5)
    members = [space.sample_assignment(rng) for _ in range(150)]
    for _ in range(3):
        first = [built(space, a) for a in members]
    calls = []
    real = stmtmemo.memo_key
    monkeypatch.setattr(stmtmemo, "memo_key", lambda *a: calls.append(1) or real(*a))
    ran = statements_run(monkeypatch)
    again = [built(space, a) for a in members]
    assert not calls and set(ran) == {"Return"}
    with plain_walk():
        assert again == first == [built(space, a) for a in members]


def test_the_states_follow_the_registry() -> None:
    """A change to the op registry starts the body's States afresh (their keys hold the
    registry generation): what an op's new spec builds is bound, not what the old one did."""
    from archlang.ops import registry

    text = "network n() (x: [4]) {\n h = choice(x) -> choice(relu(), gelu())\n" \
           " g = choice(x, h) -> choice(relu(), identity())\n return g\n}"
    space = archlang.parse(text).network()
    members = every_member(space)
    for _ in range(3):
        before = [built(space, a) for a in members]
    spec = dataclasses.replace(registry.get_op("relu"), name="relu_copy_for_states")
    registry.register(spec)
    try:
        after = [built(space, a) for a in members]
    finally:
        registry.unregister(spec.name)
    assert after == before
    with plain_walk():
        assert after == [built(space, a) for a in members]


def test_tree_sample_draws_what_the_decisions_draw() -> None:
    """`DecisionTree.sample` draws a plain Random's uniform picks by `_randbelow`; the
    assignments are those each decision's own `sample` draws, in the same order (a
    subclass of Random, which may draw otherwise, goes through `sample`)."""
    class Counted(random.Random):
        pass

    texts = [NBG, MACRO] + [t for t, _ in CONDITIONAL_SPACES]
    for text in texts:
        tree = archlang.parse(text).network().tree
        for seed in range(40):
            a, b = random.Random(seed), random.Random(seed)
            fast = tree.sample(a)
            slow = {d.key: v for d, v in tree.walk(lambda d, b=b: d.sample(b))}
            assert list(fast.items()) == list(slow.items()), (text, seed)
            assert a.random() == b.random()  # the generator moved alike
            assert tree.sample(Counted(seed)) == fast


def test_a_return_that_applies_a_layer_is_replayed(monkeypatch) -> None:
    """``return h2 -> linear(4)`` (the search benchmark's space ends so) is remembered as
    the body's other statements are: once warm, a bind evaluates no statement at all."""
    space = archlang.parse(next(t for t in STATE_SPACES if t.startswith("network g()"))).network()
    members = every_member(space)
    for _ in range(3):
        first = [built(space, a) for a in members]
    ran = statements_run(monkeypatch)
    again = [built(space, a) for a in members]
    assert ran == []
    with plain_walk():
        assert again == first == [built(space, a) for a in members]

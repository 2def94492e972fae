"""`to_arch`'s shortcuts print what the full walks print, and its check still refuses.

The shortcuts (archlang/ir/specialize.py, blockmemo.py, stmtmemo.py, record.py,
syntax/format.py): the rewrite skips subtrees it would return unchanged (`_settled`); the
recording walk replays the block applications that recorded nothing (`Entry.quiet`) and the
statements remembered with their events (`record.tap`, by bind walks too); the check of a printed program shares the
bind caches of the earlier printed programs made of the same items (`_share_caches`); a module
without comments prints each item once (`_item_text`). Each is compared here with the walk it
stands for, on members of many spaces, with the caches cold and warm; and a wrong rewrite is
refused with every cache warm.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

import archlang
from archlang.ir import blockmemo, record, stmtmemo
from archlang.ir import specialize as S
from archlang.source import Source
from archlang.syntax import ast as A
from archlang.syntax import format as F
from archlang.syntax.parser import parse_source
from archlang.testing.spaces import CONDITIONAL_SPACES, macro_space

ROOT = Path(__file__).resolve().parents[2]

NESTED = """
block unit(w: int) { linear(w * choice(1, 2)) -> choice(relu(), gelu()) }
block pair() { unit(4) -> unit(choice(4, 8)) }
block plain(w: int) { linear(w) -> relu() }
network n() (x: [3]) {
    h = x -> pair() -> plain(8) -> repeat(int(1, 3)) { unit(2) -> plain(choice(2, 4)) }
    for c in [4, 8] {
        h = h -> plain(c) -> linear(c * choice(1, 2))
    }
    return h -> choice(pair(), plain(2)) -> repeat(2) { plain(6) }
}
"""


NBG = """
network nbg() (x: [16]) {
    n1 = choice(x) -> choice(linear(16), relu(), gelu())
    n2 = choice(x, n1) -> choice(linear(16), relu(), gelu())
    n3 = choice(x, n1, n2) -> choice(linear(choice(16, 32)), relu(), identity())
    h = n3 -> linear(int(4, 6)) -> choice(relu(), tanh())
    return h
}
"""


def _spaces() -> list[tuple[str, archlang.Space]]:
    out = [(f"conditional{i}", archlang.parse(text).network())
           for i, (text, _) in enumerate(CONDITIONAL_SPACES)]
    out.append(("macro6", archlang.parse(macro_space(6)).network()))
    out.append(("nested", archlang.parse(NESTED).network()))
    out.append(("nbg", archlang.parse(NBG).network()))
    for path, network in [("examples/digits.arch", None), ("examples/nb201_cell.arch", None),
                          ("examples/dag_inputs.arch", None), ("examples/darts.arch", None),
                          ("examples/transformer.arch", "token_transformer"),
                          ("examples/enas_macro.arch", None)]:
        out.append((f"{path}:{network}", archlang.load(ROOT / path).network(network)))
    return out


SPACES = _spaces()


def _members(space: archlang.Space, n: int) -> list[Any]:
    return [space.sample(seed) for seed in range(n)]


def _events(arch: Any) -> tuple[dict[Any, Any], dict[str, Any]]:
    """What `to_arch`'s recording walk records for `arch` (a walk, not what the bind that
    made `arch` may have recorded: `record.KEEP`)."""
    keep, record.KEEP = record.KEEP, False
    try:
        rec = S._Specializer(arch).rec
    finally:
        record.KEEP = keep
    return dict(rec.events), dict(rec.instances)


@pytest.mark.parametrize("name,space", SPACES, ids=[n for n, _ in SPACES])
def test_a_recording_walk_that_replays_blocks_records_what_one_that_runs_them_does(
        name: str, space: archlang.Space, monkeypatch: pytest.MonkeyPatch) -> None:
    archs = _members(space, 6)
    replayed = [_events(a) for a in archs + archs]  # the second round finds every block
    monkeypatch.setattr(blockmemo, "ENABLED", False)
    ran = [_events(a) for a in archs + archs]
    assert replayed == ran




@pytest.mark.parametrize("name,space", SPACES, ids=[n for n, _ in SPACES])
def test_a_recording_walk_that_replays_statements_records_what_one_that_runs_them_does(
        name: str, space: archlang.Space, monkeypatch: pytest.MonkeyPatch) -> None:
    """Statements remembered by bind walks (tapped) and by recording walks, replayed in
    recording walks with their events, against recording walks that run every statement."""
    archs = _members(space, 8)
    for a in archs:
        space.bind(a.assignment)  # bind walks remember the statements, with their events
    replayed = [_events(a) for a in archs + archs]
    monkeypatch.setattr(stmtmemo, "ENABLED", False)
    ran = [_events(a) for a in archs + archs]
    assert replayed == ran


@pytest.mark.parametrize("name,space", SPACES, ids=[n for n, _ in SPACES])
def test_what_a_bind_recorded_is_what_the_recording_walk_records(
        name: str, space: archlang.Space) -> None:
    """Once a print found a network of op choices, the bind after each print records and
    `to_arch` reads what it recorded (`record.keep`): the same events and instances as its
    own walk."""
    space.sample(100).to_arch()
    flat = space.program.bind_caches["print_flat"][id(space.network_def)][1]
    rng = random.Random(0)
    for i in range(9):
        s = space if i % 3 else space.clone()
        a = s.bind(s.sample_assignment(rng))
        kept = record.recorded(a.graph)
        assert (kept is not None) == bool(flat)
        if kept is not None:
            assert (dict(kept.events), dict(kept.instances)) == _events(a)
            assert S._Specializer(a).rec is kept
        a.to_arch()
    if name in ("nbg", "conditional0", "conditional5", "conditional6"):
        assert flat  # op choices, value choices, ranges, subsets
    if name in ("macro6", "conditional1", "conditional3"):
        assert not flat  # blocks, a repeat


def _printing_binds(space: archlang.Space, members: list[dict], rounds: int) -> list[Any]:
    """Each member bound right after a print (so each bind records) and printed, `rounds`
    times over: (the events and instances the bind recorded, or None, and the text)."""
    space.sample(100).to_arch()
    out = []
    for _ in range(rounds):
        for m in members:
            a = space.bind(m)
            kept = record.recorded(a.graph)
            out.append((None if kept is None else (dict(kept.events), dict(kept.instances)),
                        a.to_arch()))
    return out


@pytest.mark.parametrize("name,space", SPACES, ids=[n for n, _ in SPACES])
def test_a_recording_bind_by_the_body_states_records_what_a_plain_walk_does(
        name: str, space: archlang.Space, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bind that records keeps the network body's `State` (ir/stmtmemo.py: the step
    replays an entry's events with its nodes, and runs a statement whose entry kept none):
    warm, it records the events and instances of a recording walk that runs every
    statement, and the member prints as it does with every memo off."""
    rng = random.Random(3)
    members = [space.sample_assignment(rng) for _ in range(6)]
    warm = _printing_binds(space, members, 4)
    n = len(members)
    for m, (kept, printed) in zip(members, warm[-n:]):
        a = space.bind(m)  # (a bind after a print: it records too)
        again = record.recorded(a.graph)
        with monkeypatch.context() as mp:
            mp.setattr(stmtmemo, "ENABLED", False)
            mp.setattr(blockmemo, "ENABLED", False)
            ran = _events(a)
            assert printed == space.bind(m).to_arch()
        assert (kept is None) == (again is None)
        if again is not None:
            assert (dict(again.events), dict(again.instances)) == kept == ran
    with monkeypatch.context() as mp:
        mp.setattr(stmtmemo, "STATES", False)  # (events name the program's own nodes)
        assert _printing_binds(space, members, 1) == warm[-n:]


def test_a_warm_recording_bind_works_out_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bind after a print of NAS-Bench-Graph's space, once warm, replays each statement
    by the body's State (no `memo_key`), and records what `to_arch`'s own walk records."""
    space = archlang.parse(NBG).network()
    rng = random.Random(7)
    members = [space.sample_assignment(rng) for _ in range(5)]
    _printing_binds(space, members, 3)
    calls = []
    real = stmtmemo.memo_key
    monkeypatch.setattr(stmtmemo, "memo_key", lambda *a: calls.append(1) or real(*a))
    for m in members:
        space.sample(100).to_arch()
        calls.clear()
        a = space.bind(m)
        assert not calls
        kept = record.recorded(a.graph)
        assert kept is not None
        monkeypatch.setattr(stmtmemo, "ENABLED", False)
        assert (dict(kept.events), dict(kept.instances)) == _events(a)
        monkeypatch.setattr(stmtmemo, "ENABLED", True)


def test_only_the_bind_after_a_print_records() -> None:
    """A search that prints now and then keeps binds that record nothing (they keep no
    events); a print of each member bound records in each bind;
    and a network with blocks never records, whatever another network of its program did."""
    program = archlang.parse("""
block b() { linear(choice(4, 8)) }
network flat() (x: [3]) { return x -> choice(relu(), tanh()) }
network blocks() (x: [3]) { return x -> b() -> choice(relu(), tanh()) }
""")
    flat, blocks = program.network("flat"), program.network("blocks")
    assert record.recorded(flat.sample(0).graph) is None  # nothing printed yet
    flat.sample(0).to_arch()
    assert record.recorded(flat.sample(1).graph) is not None
    assert record.recorded(flat.sample(2).graph) is None  # no print since the last bind
    assert record.recorded(blocks.sample(1).graph) is None
    blocks.sample(2).to_arch()
    assert record.recorded(blocks.sample(1).graph) is None
    flat.sample(3).to_arch()
    for seed in range(4):
        arch = flat.sample(seed)
        assert record.recorded(arch.graph) is not None
        arch.to_arch()


def test_a_statement_is_replayed_in_a_recording_walk() -> None:
    """The shortcut above is taken: once a member of the space was printed, the recording
    walk of a member just bound replays every statement of a network of op choices (no
    `stmt_memo` entry is added); before any print, binds keep no events."""
    space = archlang.parse(NBG).network()
    archs = _members(space, 3)
    for a in archs:
        space.bind(a.assignment)
        space.bind(a.assignment)
    table = space.program.bind_caches["stmt_memo"]
    assert all(len(e.result) == 2 for v in table.values() for by in v[1].values()
               for e in by.values())  # nothing printed yet: binds keep no events
    space = archlang.parse(NBG).network()
    space.sample(100).to_arch()  # printed once: binds keep the events from now on
    archs = _members(space, 3)
    for a in archs:
        space.bind(a.assignment)
        space.bind(a.assignment)
    table = space.program.bind_caches["stmt_memo"]
    before = {k: {keys: dict(by) for keys, by in v[1].items()} for k, v in table.items()}
    for a in archs:
        _events(a)
    after = {k: {keys: dict(by) for keys, by in v[1].items()} for k, v in table.items()}
    assert after == before  # the same entries, none run again and stored anew
    assert all(len(e.result) == 3 for v in table.values() for by in v[1].values()
               for e in by.values())


@pytest.mark.parametrize("name,space", SPACES, ids=[n for n, _ in SPACES])
def test_the_shortcuts_print_what_the_full_walks_print(name: str, space: archlang.Space,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    archs = _members(space, 6)
    fast = [a.to_arch() for a in archs + archs]
    monkeypatch.setattr(S._Specializer, "_settled", lambda self, node, path: False)
    monkeypatch.setattr(S._Specializer, "_plain_stmt", S._Specializer._rewrite)
    monkeypatch.setattr(S, "_share_caches", lambda owner, program, name: None)
    monkeypatch.setattr(F, "_item_text", lambda printer: printer.item)
    monkeypatch.setattr(blockmemo, "ENABLED", False)
    monkeypatch.setattr(stmtmemo, "ENABLED", False)
    monkeypatch.setattr(record, "KEEP", False)
    slow = [a.to_arch() for a in archs + archs]
    assert fast == slow


def _flat(arch: Any) -> str:
    return F.format_module(A.Module((S.decided_network(arch),)))


def test_a_wrong_width_is_refused_with_every_cache_warm(check: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rewrite that prints each chosen width one more than chosen: the check (its block
    memo warm from the faithful prints before) binds other blocks and refuses the print."""
    space = archlang.parse(macro_space(4)).network()
    archs = _members(space, 4)
    faithful = [a.to_arch() for a in archs + archs]
    assert all("block conv_unit" in t for t in faithful)
    one = S._Specializer._one

    def off_by_one(self: Any, path: str, node: Any, pat: Any) -> Any:
        value = one(self, path, node, pat)
        return A.IntLit(value.value + 1) if isinstance(value, A.IntLit) and \
            value.value >= 16 else value

    monkeypatch.setattr(S._Specializer, "_one", off_by_one)
    for a in archs:
        assert a.to_arch().endswith(_flat(a))


def test_a_wrong_statement_rewrite_is_refused_with_every_cache_warm(
        check: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The remembered statement rewrites answering wrongly (every line's recorded values
    taken as equal): the check, after the faithful prints warmed every cache, refuses
    those that print another network (a line whose value the network does not read can
    be wrong and still print this network: the check checks the network)."""
    space = archlang.parse(NBG).network()
    archs = _members(space, 12)
    faithful = [a.to_arch() for a in archs + archs]
    assert all(not t.endswith(_flat(a)) for t, a in zip(faithful, archs))
    monkeypatch.setattr(S, "_value_key", lambda v: 0)
    texts = [a.to_arch() for a in archs]
    assert sum(t.endswith(_flat(a)) for t, a in zip(texts, archs)) >= 6  # refused: flat
    for a, t in zip(archs, texts):
        assert archlang.parse(t).network().bind().hash == a.hash


def test_a_wrong_printer_is_refused_where_the_check_reads_the_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``ARCHLANG_VERIFY=1`` the check parses the printed text: a printer that writes
    another width than its tree says (its item texts remembered or not) is refused."""
    monkeypatch.setenv("ARCHLANG_VERIFY", "1")
    space = archlang.parse(macro_space(4)).network()
    archs = _members(space, 3)
    for a in archs:
        a.to_arch()  # the item texts and check caches warm
    real = F.format_module

    def wrong(module: A.Module) -> str:
        return real(module).replace("conv2d(w, 1)", "conv2d(w + 1, 1)")

    monkeypatch.setattr(F, "format_module", wrong)
    for a in archs:
        text = a.to_arch()
        assert "block sep_unit" not in text  # the straight-line form, not the rewrite


def test_printed_programs_of_the_same_items_share_one_set_of_caches() -> None:
    space = archlang.parse(macro_space(3)).network()
    for a in _members(space, 5):
        a.to_arch()
    table = space.program.bind_caches["print_checks"]
    assert len(table) == 1  # every member keeps the three blocks as written
    (held, caches), = table.values()
    assert caches["block_memo"]
    variants = archlang.parse("""
block unit() { linear(choice(4, 8)) }
network n() (x: [3]) { return x -> unit() -> unit() }
""").network()
    texts = {variants.bind({"n.unit.linear.out": a, "n.unit_1.linear.out": b}).to_arch()
             for a in (4, 8) for b in (4, 8)}
    assert len(texts) == 4
    # each printed program has its own variant blocks, fresh objects: no two share caches
    assert len(variants.program.bind_caches["print_checks"]) == 4


def test_item_texts_are_kept_only_for_modules_without_comments() -> None:
    text = "# a comment\nblock b() { relu() }  # trails\nnetwork n() (x: [3]) { return x -> b() }\n"
    module = parse_source(Source(text))
    F._ITEM_TEXTS.clear()
    assert F.format_module(module) == F.format_module(module)
    assert "# trails" in F.format_module(module) and not F._ITEM_TEXTS
    bare = A.Module(module.items)
    assert F.format_module(bare) == F.format_module(bare)
    assert len(F._ITEM_TEXTS) == 2


def test_statement_texts_and_headers_are_kept_only_for_modules_without_comments() -> None:
    """A new network made of statements printed before prints them as they were printed
    (`_stmt_text`, `_definition`'s header), and as the full printer prints them."""
    text = "network n(w: int = 4) (x: [3]) {\n    h = x -> linear(w)  # trails\n\n" \
           "    return h -> relu()\n}\n"
    module = parse_source(Source(text))
    F._STMT_TEXTS.clear()
    F._HEADERS.clear()
    assert "# trails" in F.format_module(module)
    assert not F._STMT_TEXTS and not F._HEADERS
    net = module.items[0]
    bare = A.Module((net,))
    first = F.format_module(bare)
    assert len(F._STMT_TEXTS) == 2 and len(F._HEADERS) == 1
    again = A.Module((A.NetworkDef(net.name, net.params, net.inputs, net.body, span=net.span),))
    full = F._Printer(F.CommentPool((), None)).item(again.items[0], "") + "\n"
    assert F.format_module(again) == first == full
    assert "\n\n    return" in first  # the blank line, read off the spans, kept


# ---------------------------------------------------------------- the check without a bind
#
# `specialize._substituted` says yes only where the binding check does, takes the shortcut
# where it is meant to (a network of op choices), and refuses a printed tree that is not
# the source with each decision replaced by what the recording walk took there, whatever
# its memo of matched statements remembers.

OPS = """
network ops(w: int = 8) (x: [16]) {
    n1 = x -> choice(linear(16), relu(), gelu())
    n2 = choice(x, n1) -> choice(linear(choice(16, 32)), tanh(), identity())
    n3 = (n1, n1) -> choice(add(), mul())
    f = float(0.0, 0.5)
    h = (n3, n2) -> concat() -> dropout(f) -> linear(int(4, 6)) -> linear(w)
    return h
}
"""


def _printed(arch: Any) -> tuple[Any, A.Module, str]:
    spec = S._Specializer(arch)
    module = spec.module()
    return spec, module, F.format_module(module)


def _binds_to_arch(arch: Any, module: A.Module, text: str) -> bool:
    return S._same_network(arch, module, text)


@pytest.mark.parametrize("name,space", SPACES, ids=[n for n, _ in SPACES])
def test_the_check_without_a_bind_says_yes_only_where_the_bind_does(
        name: str, space: archlang.Space) -> None:
    for arch in _members(space, 6) * 2:  # the second round: every memo warm
        spec, module, text = _printed(arch)
        if S._substituted(spec, module):
            assert _binds_to_arch(arch, module, text)


def test_a_network_of_op_choices_is_checked_without_a_bind(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every member of an op-choice space (value, layer, input choices, ranges, a parameter
    default) takes the shortcut, and prints what the binding check alone lets through."""
    space = archlang.parse(OPS).network()
    archs = _members(space, 12)
    texts = []
    for arch in archs * 2:
        spec, module, text = _printed(arch)
        assert S._substituted(spec, module)
        texts.append(arch.to_arch())
    monkeypatch.setattr(S, "_substituted", lambda spec, module: False)
    assert [a.to_arch() for a in archs * 2] == texts
    for a, t in zip(archs, texts):
        assert not t.endswith(_flat(a))
        assert archlang.parse(t).network().bind().hash == a.hash


def test_another_candidate_is_refused_with_every_memo_warm(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rewrite that prints the next candidate of each layer choice: refused by the check
    without a bind (each statement's earlier match was with the candidate taken), so the
    binding check decides, and what is printed is the network."""
    space = archlang.parse(NBG).network()
    archs = _members(space, 8)
    for a in archs * 2:
        spec, module, _ = _printed(a)
        assert S._substituted(spec, module)
    one = S._Specializer._one

    def next_candidate(self: Any, path: str, node: Any, pat: Any) -> Any:
        value = one(self, path, node, pat)
        args = node.args if isinstance(node, A.Call) else ()
        layers = [x for x in args if isinstance(x, A.Call)]
        if value in layers and len(layers) > 1:
            return layers[(layers.index(value) + 1) % len(layers)]
        return value

    monkeypatch.setattr(S._Specializer, "_one", next_candidate)
    monkeypatch.setattr(S._Specializer, "_plain_stmt", S._Specializer._rewrite)
    refused = 0
    for a in archs:
        try:
            spec, module, _ = _printed(a)
        except S._CannotSpecialize:  # (a candidate whose decision never ran)
            continue
        assert not S._substituted(spec, module)
        refused += 1
    assert refused >= 4
    for a in archs:
        out = a.to_arch()
        assert archlang.parse(out).network().bind().hash == a.hash


def test_a_recording_of_another_member_is_refused() -> None:
    """A printed tree checked against another member's recording (its statements matched
    before, with the decisions this member took: the memo remembers what was taken), and a
    recording that built another graph than the Arch's."""
    space = archlang.parse(NBG).network()
    a, b = _two_different(space)
    spec, module, _ = _printed(a)
    assert S._substituted(spec, module) and S._substituted(spec, module)
    other, _, _ = _printed(b)
    assert S._substituted(other, other.module())
    assert not S._substituted(other, module)
    spec.arch = b
    assert not S._substituted(spec, module)


def _two_different(space: archlang.Space) -> tuple[Any, Any]:
    members = _members(space, 12)
    first = members[0]
    return first, next(m for m in members if m.hash != first.hash)


def test_a_decision_left_is_refused() -> None:
    space = archlang.parse(NBG).network()
    arch = space.sample(3)
    spec, _, _ = _printed(arch)
    assert not S._substituted(spec, spec.root.tree)
    original = A.Module(tuple(i for i in spec.root.tree.items if i is not spec.net)
                        + (spec.net,))
    assert not S._substituted(spec, original)


@pytest.mark.parametrize("a,b", [
    (A.IntLit(1), A.IntLit(True)), (A.FloatLit(0.0), A.FloatLit(-0.0)),
    (A.IntLit(2), A.FloatLit(2.0)), (A.Call("linear", (A.IntLit(1),)), A.Call("relu")),
    (A.Name("x"), A.Name("y")),
])
def test_leaves_match_by_type_and_value(a: Any, b: Any) -> None:
    space = archlang.parse(NBG).network()
    spec = S._Specializer(space.sample(0))
    assert not S._Substitution(spec).match(a, b)
    assert S._Substitution(spec).match(a, a)


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT)) for p in [
    *ROOT.glob("examples/*.arch"), *ROOT.glob("stdlib/**/*.arch")]))
def test_a_module_without_comments_prints_as_the_full_printer_prints_it(
        path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The remembering printer (item and statement texts, headers, bodies laid out without
    the comment machinery: `format._bare_body`) against the printer that remembers nothing,
    on every example and stdlib file with its comments left out (blank lines, literals'
    spellings and broken lines kept: read off the spans)."""
    module = parse_source(Source((ROOT / path).read_text(), path))
    bare = A.Module(module.items)
    fast = [F.format_module(bare), F.format_module(bare)]
    monkeypatch.setattr(F, "_item_text", lambda printer: printer.item)
    assert fast == [F.format_module(bare)] * 2

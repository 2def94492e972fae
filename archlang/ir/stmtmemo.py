"""Statements elaborated once: a bind walk replays what an equal statement built.

The statement-sized sibling of ir/blockmemo.py. A statement ``n3 = choice(x, n1, n2) ->
choice(relu(), conv2d(16, 3))`` builds what its syntax, the values of the names it reads,
the labels its instance has handed out so far and the decisions it reads make of it: a bind
walk is deterministic. So a bind walk remembers each assignment or expression statement it
ran, per program:

    key   = (statement, the values of the names it reads (a tensor by its shape, dtype, which
            other name holds the same node and whether that node is a constant), the
            instance's label counts, its depth, copies and condition, the op registry)
    entry = the decisions it read with their values, the nodes it added, the instances it
            noted, the value it assigned (or the current tensor it left), the label counts
            it moved, its step count; keys and paths relative to the instance's own

and a later run of the statement with an equal key, in an assignment that gives those
decisions the same values, replays the entry instead of evaluating it. A statement that
starts with an input choice between names (``choice(x, n1, n2) -> ...``) is keyed by the
tensor the choice picks instead of by the choice's value (`_pick`): its entry for ``x``
serves ``n1`` and ``n2`` of the same shape too. Every statement of a
network whose candidates are ops (NAS-Bench-Graph's cells) is then a few dictionary lookups
and one `Graph.add` per node. A statement that reads a value the key cannot hold (a layer,
a run-time size, a `shared` block), makes a node reading a tensor from elsewhere, adds a
`require`, or fails, is never remembered: it always runs.

When it is worth it: a statement is remembered from its second run in a program (reading
its syntax costs more than running it once, and a program bound once, as `to_arch`'s check
binds one, gains nothing), never where it adds more than `MAX_NODES` nodes, and not in a
block body that the block memo is gathering (it remembers the body whole; remembering each
statement too made a first bind of mobilenet_v2 a fifth slower).

Why the key is enough: an expression reads its names (`Name`s through the environment),
calls through the module's globals, the builtins (unless the innermost variables rebind
one), the op registry and hyper calls (static per program and registry generation), the
decisions (through `WalkState.use`, gathered), and the instance's namer (`Scope.label`,
whose counts are in the key; the namer of a block or repeat copy made inside is new each
time). Of a tensor the walk reads its shape and dtype, and of its node only whether it is
an op of no inputs (ir/apply.py `_common_lead`); nodes are named by the graph as it stands
at replay, exactly as running the statement would name them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archlang.ir import blockmemo, record
from archlang.ir.blockmemo import Recording, _NotPlain
from archlang.ir.builtins import BUILTINS
from archlang.ir.sharing import SHARED
from archlang.ir.values import Tensor, next_serial
from archlang.ops import registry
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator
    from archlang.ir.scope import Frame, Scope

#: False: every statement is evaluated (the reference tests/ir/test_bind_fast_paths.py uses)
ENABLED = True
#: a statement that adds more nodes is not remembered: copying them costs more than a
#: replay saves, and one that builds a whole stage (``h = x -> repeat(16) { ... }``) rarely
#: comes again equal; the blocks and statements inside it are remembered on their own
MAX_NODES = 32

_PLAIN = (int, str, bool, float, type(None))


class _Syntax:
    """What a statement's syntax says, once per node: the names it reads, the builtins it
    calls (a variable of the same name in the innermost frame would be called instead),
    whether it can be remembered at all, and the input choice it starts with (`_pick`)."""

    __slots__ = ("node", "names", "builtins", "ok", "feeds", "pick", "picks", "others")

    def __init__(self, stmt: A.Stmt) -> None:
        self.node = stmt
        value = stmt.value if isinstance(stmt, A.Assign) else stmt.expr
        nodes = list(A.walk(value))
        names = {n.id for n in nodes if isinstance(n, A.Name)}
        calls = {n.func for n in nodes if isinstance(n, A.Call)}
        self.builtins = tuple(sorted(calls & set(BUILTINS)))
        self.ok = SHARED not in calls
        self.feeds = isinstance(stmt, A.ExprStmt)  # reads the current tensor
        #: the names of an input choice the statement starts with (`_pick`), or None
        self.pick = _pick(value, nodes)
        self.picks = frozenset(self.pick or ())
        self.names = tuple(sorted(names))
        #: the names read besides the input choice's
        self.others = tuple(sorted(names - self.picks))

    def no_pick(self) -> None:
        """Key this statement by every name it reads, as any other (`run`)."""
        self.pick = None


def _pick(value: A.Expr, nodes: list[Any]) -> tuple[str, ...] | None:
    """The candidates of ``choice(a, b, ...) -> ...``, an input choice between names that
    the rest of the statement does not read: then what the statement builds depends on the
    choice only through the tensor it picks, and one entry serves every candidate of the
    same shape (`memo_key` keys it by the picked tensor, not by the decision's value).

    Evaluating the choice allocates one label, ``choice`` (a pipe's first stage has no
    hint), reads its decision first, evaluates each name (a step each) and returns the
    chosen value where it is a tensor (ir/hyper.py `_choice`, `_chosen_candidate`: names
    are inert, and a tensor is not a plain value). `run` checks, on every statement it
    remembers, that the first decision read is the one `memo_key` predicted."""
    if not isinstance(value, A.Pipe):
        return None
    first = value.stages[0]
    if not (isinstance(first, A.Call) and first.func == "choice" and not first.kwargs
            and len(first.args) >= 2 and all(type(a) is A.Name for a in first.args)):
        return None
    names = tuple(a.id for a in first.args)  # type: ignore[attr-defined]
    picked = set(names)
    uses = sum(1 for n in nodes if isinstance(n, A.Name) and n.id in picked)
    return names if uses == len(names) else None


def _syntax(elab: Elaborator, stmt: A.Stmt) -> _Syntax | None:
    """The statement's syntax facts; None the first time a program runs it. A statement
    run once (a network bound once, `to_arch`'s check of a new program) is not worth
    remembering, and reading its syntax costs more than running it: it starts being
    remembered on its second run (the next bind, or the next repeat copy)."""
    caches = elab.program.bind_caches
    table: dict[int, Any] | None = caches.get("stmt_syntax")
    if table is None:
        table = caches["stmt_syntax"] = {}
    hit = table.get(id(stmt))
    if hit is None or hit.node is not stmt:
        if len(table) >= blockmemo.MAX_ENTRIES:
            table.clear()
        table[id(stmt)] = _Seen(stmt)
        return None
    if type(hit) is _Seen:
        hit = table[id(stmt)] = _Syntax(stmt)
    return hit  # type: ignore[no-any-return]


class _Seen:
    """A statement run once (`_syntax`); holding it keeps its id from being reused."""

    __slots__ = ("node",)

    def __init__(self, stmt: A.Stmt) -> None:
        self.node = stmt


def memo_key(elab: Elaborator, stmt: A.Stmt, scope: Scope, frame: Frame,
             ctx: Context) -> tuple[Any, list[Tensor], tuple[str, int] | None] | None:
    """The key of this run of `stmt`, the tensors it reads and (a statement that starts
    with an input choice, `_pick`) that choice's key and value; None: not remembered."""
    syntax = ctx.syntax.get(id(stmt))
    if syntax is None or syntax.node is not stmt or type(syntax) is not _Syntax:
        syntax = _syntax(elab, stmt)
        if syntax is None:
            return None
    if not syntax.ok:
        return None
    parts = elab.source_parts
    sources: list[Tensor] = []
    first: dict[int, int] = {}
    names: list[Any] = []
    picked = None
    env: Any
    try:
        if syntax.pick is not None:
            # (a walk that records sees which candidate the choice took: its entries'
            # events name the one they ran with, `record.replay` names the one taken)
            n = scope.namer.counts.get("choice", 0)
            pkey = ctx.kp + ("choice" if n == 0 else f"choice_{n}")
            c = elab.assignment.get(pkey)  # type: ignore[union-attr]
            if type(c) is not int or not 0 <= c < len(syntax.pick):
                return None  # (run: it reports what is wrong with the value)
            inner = frame.env.vars
            chosen = inner[syntax.pick[c]] if inner.keys() >= syntax.picks else \
                _resolve(frame, syntax.pick, c)  # (else not all of them are local)
            if type(chosen) is not Tensor:
                return None
            picked = (pkey, c)
            names.append(_encode_tensor(chosen, parts, sources, first))
        # each looked up as `Env.lookup` does, without its KeyError
        for n in syntax.names if picked is None else syntax.others:
            env = frame.env
            while env is not None and n not in env.vars:
                env = env.parent
            if env is None:  # no variable holds it: a global, the same on every run
                names.append(None)
                continue
            v = env.vars[n]
            names.append(_encode_tensor(v, parts, sources, first) if type(v) is Tensor
                         else _encode(v, parts, sources, first))
        current = _encode(frame.current, parts, sources, first) if syntax.feeds else None
    except _NotPlain:
        return None
    inner = frame.env.vars
    key = (id(stmt), ctx.where, tuple(scope.namer.counts.items()), picked is not None,
           tuple(names), current,
           tuple(b in inner for b in syntax.builtins) if syntax.builtins else ())
    return key, sources, picked


def _encode_tensor(v: Tensor, parts: dict[int, tuple[Tensor, Any]], sources: list[Tensor],
                   first: dict[int, int]) -> Any:
    """A tensor's part of a statement's key: what code can read of it (its key part,
    made once per walk: `blockmemo.source_key`) and the first source sharing its node."""
    if v.node is None:
        raise _NotPlain
    hit = parts.get(id(v))
    if hit is None or hit[0] is not v:
        hit = parts[id(v)] = (v, blockmemo.source_key(v))
    sources.append(v)
    return (hit[1], first.setdefault(id(v.node), len(sources) - 1))


def _encode(v: Any, parts: dict[int, tuple[Tensor, Any]], sources: list[Tensor],
            first: dict[int, int]) -> Any:
    """Any value's part of a statement's key; raises `_NotPlain` where it cannot be one."""
    t = type(v)
    if t in _PLAIN:
        return (t, v)
    if t is Tensor:
        return _encode_tensor(v, parts, sources, first)
    if t is tuple:
        return tuple(_encode(x, parts, sources, first) for x in v)
    if isinstance(v, (A.BlockDef, A.NetworkDef)):
        return id(v)
    raise _NotPlain


def _resolve(frame: Frame, names: tuple[str, ...], c: int) -> Any:
    """The value of `names[c]` where every one of `names` is a variable (a global or a
    missing one: None, the statement runs and reads them as it does)."""
    chosen = None
    for i, n in enumerate(names):
        env = frame.env
        while env is not None and n not in env.vars:
            env = env.parent
        if env is None:
            return None
        if i == c:
            chosen = env.vars[n]
    return chosen


class Context:
    """What every statement of one body shares: the instance's part of their keys, the
    prefixes their paths and decision keys are stored relative to, and the program's
    tables (looked up once per body, not per statement)."""

    __slots__ = ("where", "at", "kp", "syntax", "memo")

    def __init__(self, elab: Elaborator, scope: Scope) -> None:
        at = scope.path.partition(".")[2]
        self.where = (scope.keys is None, scope.depth, scope.copies, scope.cond,
                      registry.generation())
        self.at = at + "." if at else ""
        self.kp = scope.key_path + "."
        caches = elab.program.bind_caches
        self.syntax: dict[int, Any] = caches.setdefault("stmt_syntax", {})
        self.memo: dict[Any, Any] = caches.setdefault("stmt_memo", {})


def run(elab: Elaborator, stmt: A.Stmt, scope: Scope, frame: Frame, ctx: Context) -> None:
    """Run an assignment or expression statement of an active bind walk, or replay it;
    `ctx` is `Context(elab, scope)`, made once per body."""
    at, kp = ctx.at, ctx.kp
    recording = elab.recorder is not None  # (`to_arch`'s walk: replay with the events)
    found = None if recording and not record.tappable(elab, stmt) else \
        memo_key(elab, stmt, scope, frame, ctx)
    if found is None:
        elab.exec_stmt(stmt, scope, frame)
        return
    key, sources, picked = found
    hit = ctx.memo.get(key)
    if hit is not None and hit[0] is stmt:
        entry = blockmemo.lookup(elab, hit[1], kp)
        if entry is not None and (not recording or len(entry.result) > 2):
            if picked is not None:
                elab.use(*picked)  # read first, as the choice reads it
            made = blockmemo.redo(elab, entry, sources, at, kp)
            if made is not None:
                _apply(elab, entry.result, stmt, scope, frame, sources, made)
                if recording:
                    record.replay(elab, scope.path, entry.result[2], picked)
                return
    counts = dict(scope.namer.counts)
    nodes_before, steps_before, requires_before = (len(elab.graph.nodes), elab.steps,
                                                   len(elab.requires))
    rec = Recording(next_serial(), -1, block=False)  # (a walk without a recorder)
    elab.memo_stack.append(rec)
    tapped = record.tap(elab, stmt)
    try:
        elab.exec_stmt(stmt, scope, frame)
    except BaseException:
        elab.memo_stack.remove(rec)
        record.untap(elab, tapped, scope.path)
        raise
    events = record.untap(elab, tapped, scope.path)
    blockmemo.pop(elab, rec)
    if rec.tainted or len(elab.requires) != requires_before or \
            len(elab.graph.nodes) - nodes_before > MAX_NODES:
        return
    if picked is not None:
        if not rec.reads or rec.reads[0] != picked:  # not the choice `memo_key` predicted:
            syntax = _syntax(elab, stmt)
            if syntax is not None:
                syntax.no_pick()  # (never again)
            return
        # the entry holds what the statement read besides the choice: the picked tensor
        # is its first source
        rec.reads = [r for r in rec.reads if r[0] != picked[0]]
        events = record.picked_first(events, picked)
    captured = blockmemo.capture(elab, sources, nodes_before, at)
    if captured is None:
        return
    nodes, index = captured
    try:
        value = _describe(frame.env.vars[stmt.name] if isinstance(stmt, A.Assign)
                          else frame.current, sources, index)
    except _NotPlain:
        return
    moved = tuple((b, n) for b, n in scope.namer.counts.items() if counts.get(b) != n)
    result = (value, moved) if events is None else (value, moved, events)
    blockmemo.store(elab, ctx.memo, key, stmt, rec, kp, at, nodes, result,
                    elab.steps - steps_before)


def _describe(v: Any, sources: list[Tensor], index: dict[int, int]) -> Any:
    """How to make `v` again: from the sources, the new nodes and plain values."""
    t = type(v)
    if t in _PLAIN:
        return ("value", v)
    if t is tuple:
        return ("tuple", tuple(_describe(x, sources, index) for x in v))
    if t is Tensor and v.node is not None:
        for i, s in enumerate(sources):
            if v is s:
                return ("source", i)
        j = index.get(id(v.node))
        if j is not None:  # with its part of the keys of the statements that read it
            return ("new", j, v.shape, v.dtype, blockmemo.source_key(v))
    raise _NotPlain


def _rebuild(d: Any, sources: list[Tensor], made: list[Any],
             parts: dict[int, tuple[Tensor, Any]]) -> Any:
    kind = d[0]
    if kind == "value":
        return d[1]
    if kind == "tuple":
        return tuple(_rebuild(x, sources, made, parts) for x in d[1])
    if kind == "source":
        return sources[d[1]]
    t = Tensor(made[d[1]], d[2], d[3])
    parts[id(t)] = (t, d[4])
    return t


def _apply(elab: Elaborator, result: Any, stmt: A.Stmt, scope: Scope, frame: Frame,
           sources: list[Tensor], made: list[Any]) -> None:
    """What the statement left behind: its variable (or current tensor) and label counts."""
    described, moved = result[0], result[1]  # (result[2]: its events, ir/record.py)
    value = _rebuild(described, sources, made, elab.source_parts)
    if isinstance(stmt, A.Assign):
        frame.env.vars[stmt.name] = value
        if isinstance(value, Tensor):
            frame.current = value
    else:
        frame.current = value
    scope.namer.counts.update(moved)

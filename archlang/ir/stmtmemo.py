"""Statements elaborated once: a bind walk replays what an equal statement built.

The statement-sized sibling of ir/blockmemo.py. A statement ``n3 = choice(x, n1, n2) ->
choice(relu(), conv2d(16, 3))`` builds what its syntax, the values of the names it reads,
the labels its instance has handed out so far and the decisions it reads make of it: a bind
walk is deterministic. So a bind walk remembers each assignment or expression statement it
ran (and each ``return`` of more than a name: ``return h -> linear(4)``, as an expression
statement whose value the body returns), per program:

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
binds one, gains nothing), never where it adds more than `MAX_NODES` nodes (once it did,
it is not gathered again), and not in a block body that the block memo is gathering (it
remembers the body whole; remembering each statement too made a first bind of mobilenet_v2
a fifth slower).

Working out the key is most of a replay, so a network's body also keeps its `State` (see
"a body's States" below): once warm, a statement's key and sources are not worked out at
all, only the decisions' values are looked up (NAS-Bench-Graph: bind 19-21 µs, 33-36 µs
with keys worked out per statement; benchmarks/README.md).

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

import itertools
from typing import TYPE_CHECKING, Any

from archlang.ir import blockmemo, record
from archlang.ir.blockmemo import Recording, _NotPlain
from archlang.ir.builtins import BUILTINS
from archlang.ir.sharing import SHARED
from archlang.ir.values import Tensor, next_serial
from archlang.ir.walkstate import MAX_NODES as MAX_GRAPH
from archlang.ir.walkstate import MAX_STEPS
from archlang.ops import registry
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator
    from archlang.ir.scope import Frame, Scope

#: False: every statement is evaluated (the reference tests/ir/test_bind_fast_paths.py uses)
ENABLED = True
#: a statement that adds more nodes is not remembered (nor gathered again): copying them
#: costs more than a replay saves, and one that builds a whole stage (``h = x -> repeat(16)
#: { ... }``) rarely comes again equal; the blocks and statements inside it are remembered
#: on their own
MAX_NODES = 32

_PLAIN = (int, str, bool, float, type(None))


class _Syntax:
    """What a statement's syntax says, once per node: the names it reads, the builtins it
    calls (a variable of the same name in the innermost frame would be called instead),
    whether it can be remembered at all, and the input choice it starts with (`_pick`)."""

    __slots__ = ("node", "names", "builtins", "ok", "feeds", "pick", "picks", "others")

    def __init__(self, stmt: A.Stmt) -> None:
        self.node = stmt
        value = stmt.expr if isinstance(stmt, A.ExprStmt) else stmt.value  # type: ignore[attr-defined]
        nodes = _nodes(value)
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


#: a class of the tree -> the fields that can hold its children (None: not a node)
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _nodes(root: A.Expr) -> list[Any]:
    """Every node of `root`'s tree, as `A.walk` gives them but in no set order: walking
    with the dataclass fields of each node was half of a statement's second run."""
    out: list[Any] = []
    stack: list[Any] = [root]
    while stack:
        top = stack.pop()
        t = type(top)
        if t is tuple:
            stack.extend(top)
            continue
        try:
            fields = _FIELDS[t]
        except KeyError:
            fields = _FIELDS[t] = A.child_field_names(top) if A.is_node(top) else None
        if fields is None:
            continue
        out.append(top)
        for f in fields:
            stack.append(getattr(top, f))
    return out


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


def run(elab: Elaborator, stmt: A.Stmt, scope: Scope, frame: Frame, ctx: Context,
        state: Any = None) -> Any:
    """Run an assignment or expression statement of an active bind walk, or replay it;
    `ctx` is `Context(elab, scope)`, made once per body. `state`: the body's `State` before
    this statement (`FRESH`: not known yet; None: none is kept; a walk that records keeps
    one too, its steps replaying an entry only with the events it kept); returns the state
    after it (`FRESH` where it is not known)."""
    missed = None
    if state is not None:
        if state is FRESH:
            state = _state(elab, scope, frame, ctx)
        if state is not None:
            after = _replay_step(elab, stmt, scope, frame, ctx, state)
            if type(after) is _Missed:
                missed = after
            elif after is not None:
                return after
    at, kp = ctx.at, ctx.kp
    recording = elab.recorder is not None  # (`to_arch`'s walk: replay with the events)
    if missed is not None:  # the State's step has the key (no entry for these values yet)
        step: Step | None = missed.step
        inner = frame.env.vars
        key, picked = missed.step.key, missed.picked
        sources = [inner[n] if n is not None else frame.current for n in missed.step.recipe]
    else:
        found = None if recording and not record.tappable(elab, stmt) else \
            memo_key(elab, stmt, scope, frame, ctx)
        if found is None:
            _exec(elab, stmt, scope, frame)
            return FRESH if state is not None else None
        key, sources, picked = found
        step = None if state is None else \
            _new_step(state, stmt, frame, key, sources, picked, ctx)
    hit = ctx.memo.get(key)
    if step is not None:
        step.slot = hit
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
                return _after(elab, scope, frame, ctx, step, entry) if state is not None \
                    else None
    counts = dict(scope.namer.counts)
    nodes_before, steps_before, requires_before = (len(elab.graph.nodes), elab.steps,
                                                   len(elab.requires))
    rec = Recording(next_serial(), -1, block=False)  # (a walk without a recorder)
    elab.memo_stack.append(rec)
    tapped = record.tap(elab, stmt)
    try:
        _exec(elab, stmt, scope, frame)
    except BaseException:
        elab.memo_stack.remove(rec)
        record.untap(elab, tapped, scope.path)
        raise
    events = record.untap(elab, tapped, scope.path)
    blockmemo.pop(elab, rec)
    after = FRESH if state is not None else None
    if len(elab.graph.nodes) - nodes_before > MAX_NODES:
        syntax = _syntax(elab, stmt)
        if syntax is not None:
            syntax.ok = False  # (a whole stage: gathering what it does costs every bind)
        return after
    if rec.tainted or len(elab.requires) != requires_before:
        return after
    if picked is not None:
        if not rec.reads or rec.reads[0] != picked:  # not the choice `memo_key` predicted:
            syntax = _syntax(elab, stmt)
            if syntax is not None:
                syntax.no_pick()  # (never again)
            return after
        # the entry holds what the statement read besides the choice: the picked tensor
        # is its first source
        rec.reads = [r for r in rec.reads if r[0] != picked[0]]
        events = record.picked_first(events, picked)
    captured = blockmemo.capture(elab, sources, nodes_before, at)
    if captured is None:
        return after
    nodes, index = captured
    try:
        value = _describe(frame.env.vars[stmt.name] if isinstance(stmt, A.Assign)
                          else frame.current, sources, index)
    except _NotPlain:
        return after
    moved = tuple((b, n) for b, n in scope.namer.counts.items() if counts.get(b) != n)
    result = (value, moved) if events is None else (value, moved, events)
    entry = blockmemo.store(elab, ctx.memo, key, stmt, rec, kp, at, nodes, result,
                            elab.steps - steps_before)
    if step is None:
        return after
    step.slot = ctx.memo.get(key)
    return after if entry is None else _after(elab, scope, frame, ctx, step, entry)


def _exec(elab: Elaborator, stmt: A.Stmt, scope: Scope, frame: Frame) -> None:
    """Run the statement; a `return` leaves its value as the frame's current value (what
    the body then returns: ir/statements.py), as an expression statement leaves its own."""
    result = elab.exec_stmt(stmt, scope, frame)
    if result is not None:
        frame.current = result[0]


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
    if described[0] == "new":  # (`_rebuild` of a new tensor, the common case, inlined)
        value = Tensor(made[described[1]], described[2], described[3])
        elab.source_parts[id(value)] = (value, described[4])
    else:
        value = _rebuild(described, sources, made, elab.source_parts)
    if type(stmt) is A.Assign:
        frame.env.vars[stmt.name] = value
        if type(value) is Tensor:
            frame.current = value
    else:
        frame.current = value
    if moved:
        scope.namer.counts.update(moved)


# ---------------------------------------------------------------- a body's states
#
# Working out a statement's key (`memo_key`) costs about as much as replaying its entry.
# But what the key holds is read off the body's frame, its instance's label counts and its
# context, and of those a replay changes only what its entry says. So a body's walk keeps
# its `State`, that much of them and nothing else (each variable's kind: a plain value, a
# definition, or a tensor by its key part and which variables share its object and node),
# and a State remembers, per statement and value of its input choice, the key the
# statement gets there and where its sources are (`Step`), and per effect of an entry
# replayed there (`_effect`: the value it leaves, as described, and the label counts it
# moves) the State after it (`Step.next`). A body whose statements are all replayed then
# works out no key at all: each statement is a lookup of its decisions' values, a replay
# and a lookup of the next State. A statement the State has no step for runs `memo_key` as
# before, and the State after it is worked out from the frame (`_state`). Why that is
# enough: `memo_key` reads the frame's variables by name (through to the module's globals,
# the same on every bind), the current tensor, the label counts, the context (`Context`:
# instance, depth, copies, condition, registry generation) and the input choice's value;
# the State holds all of them but that value, which picks the step. Only the bodies whose
# frame sits right under its module's globals keep States (a network's body; the parent
# of any other holds variables the State would have to hold too), and a network whose
# inputs' shapes are literals starts in the same State on every bind (`network_start`).

#: False: every remembered statement works out its key (tests/ir/test_bind_fast_paths.py)
STATES = True


class _Fresh:
    def __repr__(self) -> str:
        return "FRESH"


#: `run`'s state where it is not known yet: worked out from the frame when it is needed
FRESH: Any = _Fresh()


class State:
    """What a statement's key can read of a body's walk at one point (see above)."""

    __slots__ = ("env", "steps")

    def __init__(self, env: Any) -> None:
        self.env = env  # the module environment the frame sits under (its id is in the key)
        #: id(statement) -> its steps from here
        self.steps: dict[int, _Steps] = {}


class _Steps:
    """One statement's steps from one State: per value of its input choice (None: it starts
    with none), where `memo_key` finds its entries and its sources."""

    __slots__ = ("stmt", "syntax", "pkey", "by_value")

    def __init__(self, stmt: A.Stmt, syntax: Any, pkey: str | None) -> None:
        self.stmt, self.syntax, self.pkey = stmt, syntax, pkey
        self.by_value: dict[int | None, Step] = {}


class Step:
    __slots__ = ("key", "slot", "recipe", "next", "groups", "grouped")

    def __init__(self, key: Any, recipe: tuple[str | None, ...]) -> None:
        self.key = key
        #: the statement's entries (`ctx.memo[key]`, None before the first is stored)
        self.slot: Any = None
        #: each source's variable (None: the current tensor)
        self.recipe = recipe
        #: the `_effect` of an entry replayed -> the State after it
        self.next: dict[int, State] = {}
        #: the slot's groups of entries, by the absolute keys of the decisions they read
        self.groups: list[tuple[tuple[str, ...], dict[Any, Any]]] = []
        self.grouped: tuple[Any, int] | None = None  # (the slot, its groups) they are of

    def find(self, assignment: dict[str, Any], kp: str, stmt: A.Stmt) -> Any:
        """`blockmemo.lookup` in the slot, with its keys made absolute once."""
        slot = self.slot
        if slot is None or slot[0] is not stmt:
            return None
        by_keys = slot[1]
        grouped = self.grouped
        if grouped is None or grouped[0] is not slot or grouped[1] != len(by_keys):
            self.groups = [(tuple(kp + k for k in rel), by_values)
                           for rel, by_values in by_keys.items()]
            self.grouped = (slot, len(by_keys))
        get = assignment.get
        for keys, by_values in self.groups:
            entry = blockmemo.entry_for(keys, by_values, get)
            if entry is not None:
                return entry
        return None


def _state(elab: Elaborator, scope: Scope, frame: Frame, ctx: Context) -> State | None:
    """The body's State now; None where the frame holds what a State cannot (a layer, a
    tuple, ...) or sits under other variables than its module's."""
    env = frame.env
    parent = env.parent
    if parent is None or parent.owner is None:
        return None
    parts = elab.source_parts
    objects: dict[int, int] = {}
    nodes: dict[int, int] = {}
    try:
        items = tuple([(n, _part(v, parts, objects, nodes)) for n, v in env.vars.items()])
        current = _part(frame.current, parts, objects, nodes)
    except _NotPlain:
        return None
    key = (ctx.where, ctx.kp, ctx.at, id(parent), tuple(scope.namer.counts.items()), items,
           current)
    table = elab.program.bind_caches.setdefault("stmt_states", {})
    hit = table.get(key)
    if hit is None or hit.env is not parent:
        if len(table) >= blockmemo.MAX_ENTRIES:
            table.clear()
        hit = table[key] = State(parent)
    return hit


def _part(v: Any, parts: dict[int, tuple[Tensor, Any]], objects: dict[int, int],
          nodes: dict[int, int]) -> Any:
    """A variable's part of a State (`_state`)."""
    t = type(v)
    if t in _PLAIN:
        return (t, v)
    if t is Tensor:
        if v.node is None:
            raise _NotPlain
        hit = parts.get(id(v))
        if hit is None or hit[0] is not v:
            hit = parts[id(v)] = (v, blockmemo.source_key(v))
        return (hit[1], objects.setdefault(id(v), len(objects)),
                nodes.setdefault(id(v.node), len(nodes)))
    if isinstance(v, (A.BlockDef, A.NetworkDef)):
        return ("def", id(v))  # (the program's own, alive while its caches are)
    raise _NotPlain


def _new_step(state: State, stmt: A.Stmt, frame: Frame, key: Any, sources: list[Tensor],
              picked: tuple[str, int] | None, ctx: Context) -> Step | None:
    """The step `memo_key` just worked out (`key`, `sources`) from `state`, kept; None
    where a source is not a variable of the body's own or its current tensor."""
    inner = frame.env.vars
    recipe: list[str | None] = []
    for s in sources:
        for n, v in inner.items():
            if v is s:
                recipe.append(n)
                break
        else:
            if frame.current is not s:
                return None
            recipe.append(None)
    pkey = picked[0] if picked is not None else None
    steps = state.steps.get(id(stmt))
    if steps is None or steps.stmt is not stmt or steps.pkey != pkey:
        steps = state.steps[id(stmt)] = _Steps(stmt, ctx.syntax.get(id(stmt)), pkey)
    value = picked[1] if picked is not None else None
    step = steps.by_value.get(value)
    if step is None or step.key != key:
        if len(steps.by_value) >= blockmemo.MAX_VARIANTS:
            steps.by_value.clear()
        step = steps.by_value[value] = Step(key, tuple(recipe))
    step.slot = ctx.memo.get(key)
    return step


def _replay_step(elab: Elaborator, stmt: A.Stmt, scope: Scope, frame: Frame, ctx: Context,
                 state: State) -> Any:
    """Replay `stmt` from `state` by its step; the State after it (`FRESH` where it cannot
    be kept), `_Missed` where the step has no entry for these values, or None where there
    is no step (then `run` goes the long way)."""
    steps = state.steps.get(id(stmt))
    if steps is None or steps.stmt is not stmt:
        return None
    pkey = steps.pkey
    assignment: dict[str, Any] = elab.assignment  # type: ignore[assignment]
    if pkey is not None:
        value = assignment.get(pkey)
        if type(value) is not int or steps.syntax.pick is None:
            return None  # (a value `memo_key` refuses; or it no longer picks)
    else:
        value = None
    step = steps.by_value.get(value)
    if step is None:
        return None
    entry = step.find(assignment, ctx.kp, stmt)
    if entry is None:
        return _Missed(step, None if pkey is None else (pkey, value))
    recorder = elab.recorder
    if recorder is not None and len(entry.result) < 3:
        # a walk that records replays only an entry that kept its events (a statement
        # that is not `tappable` keeps none: `run` runs it); else it runs the statement
        # with the step's key, and the entry it stores keeps them
        if not record.tappable(elab, stmt):
            return None
        return _Missed(step, None if pkey is None else (pkey, value))
    placed = entry.placed
    after = step.next.get(entry.effect)  # type: ignore[arg-type]
    graph = elab.graph
    if after is None or placed is None or placed[0] != ctx.at or placed[1] != ctx.kp or \
            elab.memo_stack or elab.steps + entry.steps > MAX_STEPS or \
            len(graph.nodes) + len(entry.nodes) > MAX_GRAPH:
        return _replay(elab, stmt, scope, frame, ctx, step, entry, pkey, value)
    # what `_replay` does, with the entry placed here before (`Entry.place`) and the State
    # after it known: `WalkState.use`, `blockmemo.redo` and `_apply`, inlined (no block
    # around that gathers what it reads)
    inner = frame.env.vars
    sources = [inner[n] if n is not None else frame.current for n in step.recipe]
    used = elab.used
    if pkey is not None:
        used[pkey] = value
    elab.steps += entry.steps
    made = blockmemo.add_nodes(graph, placed[2], sources, "")
    if placed[3]:
        graph.instances.update(placed[3])
    used.update(placed[4])
    result = entry.result
    _apply(elab, result, stmt, scope, frame, sources, made)
    if recorder is not None:  # (its events, as the statement's run added them)
        record.replay(elab, scope.path, result[2], None if pkey is None else (pkey, value))
    return after


class _Missed:
    """`_replay_step`'s answer where the State has the statement's step but no entry for
    the values of the decisions it reads: `run` goes the long way with the step's key and
    sources (what `memo_key` would work out there) and its input choice's key and value."""

    __slots__ = ("step", "picked")

    def __init__(self, step: Step, picked: tuple[str, int] | None) -> None:
        self.step, self.picked = step, picked


def _replay(elab: Elaborator, stmt: A.Stmt, scope: Scope, frame: Frame, ctx: Context,
            step: Step, entry: blockmemo.Entry, pkey: str | None, value: Any) -> Any:
    """`_replay_step`'s replay by the functions `run` calls (the first from this step, or
    at another place, or inside a block that gathers what it reads)."""
    if not elab.room_for(entry.steps, len(entry.nodes)):
        return None
    inner = frame.env.vars
    sources = [inner[n] if n is not None else frame.current for n in step.recipe]
    if pkey is not None:
        elab.use(pkey, value)  # read first, as the choice reads it
    entry.place(ctx.at, ctx.kp)  # (kept: from this step, `_replay_step` replays it so)
    made = blockmemo.redo(elab, entry, sources, ctx.at, ctx.kp)
    assert made is not None  # (room for it was checked)
    _apply(elab, entry.result, stmt, scope, frame, sources, made)
    if elab.recorder is not None:
        record.replay(elab, scope.path, entry.result[2],
                      None if pkey is None else (pkey, value))
    return _after(elab, scope, frame, ctx, step, entry)


def _after(elab: Elaborator, scope: Scope, frame: Frame, ctx: Context, step: Step | None,
           entry: blockmemo.Entry) -> Any:
    """The State after `entry` was replayed (or stored) by `step`: what its `_effect` led
    to from there before, else worked out from the frame (`FRESH` where it cannot be)."""
    if step is None:
        return FRESH
    effect = entry.effect
    if effect is None:
        effect = entry.effect = _effect(entry.result)
    after = step.next.get(effect)
    if after is None:
        after = _state(elab, scope, frame, ctx)
        if after is None:
            return FRESH
        if len(step.next) >= blockmemo.MAX_VARIANTS:
            step.next.clear()
        step.next[effect] = after
    return after


#: what replaying an entry leaves in the frame -> its number (`_effect`)
_EFFECTS: dict[Any, int] = {}
_NUMBERS = itertools.count()


def network_start(elab: Elaborator, net: A.NetworkDef, scope: Scope,
                  frame: Frame) -> tuple[Context, State] | None:
    """The `Context` and `State` a network's body starts in, where its frame holds only its
    inputs, whose shapes are literals, and nothing turns the memo off (the caller checks):
    the same on every bind, worked out once per registry generation."""
    table = elab.program.bind_caches.setdefault("stmt_first", {})
    hit = table.get(id(net))
    if hit is not None and hit[0] is net and hit[1] == registry.generation() and \
            hit[3].env is frame.env.parent:
        return hit[2], hit[3]
    ctx = Context(elab, scope)
    state = _state(elab, scope, frame, ctx)
    if state is None:
        return None
    table[id(net)] = (net, registry.generation(), ctx, state)
    return ctx, state


def _effect(result: Any) -> int:
    """The number of what a statement's entry leaves in its frame: the value it assigns, as
    described (a new tensor by its shape, dtype and key part; a source by its place; a plain
    value), and the label counts it moves. From one State, a step's entries with the same
    effect lead to the same State: for NAS-Bench-Graph, every op of a node."""
    effect = result[:2]
    try:
        number = _EFFECTS.get(effect)
    except TypeError:  # (a value that cannot be a key: a number of its own)
        return next(_NUMBERS)
    if number is None:
        if len(_EFFECTS) >= blockmemo.MAX_ENTRIES:
            _EFFECTS.clear()  # (numbers are never reused: `_NUMBERS` goes on)
        number = _EFFECTS[effect] = next(_NUMBERS)
    return number

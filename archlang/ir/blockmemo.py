"""Block instances elaborated once: a bind walk replays what an equal application built.

Applying a block runs its body: arguments bound, decisions read, ops checked, shapes
inferred, nodes added. What that builds depends only on the block, the instance path, the
argument values, the input shapes and the values of the decisions the body reads (a bind
walk is deterministic). So a bind walk remembers each application it ran, per program:

    key   = (block, arguments, input shapes and dtypes, nesting depth, ...)
    entry = the decisions the body read with their values, the nodes it added (op, attributes,
            inputs as "the i-th input" or "the j-th new node", shape, path, span), the block
            instances it noted, its result, its step count; every key and path relative to
            the application's own (a body cannot read where it is applied)

and a later application with an equal key, in an assignment that gives every one of those
decisions the same value, replays the entry instead of running the body: the same nodes
(named by the graph as it stands, so names stay unique), instances, used decisions and steps.
Where the body reads other values than those (a `require`, a `shared` block, a layer made
outside it, a tensor that is not an input), nothing is remembered and it always runs.
Errors are never remembered: a failing application runs again and reports as before.

A walk that records (`Arch.to_arch`'s, ir/record.py) replays an entry only where the body
recorded nothing when it ran (no decision, no block instance, no loop or branch: every
recorder event goes through `Recorder.add`, which counts them). The walk is the same with or
without a recorder (it only observes), so such an entry, replayed, gives the recording walk
all it would have seen: the events of the application itself (its instance) are made before
the memo is asked. Entries made by walks that do not record do not know, and are not
replayed there; the recording walk runs the body once and remembers it with what it saw.

A macro space of 20 positions, each a choice of 3 blocks with their own widths and kernels,
has about 60 distinct applications in all (kind, width, kernel, input channels; the position
does not matter), so after a few binds nearly every block is replayed
(benchmarks/bench_symbolic.py, bench_bind_scaling.py).

ir/stmtmemo.py remembers statements the same way, with this module's `lookup`, `redo`,
`capture` and `store`. A key holds what code can read of a tensor (`sources_key`): its shape,
dtype, which other input shares its node (``blk(x, x)`` is not ``blk(x, y)``) and whether
that node is a `parameter` (a built-in op's unbatched check treats those apart).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archlang.ir.values import BlockLayer, Tensor, next_serial
from archlang.ops import registry

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator
    from archlang.ir.scope import Scope

#: False: every block body runs (the reference tests/ir/test_bind_fast_paths.py compares with)
ENABLED = True
#: the most remembered applications per program (the table is emptied past it), and the
#: most remembered values of the decisions one of them reads
MAX_ENTRIES = 20_000
MAX_VARIANTS = 256

_MISSING = object()


class _NotPlain(Exception):
    pass


def _value_key(v: Any) -> Any:
    """A hashable key that tells `1`, `1.0` and `True` apart; refuses non-plain values."""
    t = type(v)
    if t is int or t is str or t is bool or t is float or v is None:
        return (t, v)
    if t is tuple:
        return tuple(_value_key(x) for x in v)
    raise _NotPlain


def _shape_key(shape: Any) -> Any:
    """A shape with what equality ignores: its lead, dtype and run-time sizes' names."""
    if type(shape) is tuple:
        if all(type(d) is int for d in shape):
            return shape
        return (tuple(shape), tuple(getattr(d, "name", None) for d in shape))
    return (tuple(shape), getattr(shape, "lead", None), getattr(shape, "dtype", None),
            tuple(getattr(d, "name", None) for d in shape))


class Recording:
    """What one application (or statement, ir/stmtmemo.py) did, gathered while it runs."""

    __slots__ = ("floor", "tainted", "reads", "instances", "events", "block")

    def __init__(self, floor: int, events: int, block: bool = True) -> None:
        self.floor = floor  # layers made before this serial were made outside the body
        self.tainted = False
        #: a block body's: the statements in it are not remembered one by one (stmtmemo)
        self.block = block
        self.events = events  # the recorder's event count when the body began (-1: none)
        self.reads: list[tuple[str, Any]] = []
        self.instances: list[tuple[str, Any]] = []


class Entry:
    __slots__ = ("keys", "values", "types", "nodes", "instances", "used", "result", "steps",
                 "quiet", "placed", "effect")

    def __init__(self, keys: tuple[str, ...], values: tuple[Any, ...], nodes: list[Any],
                 instances: list[tuple[str, Any]], used: list[tuple[str, Any]], result: Any,
                 steps: int, quiet: bool) -> None:
        self.keys, self.values, self.nodes = keys, values, nodes
        self.types = tuple(map(type, values))
        self.instances, self.used, self.result, self.steps = instances, used, result, steps
        #: made by a walk that records, whose recorder the body left alone
        self.quiet = quiet
        #: (at, kp, nodes, instances, used) with paths and keys made absolute at the place
        #: a statement's State replays it (`place`, ir/stmtmemo.py), for `redo` there
        self.placed: tuple[str, str, list[Any], list[Any], list[Any]] | None = None
        #: a statement's entry: the number of what its replay leaves in the frame
        #: (ir/stmtmemo.py `_effect`; None until asked)
        self.effect: int | None = None

    def place(self, at: str, kp: str) -> tuple[str, str, list[Any], list[Any], list[Any]]:
        """The entry's nodes, instances and used decisions at `at` / `kp` (`placed`)."""
        placed = self.placed
        if placed is None or placed[0] != at or placed[1] != kp:
            placed = self.placed = (
                at, kp, [(op, attrs, refs, shape, at + path, span, dtype, meta)
                         for op, attrs, refs, shape, path, span, dtype, meta in self.nodes],
                [(at + path, instance) for path, instance in self.instances],
                [(kp + k, v) for k, v in self.used])
        return placed


def memo_key(elab: Elaborator, layer: BlockLayer, tensors: list[Tensor], child: Scope) -> Any:
    """The key of this application, or None where it is not remembered."""
    if (not ENABLED or not elab.remember or elab.space_walk or elab.observer is not None
            or not child.active or layer.shared is not None):
        return None
    try:
        args = tuple((k, _value_key(v)) for k, v in layer.args.items())
    except _NotPlain:
        return None
    return (id(layer.block), child.keys is None, child.depth, child.copies, args,
            sources_key(tensors), registry.generation())


def _prefixes(child: Scope) -> tuple[str, str]:
    """What the paths of the nodes and instances of this application start with, and what
    its decisions' keys start with: an entry stores the rest, so that an equal application
    at another place (the next repeat copy, another cell) replays it too."""
    return child.path.partition(".")[2] + ".", child.key_path + "."


def _table(elab: Elaborator) -> dict[Any, tuple[Any, dict[tuple[str, ...], dict[Any, Entry]]]]:
    return elab.program.bind_caches.setdefault("block_memo", {})  # type: ignore[no-any-return]


def replay(elab: Elaborator, key: Any, layer: BlockLayer, tensors: list[Tensor],
           child: Scope) -> Any:
    """The result of a remembered application, its effects redone; None: not remembered."""
    hit = _table(elab).get(key)
    if hit is None or hit[0] is not layer.block:
        return None
    at, kp = _prefixes(child)
    entry = lookup(elab, hit[1], kp)
    if entry is None or (elab.recorder is not None and not entry.quiet):
        return None  # (not quiet: run it, for the recorder to see what it does)
    made = redo(elab, entry, tensors, at, kp)
    if made is None:
        return None
    return _rebuild(entry.result, tensors, made)


def lookup(elab: Elaborator, by_keys: dict[tuple[str, ...], dict[Any, Entry]],
           kp: str) -> Entry | None:
    """The entry whose decisions (keys relative to `kp`) this walk's assignment gives the
    values it was remembered with (of the same types: `1` is not `True`)."""
    assignment = elab.assignment
    assert assignment is not None
    get = assignment.get
    absolute = _ABSOLUTE.get(kp)
    if absolute is None:
        if len(_ABSOLUTE) >= MAX_ENTRIES:
            _ABSOLUTE.clear()
        absolute = _ABSOLUTE[kp] = {}
    for rel_keys, by_values in by_keys.items():
        keys = absolute.get(rel_keys)
        if keys is None:
            if len(absolute) >= MAX_ENTRIES:
                absolute.clear()
            keys = absolute[rel_keys] = tuple(kp + k for k in rel_keys)
        entry = entry_for(keys, by_values, get)
        if entry is not None:
            return entry
    return None


def entry_for(keys: tuple[str, ...], by_values: dict[Any, Entry],
              get: Any) -> Entry | None:
    """The entry of one group (`by_values`, its decisions' absolute `keys`) for the values
    `get` gives them, of the same types (`1` is not `True`); None where there is none."""
    if len(keys) == 1:  # (most code reads one decision: the same, spelled out)
        value = get(keys[0], _MISSING)
        try:
            entry = by_values.get((value,))
        except TypeError:  # an unhashable value: never remembered
            return None
        return entry if entry is not None and type(value) is entry.types[0] else None
    values = tuple([get(k, _MISSING) for k in keys])
    try:
        entry = by_values.get(values)
    except TypeError:
        return None
    return entry if entry is not None and tuple(map(type, values)) == entry.types else None


#: prefix -> relative keys -> the keys: made once, not on every lookup
_ABSOLUTE: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {}


def redo(elab: Elaborator, entry: Entry, sources: list[Tensor], at: str,
         kp: str) -> list[Any] | None:
    """Redo what `entry` remembers: its steps, nodes (reading `sources` where it read its
    own), instances and used decisions; the nodes made, or None where that would pass the
    walk's limits (then the caller runs the code, to stop where the limit is reached)."""
    if not elab.room_for(entry.steps, len(entry.nodes)):
        return None
    elab.steps += entry.steps
    graph = elab.graph
    stack = elab.memo_stack
    placed = entry.placed
    if placed is not None and placed[0] == at and placed[1] == kp:
        # (placed here before: paths and keys already absolute, `Entry.place`)
        nodes, instances, used_here = placed[2], placed[3], placed[4]
        at = kp = ""
    else:
        # (placed elsewhere, or never: a block's entry serves many places, each once a
        # bind, so it is placed as it goes, not kept)
        nodes, instances, used_here = entry.nodes, entry.instances, entry.used
    made = add_nodes(graph, nodes, sources, at)
    if instances:
        if at:
            instances = [(at + path, instance) for path, instance in instances]
        graph.instances.update(instances)
        if stack:
            stack[-1].instances.extend(instances)
    used = elab.used
    if stack:  # (`WalkState.use`, inlined)
        reads = stack[-1].reads
        assignment = elab.assignment
        for k, v in used_here:
            k = kp + k
            used[k] = v
            reads.append((k, assignment[k]))  # type: ignore[index]
    elif kp:
        for k, v in used_here:
            used[kp + k] = v
    else:
        used.update(used_here)
    return made


def add_nodes(graph: Any, nodes: list[Any], sources: list[Tensor], at: str) -> list[Any]:
    """Add an entry's `nodes` to `graph` under the path prefix `at` (empty where their paths
    are absolute already), reading `sources` where the entry read its own; the nodes made."""
    add = graph.add
    made: list[Any] = []
    for op, attrs, refs, shape, path, span, dtype, meta in nodes:
        node = add(op, [sources[i].node if new is False else made[i] for new, i in refs],
                   dict(attrs), shape, at + path, span, dtype)
        if meta:
            node.meta.update(meta)
        made.append(node)
    return made


def _rebuild(result: Any, tensors: list[Tensor], made: list[Any]) -> Any:
    if isinstance(result, tuple) and result and result[0] == "tuple":
        return tuple(_rebuild(r, tensors, made) for r in result[1])
    new, i, shape, dtype = result
    if new is None:
        return tensors[i]  # the block returned its input itself
    return Tensor(made[i], shape, dtype)


def start(elab: Elaborator) -> Recording:
    """Begin gathering what the body about to run does."""
    recorder = elab.recorder
    # every layer made from here on is the body's own
    rec = Recording(next_serial(), -1 if recorder is None else recorder.count)
    elab.memo_stack.append(rec)
    return rec


def finish(elab: Elaborator, rec: Recording, key: Any, layer: BlockLayer,
           tensors: list[Tensor], child: Scope, nodes_before: int, steps_before: int,
           requires_before: int, result: Any) -> None:
    """Remember the application that just ran without error, where nothing outside the
    key and the decisions it read can have changed what it built."""
    pop(elab, rec)
    if rec.tainted or len(elab.requires) != requires_before:
        return
    at, kp = _prefixes(child)
    captured = capture(elab, tensors, nodes_before, at)
    if captured is None:
        return
    nodes, index = captured
    try:
        described = _describe(result, tensors, index)
    except _NotPlain:
        return
    store(elab, _table(elab), key, layer.block, rec, kp, at, nodes, described,
          elab.steps - steps_before)


def pop(elab: Elaborator, rec: Recording) -> None:
    """End gathering for `rec`: what it saw, the recording around it saw too."""
    popped = elab.memo_stack.pop()
    assert popped is rec
    if elab.memo_stack:
        outer = elab.memo_stack[-1]
        outer.reads.extend(rec.reads)
        outer.instances.extend(rec.instances)


def capture(elab: Elaborator, sources: list[Tensor], nodes_before: int,
            at: str) -> tuple[list[Any], dict[int, int]] | None:
    """The nodes added since `nodes_before`, each input as "the i-th source" or "the j-th
    new node", paths relative to `at`; with the index of the new nodes. None where a node
    reads a tensor that is neither, or lies outside `at`."""
    new = elab.graph.nodes[nodes_before:]
    index = {id(n): j for j, n in enumerate(new)}
    inputs: dict[int, int] = {}
    for i, t in enumerate(sources):
        if t.node is not None:
            inputs.setdefault(id(t.node), i)  # the first source of a node: see `aliases`
    nodes = []
    for n in new:
        refs = []
        for x in n.inputs:
            if id(x) in index:
                refs.append((True, index[id(x)]))
            elif id(x) in inputs:
                refs.append((False, inputs[id(x)]))
            else:
                return None  # reads a tensor from outside: not remembered
        if not n.path.startswith(at):
            return None
        nodes.append((n.op, dict(n.attrs), tuple(refs), n.shape, n.path[len(at):], n.span,
                      n.dtype, dict(n.meta)))
    return nodes, index


def sources_key(tensors: list[Tensor]) -> tuple[Any, ...]:
    """What code reading these tensors can see of them: each one's shape and dtype, the
    first of them with its node (an entry reads "the i-th source" for a node that several
    share: ``blk(x, x)`` is not ``blk(x, y)``), and whether its node is a constant (an op
    of no inputs, such as `parameter`: a built-in op's unbatched-lead check leaves those
    out, ir/apply.py `_common_lead`). Nothing else of a node is read while it is used."""
    first: dict[int, int] = {}
    return tuple((source_key(t), first.setdefault(id(t.node), i))
                 for i, t in enumerate(tensors))


def source_key(t: Tensor) -> Any:
    """One tensor's part of `sources_key`, which node it shares with another aside."""
    spec = registry.OPS.get(t.node.op) if t.node is not None else None
    return (_shape_key(t.shape), t.dtype, spec is not None and spec.inputs == 0)


def store(elab: Elaborator, table: dict[Any, Any], key: Any, owner: Any, rec: Recording,
          kp: str, at: str, nodes: list[Any], result: Any, steps: int) -> Entry | None:
    """Remember an entry under `key` (kept with `owner`, whose identity a hit checks) for
    the values of the decisions `rec` read first; nothing where one of them is unhashable
    or lies outside `kp`, or an instance outside `at`. Returns the entry kept, if any."""
    first: dict[str, Any] = {}  # each decision once, with the value it was first read at
    for k, v in rec.reads:
        first.setdefault(k, v)
    keys, values = tuple(first), tuple(first.values())
    try:
        hash(values)
    except TypeError:  # a value given as a list (`subset`'s, from JSON): not remembered
        return None
    if not all(k.startswith(kp) for k in keys) or \
            not all(p.startswith(at) for p, _ in rec.instances):
        return None
    used = [(k[len(kp):], elab.used[k]) for k in keys]
    keys = tuple(k[len(kp):] for k in keys)
    instances = [(p[len(at):], i) for p, i in rec.instances]
    quiet = elab.recorder is not None and elab.recorder.count == rec.events
    entry = Entry(keys, values, nodes, instances, used, result, steps, quiet)
    if len(table) >= MAX_ENTRIES:
        table.clear()
    slot = table.setdefault(key, (owner, {}))
    by_values = slot[1].setdefault(keys, {})
    if len(by_values) < MAX_VARIANTS or values in by_values:  # (code that reads many
        # decisions rarely repeats; a recording walk's entry replaces an equal one)
        by_values[values] = entry
        return entry
    return None


def _describe(result: Any, tensors: list[Tensor], index: dict[int, int]) -> Any:
    if isinstance(result, tuple):
        return ("tuple", tuple(_describe(r, tensors, index) for r in result))
    if not isinstance(result, Tensor) or result.node is None:
        raise _NotPlain
    for i, t in enumerate(tensors):
        if result is t:
            return (None, i, None, None)
    if id(result.node) not in index:
        raise _NotPlain
    return (True, index[id(result.node)], result.shape, result.dtype)

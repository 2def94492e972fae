"""What a bind walk decided, where: the trace `to_arch` prints a decided network from.

Each event is keyed by the instance path and the AST node (by identity) that produced it,
and carries the loop context (which iteration of which `for` loops) it happened in, so a
printer can tell whether one line of source took one value everywhere or several.

A remembered statement (ir/stmtmemo.py) keeps the events its run added, so that a
recording walk can replay it too (`tap`, `untap`, `replay`): a statement whose events all
lie at its own instance path and loop context (no block instance, no repeat, no loop of
its own) adds the same events whenever it is replayed, as it adds the same nodes: the walk
is deterministic and the recorder only observes it. A bind walk that does not record taps
too, with a recorder of its own for the statement's run, where the statement's syntax calls
no block (`tappable`; with a recorder a block body is replayed only when it recorded
nothing), so that `to_arch`'s recording walk replays what the bind before it remembered;
only in a program one of whose members `to_arch` printed (a search that never prints pays
nothing for it).

A bind walk records too (`bind_recorder`, `keep`) where `to_arch` then reads what it
recorded instead of walking again (`recorded`): the bind after a print of a member of a
network whose top-level statements all call no block and hold no `repeat` and that applied
no block, so a walk with a recorder replays just what one without does (the block memo and
the statement memo differ with a recorder only for block applications and statements that
are not `tappable`; it keeps the body `State` too, its steps replaying the events an
entry kept, ir/stmtmemo.py `_replay_step`, and running a statement whose entry kept none;
only the bind after a print records). The recorder is kept beside the graph the walk built,
weakly, for as long as the graph lives (never pickled: its events are keyed by the ids of
this process's nodes).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from archlang.ir.builtins import BUILTINS
from archlang.ops import registry
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator

#: ((id of a `for` node, iteration), ...) from the outermost loop in
LoopCtx = tuple[tuple[int, int], ...]


class Trail:
    """What a walk asks of a recorder, and every event in the order it came; a tap in a
    walk without a recorder records with one of these (nothing reads its events by place)."""

    __slots__ = ("instances", "loop_ctx", "count", "trail")

    def __init__(self) -> None:
        #: instance path -> the block it instantiates
        self.instances: dict[str, Any] = {}
        self.loop_ctx: LoopCtx = ()
        #: how many events were added (the block memo asks whether a body added any)
        self.count = 0
        #: (path, node, loop context, value) per event
        self.trail: list[tuple[str, Any, LoopCtx, Any]] = []

    def add(self, path: str, node: Any, value: Any, ctx: LoopCtx | None = None) -> None:
        self.count += 1
        self.trail.append((path, node, self.loop_ctx if ctx is None else ctx, value))


class Recorder(Trail):
    __slots__ = ("events",)

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[tuple[str, int], list[tuple[LoopCtx, Any]]] = defaultdict(list)

    def add(self, path: str, node: Any, value: Any, ctx: LoopCtx | None = None) -> None:
        ctx = self.loop_ctx if ctx is None else ctx
        self.events[(path, id(node))].append((ctx, value))
        Trail.add(self, path, node, value, ctx)

    def values(self, path: str, node: Any, pattern: dict[int, int | None]) -> list[Any]:
        """The values recorded for `node` in `path` whose loop context fits `pattern`
        (a loop id absent from the pattern, or mapped to None, matches any iteration)."""
        events = self.events.get((path, id(node)), ())
        if not pattern:  # (every context fits)
            return [value for _, value in events]
        out = []
        for ctx, value in events:
            if all(pattern.get(loop) in (None, it) for loop, it in ctx):
                out.append(value)
        return out


#: a statement's run being tapped: (the recorder, its trail's and instances' lengths
#: before, whether the recorder is the tap's own)
Tap = tuple[Trail, int, int, bool]

_HYPER = frozenset(A.HYPER_NAMES)


def recording_nodes(elab: Any, stmt: A.Stmt) -> tuple[Any, ...] | None:
    """The nodes of `stmt` that record events (its hyper primitives and conditional
    expressions), where its syntax calls only ops, hyper primitives and builtins and holds
    no `repeat`; else None. Then its events are worth gathering (`tap`: a `repeat`'s
    events name its copies' paths, and a block applied under a tap in a walk without a
    recorder would run its body where it could replay it), and its rewrite depends on the
    values recorded for these nodes alone (`specialize`). Kept per statement and op
    registry generation (the entry holds the statement)."""
    caches = elab.program.bind_caches
    table = caches.get("record_nodes")
    if table is None:
        table = caches["record_nodes"] = {}
    hit = table.get(id(stmt))
    if hit is not None and hit[0] is stmt and hit[1] == registry.generation():
        return hit[2]  # type: ignore[no-any-return]
    nodes: list[Any] | None = []
    for n in A.walk(stmt):
        if isinstance(n, A.Call) and n.func in _HYPER or isinstance(n, A.CondExpr):
            nodes.append(n)  # type: ignore[union-attr]
        elif isinstance(n, A.Repeat) or isinstance(n, A.Call) and not (
                n.func in BUILTINS or n.func in registry.OPS):
            nodes = None
            break
    if len(table) >= 20_000:
        table.clear()
    found = None if nodes is None else tuple(nodes)
    table[id(stmt)] = (stmt, registry.generation(), found)
    return found


def tappable(elab: Elaborator, stmt: A.Stmt) -> bool:
    """Whether `stmt`'s events are worth gathering (`recording_nodes`)."""
    return recording_nodes(elab, stmt) is not None


def tap(elab: Elaborator, stmt: A.Stmt) -> Tap | None:
    """Begin gathering the events of `stmt`, about to run: with the walk's recorder, or
    with one of the tap's own in a walk without one; None: not `tappable`, not tapped."""
    rec = elab.recorder
    if rec is None and "printing" not in elab.program.bind_caches or \
            not tappable(elab, stmt):
        return None  # (a walk without a recorder taps once `to_arch` printed a member)
    if rec is None:
        rec = elab.recorder = Trail()  # type: ignore[assignment]
        return (rec, 0, 0, True)
    return (rec, len(rec.trail), len(rec.instances), False)


def untap(elab: Elaborator, tapped: Tap | None, path: str) -> tuple[tuple[Any, Any], ...] | None:
    """End the tap: the statement's events as (node, value) pairs, or None where one of
    them lies elsewhere than at `path` in the current loop context, or it noted an instance
    (then a recording walk runs the statement instead of replaying it)."""
    if tapped is None:
        return None
    rec, start, instances, own = tapped
    if own:
        elab.recorder = None
    if len(rec.instances) != instances:
        return None
    ctx = rec.loop_ctx
    trail = rec.trail[start:] if start else rec.trail
    if any(p != path or c != ctx for p, _, c, _ in trail):
        return None
    return tuple([(node, value) for _, node, _, value in trail])


def picked_first(events: tuple[tuple[Any, Any], ...] | None,
                 picked: tuple[str, int]) -> tuple[tuple[Any, Any], ...] | None:
    """The events of a statement remembered by the input choice it starts with (its
    entry serves each candidate whose tensor reads the same, ir/stmtmemo.py `_pick`):
    as they are where the first is that choice taking candidate `picked[1]` (`replay`
    names the candidate taken instead), else None."""
    if not events:
        return None
    node, value = events[0]
    if not (isinstance(node, A.Call) and node.func == "choice" and not node.kwargs
            and 0 <= picked[1] < len(node.args) and value is node.args[picked[1]]):
        return None
    return events


def replay(elab: Elaborator, path: str, events: tuple[tuple[Any, Any], ...],
           picked: tuple[str, int] | None = None) -> None:
    """Add the events a remembered statement added when it ran (`untap`) again; with
    `picked`, its first names candidate `picked[1]` of its input choice (`picked_first`)."""
    rec = elab.recorder
    assert rec is not None
    for i, (node, value) in enumerate(events):
        rec.add(path, node, node.args[picked[1]] if i == 0 and picked is not None else value)


#: False: every `to_arch` walks again (the reference the tests compare `recorded` with)
KEEP = True

#: the graph a bind walk built -> that walk's recorder (`keep`)
_KEPT: weakref.WeakKeyDictionary[Any, Recorder] = weakref.WeakKeyDictionary()


def bind_recorder(program: Any, net: A.NetworkDef) -> Recorder | None:
    """A recorder for a bind walk of network `net` of `program`, where `to_arch` may read
    it instead of walking again (module docstring): where the last print of a member of
    `net` found that it may (`note_print`) and a member was printed since the last bind
    of `net` (a search that prints now and then keeps the bind walk that records nothing,
    ir/stmtmemo.py `State`; one that prints each member it binds records in each bind)."""
    table = program.bind_caches.get("print_flat")
    hit = table.get(id(net)) if table is not None else None
    if hit is None or hit[0] is not net or not hit[2]:
        return None
    hit[2] = False
    return Recorder() if hit[1] and KEEP else None


def note_print(program: Any, net: A.NetworkDef, flat: bool) -> None:
    """A member of `net` was printed; whether the next bind of `net` may record for
    `to_arch` (`bind_recorder`). The entry holds the network, so its id cannot be reused
    while it stands."""
    program.bind_caches.setdefault("print_flat", {})[id(net)] = [net, flat, True]


def keep(elab: Elaborator) -> None:
    """Keep what a finished bind walk recorded beside the graph it built (`recorded`)."""
    if type(elab.recorder) is Recorder:
        _KEPT[elab.graph] = elab.recorder


def recorded(graph: Any) -> Recorder | None:
    """What the bind walk that built `graph` recorded, where it recorded (`keep`)."""
    return _KEPT.get(graph) if KEEP else None

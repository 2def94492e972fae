"""The canonical form of a concrete graph: equal networks give equal forms, whatever their order.

`Graph.canonical()` (and so `Arch.hash`) calls `canonical_form`. Two graphs get the same form
when they are the same network up to

* the order in which independent nodes were created (two parallel branches written in
  either order, a DAG wired through input choices in any node numbering);
* the order of the inputs of a commutative op (`OpSpec.commutative`: `add`, `mul`; never
  `concat`, whose order changes the result), and how an associative op is grouped
  (`OpSpec.associative`): ``(a + b) + c`` is ``a + (b + c)`` is ``add(a, b, c)`` when the
  inner sums are used nowhere else;
* nodes that compute nothing (`OpSpec.transparent`: `identity()`, `dropout(0.0)`) are
  looked through, so ``x -> identity() -> relu()`` is ``x -> relu()``;
* nodes the output does not depend on (the bind walk prunes them; they are skipped here
  too), and the input of an op whose output is all zeros (`OpSpec.zeros`: `zero()`), which
  is a constant of its shape; the bound graph has already dropped zero terms from sums
  (`archlang.ir.zeros`).

How: every live node gets a structural digest in Weisfeiler-Lehman-like passes, bottom up
(its op, attributes and its inputs' digests, sorted for commutative ops) and, when two
nodes share one, top down as well (its users' digests and the argument position it takes
in each). Nodes are then numbered in a canonical topological order: of the nodes whose
inputs are numbered, the next is the least by (digest, its inputs' numbers). The form
lists each node, in that order, with its inputs' numbers, so it records the exact wiring (a
layer used twice is not two layers) and is exact: different networks never share it. Only
nodes with equal digests that read the same numbers are left in creation order; should such
twins not be interchangeable, two equal networks could get different forms (a missed
duplicate, never a false one). Network inputs keep their declared order: they are the
module's signature.

The digests are BLAKE2 of text (never Python's salted `hash()`), so the form and the hash
are the same in every process and on every machine.
"""


from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import operator
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from archlang.ops import OPS  # the package import registers every builtin op
from archlang.ops.registry import generation

if TYPE_CHECKING:
    from archlang.ir.graph import Graph, Node

_PLAIN = frozenset({int, bool, str, type(None)})
_FLOATS = _PLAIN | {float}
_blake2b = hashlib.blake2b


def is_transparent(node: Node) -> bool:
    """True for a node that returns its only input unchanged (in eval and in training)."""
    spec = OPS.get(node.op)  # None for the graph's inputs
    return spec is not None and spec.is_transparent(node.attrs)


def canonical_form(graph: Graph) -> list[Any]:
    """``[["input", shape, dtype]..., [op, [input numbers], attrs]..., ["output", number]]``."""
    form: list[Any] = [["input", list(n.shape), n.dtype] for n in graph.inputs]
    nodes, infos, order, numbers, out = _canonical(graph)
    form.extend([infos[i].op.identity, numbers[i], _jsonable_attrs(nodes[i])] for i in order)
    form.append(["output", out])
    return form


def canonical_text(graph: Graph) -> str:
    """``json.dumps(canonical_form(graph), sort_keys=True, separators=(",", ":"))``, built
    from text cached per op and per attributes: what `Graph.hash` hashes, on every trial.

    Remembered per structure (`MEMO`): a graph whose nodes have the same ops, attributes
    and dtypes (the same cached `_Info`), read the same positions of ``inputs + nodes``, with
    the same input shapes and output, has the same text, so a search that binds an equal
    network again (most of its trials, in a space with dead nodes) reads the text back
    after one pass over the nodes instead of digesting and numbering them again."""
    _fresh_caches()
    output = graph.output
    if not MEMO or output is None:
        return _text(graph)
    inputs = graph.inputs
    every = inputs + graph.nodes
    pos: dict[int, int] = {}
    infos = []
    #: how many inputs; each node's info serial and what it reads (a position or several);
    #: the output's position; the inputs' shapes
    key: list[Any] = [len(inputs)]
    append = key.append
    try:
        for i, n in enumerate(every):
            pos[id(n)] = i
            info = _info(n)
            if info.serial < 0:  # not kept: its serial names nothing
                return _text(graph)
            infos.append(info)
            append(info.serial)
            xs = n.inputs
            append(pos[id(xs[0])] if len(xs) == 1 else tuple([pos[id(x)] for x in xs]))
        append(pos[id(output)])
    except KeyError:  # a node read before it is created, or from outside the graph
        return _text(graph)
    for n in inputs:
        append(shape := tuple(n.shape))
        for d in shape:
            if type(d) is not int:
                return _text(graph)
    memo_key = tuple(key)
    entry = _TEXTS.get(memo_key)
    if entry is not None and not _ops_stale(entry[1]):
        return entry[0]
    text = _text(graph, (pos, infos))
    _TEXTS[memo_key] = (text, tuple({id(info.op): info.op for info in infos}.values()))
    _MEMO_NODES[0] += len(every)
    return text


def _text(graph: Graph, read: tuple[dict[int, int], list[_Info]] | None = None) -> str:
    """`canonical_text` computed (`read`: the positions and infos of ``inputs + nodes``
    when already made)."""
    nodes, infos, order, numbers, out = _canonical(graph, read)
    parts = [_input(i, n)[1] for i, n in enumerate(graph.inputs)]
    for i in order:
        info = infos[i]
        text = info.text if info.text is not None else _json(_jsonable_attrs(nodes[i]))
        parts.append(f"[{info.op.name_text},[{','.join(map(str, numbers[i]))}],{text}]")
    parts.append(f'["output",{out}]')
    return f"[{','.join(parts)}]"


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# ------------------------------------------------------------ what is read once per op / attrs

class _Op(NamedTuple):
    """What the form reads of an op's spec (None for the graph's inputs and unknown ops)."""

    spec: Any
    identity: str  # `OpSpec.identity`: a user op with its class
    name_text: str  # the identity as JSON text
    commutative: bool
    associative: bool
    zeros: bool
    #: what it was read from, to tell when a spec was changed in place (`_stale`)
    read: tuple[Any, ...]


_read_spec = operator.attrgetter("commutative", "associative", "zeros", "origin",
                                 "transparent", "params", "name")


def _spec_fields(spec: Any) -> tuple[Any, ...]:
    return () if spec is None else _read_spec(spec)


class _Info(NamedTuple):
    """What the form reads of one node, a function of its op, attributes and dtype (and a
    zero's shape), so shared by every node that has them."""

    op: _Op
    transparent: bool
    prefix: bytes  # the start of its digest's text: op, attributes, dtype
    text: str | None  # its attributes (as the form lists them) as JSON; None: not JSON-able
    #: a number no other info of this process has: kept in `_INFOS` (the memo of
    #: `canonical_text` keys by it); -1 for an info not kept (its key could not be made)
    serial: int


#: op name -> `_Op`; (op, dtype, attribute types, attributes...) -> `_Info` (a zero's key
#: also holds its shape); digest text -> digest; an input's (position, shape, dtype) -> its
#: digest and JSON; a graph's structure (`canonical_text`'s key) -> its text. All are
#: emptied when the op registry changes (`generation`: an op may be replaced by another),
#: when one grows past `_MAX_CACHED`, or when the texts' graphs hold more than
#: `_MAX_MEMO_NODES` nodes in all.
_OPS: dict[str, _Op] = {}
_INFOS: dict[Any, _Info] = {}
_DIGESTS: dict[tuple[bytes, ...], bytes] = {}
_INPUTS: dict[Any, tuple[bytes, str]] = {}
_TEXTS: dict[tuple[Any, ...], tuple[str, tuple[_Op, ...]]] = {}
_GENERATION = [-1]
_MAX_CACHED = 1 << 16
_MAX_MEMO_NODES = 1 << 18
_MEMO_NODES = [0]  # nodes of the graphs whose texts `_TEXTS` holds
_SERIALS = itertools.count()

#: False: `canonical_text` computes every text (the reference tests/ir/test_hash_memo.py
#: compares the memo against)
MEMO = True


def _fresh_caches() -> None:
    if _GENERATION[0] != generation() or len(_INFOS) > _MAX_CACHED or \
            len(_DIGESTS) > _MAX_CACHED or len(_INPUTS) > _MAX_CACHED or \
            _MEMO_NODES[0] > _MAX_MEMO_NODES:
        for cache in (_OPS, _INFOS, _DIGESTS, _INPUTS, _TEXTS):
            cache.clear()
        _MEMO_NODES[0] = 0
        _GENERATION[0] = generation()


def _digest(parts: tuple[bytes, ...]) -> bytes:
    """BLAKE2 of the parts joined by ";" (16 bytes), remembered: equal sub-networks recur
    from trial to trial."""
    d = _DIGESTS.get(parts)
    if d is None:
        d = _DIGESTS[parts] = _blake2b(b";".join(parts), digest_size=16).digest()
    return d


def _input(i: int, node: Node) -> tuple[bytes, str]:
    """A network input's digest and its entry of the form as JSON."""
    shape = tuple(node.shape)
    key = (i, shape, node.dtype)
    plain = type(node.dtype) is str and all(type(d) is int for d in shape)
    entry = _INPUTS.get(key) if plain else None
    if entry is None:
        entry = (_blake2b(f"input|{i}|{list(node.shape)}|{node.dtype}".encode(),
                          digest_size=16).digest(),
                 _json(["input", list(node.shape), node.dtype]))
        if plain:
            _INPUTS[key] = entry
    return entry


def _op(name: str) -> _Op:
    entry = _OPS.get(name)
    if entry is None:
        spec = OPS.get(name)
        identity = spec.identity if spec is not None else name
        entry = _OPS[name] = _Op(spec, identity, json.dumps(identity),
                                 spec is not None and spec.commutative,
                                 spec is not None and spec.associative,
                                 spec is not None and spec.zeros, _spec_fields(spec))
    return entry


def _stale(infos: list[_Info]) -> bool:
    """Whether an op these infos were read from is no longer what the registry holds (a
    spec changed in place, `object.__setattr__` on the frozen dataclass: tests do it)."""
    return _ops_stale({id(info.op): info.op for info in infos}.values())


def _ops_stale(ops: Iterable[_Op]) -> bool:
    """`_stale` of these (distinct) ops."""
    for op in ops:
        spec = op.spec
        if spec is not OPS.get(spec.name if spec is not None else op.identity) or \
                _spec_fields(spec) != op.read:
            return True
    return False


def _info(node: Node) -> _Info:
    attrs = node.attrs
    key: Any
    if not attrs:
        key = (node.op, node.dtype, ())
    else:
        types = tuple(map(type, attrs.values()))
        if _PLAIN.issuperset(types):  # ints, bools, strings: the types tell 1 from True
            key = (node.op, node.dtype, types, *attrs.items())
        elif _FLOATS.issuperset(types) and _plain_floats(attrs):
            key = (node.op, node.dtype, types, *attrs.items())
        else:
            key = _typed_key(node.op, node.dtype, attrs)
    info = _INFOS.get(key) if key is not None else None
    if info is not None and not info.op.zeros:
        return info
    op = _op(node.op)
    if op.zeros and key is not None:  # its shape is part of its attributes
        shape = tuple(node.shape)
        key = (key, shape) if all(type(d) is int for d in shape) else None
        info = _INFOS.get(key) if key is not None else None
    if info is None:
        spec = op.spec
        at = _jsonable_attrs(node)
        try:
            text: str | None = _json(at)
        except (TypeError, ValueError):  # `Graph.hash` raises it where it did
            text = None
        info = _Info(op, spec is not None and spec.is_transparent(attrs),
                     f"{op.identity}|{at!r}|{node.dtype}".encode(), text,
                     next(_SERIALS) if key is not None else -1)
        if key is not None:
            _INFOS[key] = info
    return info


def _plain_floats(attrs: dict[str, Any]) -> bool:
    """Whether no float of `attrs` is a zero or a NaN: a float key then equals only the
    same float (``0.0 == -0.0`` prints apart; a NaN equals nothing), so the plain key
    serves."""
    for v in attrs.values():
        if type(v) is float and not (v and v == v):
            return False
    return True


def _typed_key(op: str, dtype: str, attrs: dict[str, Any]) -> Any:
    """A cache key that tells apart values Python calls equal but the form prints apart
    (``1``, ``1.0``, ``True``; ``0.0`` and ``-0.0``); None for values it cannot key."""
    out = []
    for k, v in attrs.items():
        typed = _typed(v)
        if typed is None:
            return None
        out.append((k, typed))
    return (op, dtype, tuple(out))


def _typed(v: Any) -> Any:
    t = type(v)
    if t in _PLAIN:
        return (t, v)
    if t is float:
        return (t, v.hex())
    if t is tuple:
        items = [_typed(x) for x in v]
        return None if None in items else (t, tuple(items))
    return None


# ------------------------------------------------------------ the form

def _canonical(graph: Graph, read: tuple[dict[int, int], list[_Info]] | None = None
               ) -> tuple[list[Node], list[_Info], list[int], list[list[int]], int]:
    """The live op nodes, their infos, their indices in canonical order, each one's inputs'
    numbers, and the output's number (`read`: `_live_forward`'s positions and infos, when
    the caller made them)."""
    if read is None:
        _fresh_caches()
    if graph.output is None:
        return [], [], [], [], -1
    k = len(graph.inputs)
    nodes, infos, args, out = _live_forward(graph, read) or _live(graph)
    if _stale(infos):  # read again, from the registry as it is now
        _GENERATION[0] = -1
        _fresh_caches()
        nodes, infos, args, out = _live_forward(graph) or _live(graph)
    if not nodes:
        return nodes, infos, [], [], next(i for i, n in enumerate(graph.inputs) if n is out)
    down = _down_digests(graph, infos, args)
    key = down[k:]
    distinct = len(set(key)) == len(key)
    if not distinct:  # structurally equal nodes: tell them apart by their users
        key = _up_digests(infos, args, down)
        distinct = len(set(key)) == len(key)
    order, numbers = _number(infos, args, key, k, distinct)
    return nodes, infos, order, numbers, k + len(nodes) - 1


def _number(infos: list[_Info], args: list[list[int]], key: list[bytes], k: int,
            distinct: bool) -> tuple[list[int], list[list[int]]]:
    """A canonical topological numbering (Kahn's algorithm): of the nodes whose inputs are
    numbered, the next is the least by (digest, its inputs' numbers), so that twins (equal
    digests) are told apart by what they read; only twins reading the same numbers are left
    to creation order. Returns the nodes in that order (node ``order[m]`` is number ``k +
    m``) and each one's inputs' numbers. `distinct`: no two digests are equal, so the
    digest alone orders the nodes (the same order, without the inputs' numbers in the heap).
    """
    n = len(infos)
    number = [-1] * n
    waiting = [0] * n
    users: list[list[int]] = [[] for _ in range(n)]
    for i, a_ in enumerate(args):
        for j in set(a_) if len(a_) > 1 else a_:
            if j >= k:
                users[j - k].append(i)
                waiting[i] += 1
    numbers: list[list[int]] = [[]] * n
    commutative = [info.op.commutative for info in infos]

    def numbered(i: int) -> list[int]:
        """Node i's inputs' numbers (sorted for a commutative op)."""
        out = [a if a < k else number[a - k] for a in args[i]]
        if commutative[i]:
            out.sort()
        return out

    order: list[int] = []
    pop, push = heapq.heappop, heapq.heappush
    if distinct:
        ready: list[Any] = [(key[i], i) for i in range(n) if waiting[i] == 0]
        heapq.heapify(ready)
        while ready:
            i = pop(ready)[1]
            number[i] = k + len(order)
            numbers[i] = numbered(i)
            order.append(i)
            for u in users[i]:
                waiting[u] -= 1
                if waiting[u] == 0:
                    push(ready, (key[u], u))
        return order, numbers
    ready = [(key[i], numbered(i), i) for i in range(n) if waiting[i] == 0]
    heapq.heapify(ready)
    while ready:
        _, numbers_i, i = pop(ready)
        number[i], numbers[i] = k + len(order), numbers_i
        order.append(i)
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                push(ready, (key[u], numbered(u), u))
    return order, numbers


def _live_forward(graph: Graph, read: tuple[dict[int, int], list[_Info]] | None = None
                  ) -> tuple[list[Node], list[_Info], list[list[int]], Node] | None:
    """`_live` in one pass over ``graph.inputs + graph.nodes`` by position, no walk: for a
    graph whose every node reads only earlier ones (the bind walk's, in creation order).
    None for any other graph (a node read before it is created, or from outside the graph;
    a transparent node with no input), which `_live` then handles. `read`: each node's
    position (by id) and info, when the caller made them."""
    inputs, gnodes = graph.inputs, graph.nodes
    k = len(inputs)
    every_node = inputs + gnodes
    if read is None:
        pos = dict(zip(map(id, every_node), range(len(every_node))))
        infos: list[Any] = list(map(_info, every_node))
    else:
        pos, infos = read
    res = list(range(len(every_node)))  # each position, looked through transparent nodes
    reads: list[Any] = [()] * len(res)
    try:
        for i in range(k, len(every_node)):
            info = infos[i]
            xs = every_node[i].inputs
            if info.transparent:
                if not xs:
                    return None
                j = pos[id(xs[0])]
                if j >= i:
                    return None
                res[i] = res[j]
            elif xs and not info.op.zeros:
                reads[i] = r = [res[pos[id(x)]] for x in xs]
                if max(r) >= i:
                    return None
        out = res[pos[id(graph.output)]]
    except KeyError:
        return None
    users = [0] * len(res)
    users[out] = 1
    for i in range(out, k - 1, -1):
        if users[i]:
            for j in reads[i]:
                users[j] += 1
    live = every = [i for i in range(k, out + 1) if users[i]]
    merged = set()
    for i in live:
        op = infos[i].op
        if op.associative:
            merged.update(j for j in reads[i] if infos[j].op is op and users[j] == 1 and j != out)
    if merged:
        live = [i for i in live if i not in merged]
    where = list(range(k)) + [-1] * len(gnodes)
    for at, i in enumerate(live, k):
        where[i] = at
    if not merged:
        args = [[where[j] for j in reads[i]] for i in live]
    else:  # a merged node's operands, already expanded, take its place in its user's
        args, expanded = [], {}
        for i in every:
            a: list[int] = []
            for j in reads[i]:
                if j in merged:
                    a.extend(expanded[j])
                else:
                    a.append(where[j])
            if i in merged:
                expanded[i] = a
            else:
                args.append(a)
    return ([gnodes[i - k] for i in live], [infos[i] for i in live], args,
            gnodes[out - k] if out >= k else inputs[out])


def _live(graph: Graph) -> tuple[list[Node], list[_Info], list[list[int]], Node]:
    """The op nodes the output depends on, in creation (topological) order, the output last,
    with their infos and each one's inputs as positions in ``graph.inputs + nodes``, and the
    output (looked through). Transparent nodes are looked through (a zero reads no input),
    and a node of an associative op (`add`) used only by a node of the same op is merged
    into it."""
    seen: dict[int, _Info] = {}

    def resolve(x: Node) -> Node:
        while True:
            info = seen.get(id(x))
            if info is None:
                info = seen[id(x)] = _info(x)
            if not (info.transparent and x.inputs):
                return x
            x = x.inputs[0]

    assert graph.output is not None
    out = resolve(graph.output)
    reads: dict[int, list[Node]] = {}
    users: dict[int, int] = {id(out): 1}
    stack = [out]
    while stack:
        n = stack.pop()
        reads[id(n)] = xs = [] if seen[id(n)].op.zeros else [resolve(x) for x in n.inputs]
        for x in xs:
            if id(x) in users:
                users[id(x)] += 1
            else:
                users[id(x)] = 1
                stack.append(x)
    live = [n for n in graph.nodes if id(n) in users]
    merged = set()
    for n in live:
        op = seen[id(n)].op
        if op.associative:
            merged.update(id(x) for x in reads[id(n)]
                          if x.op == n.op and users[id(x)] == 1 and x is not out)
    nodes = [n for n in live if not (id(n) in merged or n is out or seen[id(n)].transparent)]
    if out.op != "input":
        nodes.append(out)
    where = {id(n): i for i, n in enumerate(graph.inputs)}
    where.update((id(n), len(graph.inputs) + i) for i, n in enumerate(nodes))
    if merged:
        args = [[where[id(x)] for x in _operands(n, merged, reads)] for n in nodes]
    else:
        args = [[where[id(x)] for x in reads[id(n)]] for n in nodes]
    return nodes, [seen[id(n)] for n in nodes], args, out


def _operands(node: Node, merged: set[int], reads: dict[int, list[Node]]) -> list[Node]:
    """`node`'s inputs, looking through transparent nodes and merged adds (muls)."""
    out: list[Node] = []
    for x in reads[id(node)]:
        if id(x) in merged:
            out.extend(_operands(x, merged, reads))
        else:
            out.append(x)
    return out


def _down_digests(graph: Graph, infos: list[_Info], args: list[list[int]]) -> list[bytes]:
    """Bottom up: what each node computes from the network inputs (inputs first)."""
    down = [_input(i, n)[0] for i, n in enumerate(graph.inputs)]
    for info, a in zip(infos, args):
        ins = [down[j] for j in a]
        if info.op.commutative:
            ins.sort()
        down.append(_digest((info.prefix, *ins)))
    return down


def _up_digests(infos: list[_Info], args: list[list[int]], down: list[bytes]) -> list[bytes]:
    """Top down: each node's own digest with how the rest of the network uses it."""
    k = len(down) - len(infos)
    uses: list[list[bytes]] = [[] for _ in infos]
    uses[-1].append(b"output")
    up = [b""] * len(infos)
    for i in range(len(infos) - 1, -1, -1):
        up[i] = u = _digest((down[k + i], *sorted(uses[i])))
        commutative = infos[i].op.commutative
        for pos, j in enumerate(args[i]):
            if j >= k:
                uses[j - k].append(u + (b"*" if commutative else _position(pos)))
    return up


_POSITIONS = [str(i).encode() for i in range(64)]


def _position(pos: int) -> bytes:
    return _POSITIONS[pos] if pos < 64 else str(pos).encode()


def _jsonable_attrs(node: Node) -> dict[str, Any]:
    spec = OPS.get(node.op)
    omitted = _omitted_defaults(spec) if spec else {}
    out = {k: v if type(v) in _PLAIN else _jsonable(v) for k, v in sorted(node.attrs.items())
           if not (k in omitted and _same_value(v, omitted[k]))}
    if spec is not None and spec.zeros:  # a constant: its shape is all it has (no input)
        out["shape"] = list(node.shape)
    return out


#: id(spec) -> (spec, its defaults the hash leaves out): computed once per op, not per node
_OMITTED: dict[int, tuple[Any, dict[str, Any]]] = {}


def _omitted_defaults(spec: Any) -> dict[str, Any]:
    entry = _OMITTED.get(id(spec))
    if entry is None or entry[0] is not spec:  # a new op, or another under a reused id
        omitted = {p.name: p.default for p in spec.params if p.omit_default}
        entry = _OMITTED[id(spec)] = (spec, omitted)
    return entry[1]


def _same_value(v: Any, default: Any) -> bool:
    return type(v) is type(default) and v == default


def _jsonable(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and v.is_integer():
        return {"f": v}
    return v

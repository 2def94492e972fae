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
from typing import TYPE_CHECKING, Any

from archlang.ops import OPS  # the package import registers every builtin op

if TYPE_CHECKING:
    from archlang.ir.graph import Graph, Node

_PLAIN = frozenset({int, bool, str, type(None)})


def is_transparent(node: Node) -> bool:
    """True for a node that returns its only input unchanged (in eval and in training)."""
    spec = OPS.get(node.op)  # None for the graph's inputs
    return spec is not None and spec.is_transparent(node.attrs)


def _commutative(node: Node) -> bool:
    spec = OPS.get(node.op)
    return spec is not None and spec.commutative


def _constant_zero(node: Node) -> bool:
    spec = OPS.get(node.op)
    return spec is not None and spec.zeros


def _associative(node: Node) -> bool:
    spec = OPS.get(node.op)
    return spec is not None and spec.associative


def _identity(node: Node) -> str:
    """The op as the hash names it (`OpSpec.identity`: a user op with its class)."""
    spec = OPS.get(node.op)
    return spec.identity if spec is not None else node.op


def canonical_form(graph: Graph) -> list[Any]:
    """``[["input", shape, dtype]..., [op, [input numbers], attrs]..., ["output", number]]``."""
    form: list[Any] = [["input", list(n.shape), n.dtype] for n in graph.inputs]
    if graph.output is None:
        return [*form, ["output", -1]]
    k = len(graph.inputs)
    nodes, args = _live(graph, _resolve(graph.output))
    attrs = [_jsonable_attrs(n) for n in nodes]
    down = _down_digests(graph, nodes, args, attrs)
    key = down[k:]
    if len(set(key)) < len(key):  # structurally equal nodes: tell them apart by their users
        key = _up_digests(nodes, args, down)
    number, numbers = _number(nodes, args, key, k)
    for i in sorted(range(len(nodes)), key=number.__getitem__):
        form.append([_identity(nodes[i]), numbers[i], attrs[i]])
    form.append(["output", number[-1] if nodes else _input_of(graph)])
    return form


def _numbers(node: Node, args: list[int], number: list[int], k: int) -> list[int]:
    """The numbers of a node's inputs (sorted for a commutative op)."""
    out = [a if a < k else number[a - k] for a in args]
    if _commutative(node):
        out.sort()
    return out


def _number(nodes: list[Node], args: list[list[int]], key: list[bytes],
            k: int) -> tuple[list[int], list[list[int]]]:
    """A canonical topological numbering (Kahn's algorithm): of the nodes whose inputs are
    numbered, the next is the least by (digest, its inputs' numbers), so that twins (equal
    digests) are told apart by what they read; only twins reading the same numbers are left
    to creation order. Returns each node's number and its inputs' numbers."""
    number = [-1] * len(nodes)
    waiting = [len({a for a in a_ if a >= k}) for a_ in args]
    users: list[list[int]] = [[] for _ in nodes]
    for i, a_ in enumerate(args):
        for j in {a for a in a_ if a >= k}:
            users[j - k].append(i)
    ready = [(key[i], _numbers(nodes[i], args[i], number, k), i)
             for i in range(len(nodes)) if waiting[i] == 0]
    heapq.heapify(ready)
    count, numbers = k, [[] for _ in nodes]
    while ready:
        _, numbers_i, i = heapq.heappop(ready)
        number[i], numbers[i], count = count, numbers_i, count + 1
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, (key[u], _numbers(nodes[u], args[u], number, k), u))
    return number, numbers


def _resolve(node: Node) -> Node:
    while is_transparent(node) and node.inputs:
        node = node.inputs[0]
    return node


def _live(graph: Graph, out: Node) -> tuple[list[Node], list[list[int]]]:
    """The op nodes `out` depends on, in creation (topological) order, `out` last, with each
    one's inputs as positions in ``graph.inputs + nodes``. Transparent nodes are looked
    through, and a node of an associative op (`add`) used only by a node of the same op is
    merged into it."""
    # NOTE: each node's looked-through inputs are found once here and reused below: the
    # hash runs on every trial, and asking the op registry per edge three times showed.
    reads: dict[int, list[Node]] = {}
    users: dict[int, int] = {id(out): 1}
    stack = [out]
    while stack:
        n = stack.pop()
        reads[id(n)] = xs = [_resolve(x) for x in _inputs(n)]
        for x in xs:
            users[id(x)] = users.get(id(x), 0) + 1
            if users[id(x)] == 1:
                stack.append(x)
    live = [n for n in graph.nodes if id(n) in users]
    merged = {id(x) for n in live if _associative(n) for x in reads[id(n)]
              if x.op == n.op and users[id(x)] == 1 and x is not out}
    nodes = [n for n in live if id(n) not in merged and n is not out and not is_transparent(n)]
    if out.op != "input":
        nodes.append(out)
    where = {id(n): i for i, n in enumerate(graph.inputs)}
    where.update((id(n), len(graph.inputs) + i) for i, n in enumerate(nodes))
    return nodes, [[where[id(x)] for x in _operands(n, merged, reads)] for n in nodes]


def _inputs(node: Node) -> list[Node]:
    """The inputs whose values `node` reads (none for a zero: it reads only a shape)."""
    return [] if _constant_zero(node) else node.inputs


def _operands(node: Node, merged: set[int], reads: dict[int, list[Node]]) -> list[Node]:
    """`node`'s inputs, looking through transparent nodes and merged adds (muls)."""
    out: list[Node] = []
    for x in reads[id(node)]:
        if id(x) in merged:
            out.extend(_operands(x, merged, reads))
        else:
            out.append(x)
    return out


def _input_of(graph: Graph) -> int:
    """The position of the network input the output is (a network that returns its input)."""
    assert graph.output is not None
    out = _resolve(graph.output)
    return next(i for i, n in enumerate(graph.inputs) if n is out)


def _down_digests(graph: Graph, nodes: list[Node], args: list[list[int]],
                  attrs: list[dict[str, Any]]) -> list[bytes]:
    """Bottom up: what each node computes from the network inputs (inputs first)."""
    down = [_digest(f"input|{i}|{list(n.shape)}|{n.dtype}".encode())
            for i, n in enumerate(graph.inputs)]
    for n, a, at in zip(nodes, args, attrs):
        ins = [down[j] for j in a]
        if _commutative(n):
            ins.sort()
        down.append(_digest(f"{_identity(n)}|{at!r}|{n.dtype}".encode(), *ins))
    return down


def _up_digests(nodes: list[Node], args: list[list[int]], down: list[bytes]) -> list[bytes]:
    """Top down: each node's own digest with how the rest of the network uses it."""
    k = len(down) - len(nodes)
    uses: list[list[bytes]] = [[] for _ in nodes]
    if nodes:
        uses[-1].append(b"output")
    up = [b""] * len(nodes)
    for i in range(len(nodes) - 1, -1, -1):
        up[i] = _digest(down[k + i], *sorted(uses[i]))
        commutative = _commutative(nodes[i])
        for pos, j in enumerate(args[i]):
            if j >= k:
                uses[j - k].append(up[i] + (b"*" if commutative else str(pos).encode()))
    return up


def _digest(*parts: bytes) -> bytes:
    return hashlib.blake2b(b";".join(parts), digest_size=16).digest()


def _jsonable_attrs(node: Node) -> dict[str, Any]:
    spec = OPS.get(node.op)
    omitted = _omitted_defaults(spec) if spec else {}
    out = {k: v if type(v) in _PLAIN else _jsonable(v) for k, v in sorted(node.attrs.items())
           if not (k in omitted and _same_value(v, omitted[k]))}
    if _constant_zero(node):  # a constant: its shape is all it has (it lists no input)
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

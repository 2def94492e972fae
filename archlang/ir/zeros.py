"""The zero simplification of a bound graph: sums drop their all-zero terms, and a zero reads
nothing but a shape.

It asks the ops (`OpSpec.zeros`, `OpSpec.zero_identity`), never their names. Exact rewrites
only: ``x + zero(y)`` is ``x`` when ``x`` alone has the sum's shape, a sum of zeros is a zero,
and a zero that survives reads some live tensor of its shape (a network input where one fits)
instead of ``y``, so what only fed it dies at `Graph.prune`. An op applied to a zero is kept
(``conv(zero(y))`` with a bias, or a batchnorm after it, is not zero).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archlang.ir.canonical import is_transparent
from archlang.ops import OPS
from archlang.ops.registry import generation

if TYPE_CHECKING:
    from archlang.ir.graph import Graph, Node


def is_zero(node: Node) -> bool:
    """True for a node whose output is all zeros, looking through transparent nodes."""
    while is_transparent(node) and node.inputs:
        node = node.inputs[0]
    spec = OPS.get(node.op)
    return spec is not None and spec.zeros


def simplify_zeros(graph: Graph) -> bool:
    """Rewrite `graph` in place (then `Graph.prune` drops the dead nodes); True if it changed.

    >>> import archlang
    >>> g = archlang.parse('''network n() (x: [4]) {
    ...     return x + (x -> linear(4) -> zero())
    ... }''').network().bind().graph
    >>> [n.op for n in g.nodes], g.output.op
    ([], 'input')
    """
    if _zero_ops().isdisjoint([n.op for n in graph.nodes]):
        return False  # nothing is zero: the common case, and it costs one look per node
    replaced: dict[int, Node] = {}
    changed = False
    for n in graph.nodes:
        n.inputs = [replaced.get(id(x), x) for x in n.inputs]
        spec = OPS.get(n.op)
        if spec is None or not spec.zero_identity:
            continue
        kept = [x for x in n.inputs if not is_zero(x)]
        if len(kept) == len(n.inputs):
            continue
        if not kept:  # a sum of zeros is a zero of the sum's shape, when one of them has it
            same = next((x for x in n.inputs if x.shape == n.shape and x.dtype == n.dtype), None)
            if same is not None:
                replaced[id(n)], changed = same, True
        elif spec.output_shape(n.attrs, [x.shape for x in kept]) == n.shape:
            if len(kept) == 1 and kept[0].dtype == n.dtype:
                replaced[id(n)] = kept[0]
            else:
                n.inputs = kept
            changed = True
    if graph.output is not None:
        graph.output = replaced.get(id(graph.output), graph.output)
    return _rewire_zeros(graph) or changed


#: (registry generation, the names of the ops that are all zeros then)
_ZERO_OPS: list[Any] = [-1, frozenset()]


def _zero_ops() -> frozenset[str]:
    """The registered ops whose output is all zeros (`OpSpec.zeros`), once per registry
    generation (specs are frozen: only a change to the registry changes the set)."""
    if _ZERO_OPS[0] != generation():
        _ZERO_OPS[:] = [generation(), frozenset(n for n, s in OPS.items() if s.zeros)]
    return _ZERO_OPS[1]  # type: ignore[no-any-return]


def _rewire_zeros(graph: Graph) -> bool:
    """Point each live zero at a network input or the earliest tensor of its shape and dtype
    that is live without it, so the zero keeps nothing alive on its own."""
    if graph.output is None:
        return False
    live = _live_without_zero_inputs(graph)
    order = {id(n): i for i, n in enumerate(graph.nodes)}
    changed = False
    for z in graph.nodes:
        if id(z) not in live or not OPS.get(z.op, None) or not OPS[z.op].zeros or not z.inputs:
            continue
        x = z.inputs[0]
        if x.op == "input" or id(x) in live:
            continue
        fits = [n for n in graph.inputs if n.shape == x.shape and n.dtype == x.dtype]
        fits += [n for n in graph.nodes if id(n) in live and order[id(n)] < order[id(z)]
                 and n.shape == x.shape and n.dtype == x.dtype]
        if fits:
            z.inputs = [fits[0]]
            changed = True
    return changed


def _live_without_zero_inputs(graph: Graph) -> set[int]:
    """The nodes the output depends on through anything but a zero's input."""
    live: set[int] = set()
    stack = [graph.output] if graph.output is not None else []
    while stack:
        n = stack.pop()
        if id(n) in live:
            continue
        live.add(id(n))
        spec = OPS.get(n.op)
        if spec is None or not spec.zeros:
            stack.extend(n.inputs)
    return live

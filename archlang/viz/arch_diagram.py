"""The diagram of a decided network: its layers with output shapes and parameter counts.

Each node of the concrete graph (`archlang.ir.graph.Graph`) is one box:
``conv2d(out=32, k=3, padding=1)``, then ``[32, 8, 8] · 288 params``. The block instances it
came from (its `path`, ``repeat[0].residual.conv_bn``) become nested clusters labelled with the
block's name and its total parameters. ``depth=N`` keeps N levels of clusters and collapses each
deeper block instance into one box (its name, output shape and parameters), so a ResNet-50
fits on a page: ``depth=1`` shows one box per top-level block.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from archlang.ops.registry import get_op
from archlang.syntax.literals import value_text
from archlang.viz.dot import Digraph

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.graph import Node

#: longest attribute text shown in a layer's box
MAX_ATTRS = 48
_PART = re.compile(r"[^.\[]+(?:\[\d+\])?|\[\d+\]")


def arch_dot(arch: Arch, depth: int | None = None) -> str:
    """DOT text for a decided network; `depth` collapses block instances below that level."""
    graph = arch.graph
    dot = Digraph(arch.name)
    params = {id(n): _params(n) for n in graph.nodes}
    labels: dict[tuple[str, ...], str] = {}
    totals: dict[tuple[str, ...], int] = {}
    for n in graph.nodes:
        prefix = block_path(n.path)
        for i in range(1, len(prefix) + 1):
            totals[prefix[:i]] = totals.get(prefix[:i], 0) + params[id(n)]
    for key, total in totals.items():
        labels[key] = f"{_last(key)} · {_count(total)}"

    unit_of: dict[int, str] = {}
    for n in graph.inputs:
        unit_of[id(n)] = dot.node(f"{n.name}\n{_shape(n.shape, n.dtype)}", shape="ellipse",
                                  fillcolor="#e8f0fe")
    collapsed = {id(n): block_path(n.path)[:depth + 1] for n in graph.nodes
                 if depth is not None and len(block_path(n.path)) > depth}
    last = {key: n for n in graph.nodes if (key := collapsed.get(id(n))) is not None}
    groups: dict[tuple[str, ...], str] = {}
    for n in graph.nodes:
        key = collapsed.get(id(n))
        if key is not None:
            if key not in groups:
                end = last[key]
                label = (f"{_last(key)}\n{_shape(end.shape, end.dtype)} · "
                         f"{_count(totals[key])}")
                groups[key] = dot.node_at(key[:-1], labels, label, fillcolor="#fff4e0")
            unit_of[id(n)] = groups[key]
            continue
        label = f"{_call(n)}\n{_shape(n.shape, n.dtype)}"
        if params[id(n)]:
            label += f" · {_count(params[id(n)])}"
        unit_of[id(n)] = dot.node_at(block_path(n.path), labels, label)

    seen: set[tuple[str, str]] = set()
    for n in graph.nodes:
        for x in n.inputs:
            edge = (unit_of[id(x)], unit_of[id(n)])
            if edge[0] != edge[1] and edge not in seen:
                seen.add(edge)
                dot.edge(*edge)
    if graph.output is not None:
        out = dot.node(f"output\n{_shape(graph.output.shape, graph.output.dtype)}",
                       shape="ellipse", fillcolor="#e8f0fe")
        dot.edge(unit_of[id(graph.output)], out)
    return dot.source()


def block_path(path: str) -> tuple[str, ...]:
    """The block instances a node sits in: ``repeat[0].residual.add`` -> (repeat[0], residual)."""
    parts = _PART.findall(path)
    return tuple(".".join(parts[:i]) for i in range(1, len(parts)))


def _last(key: tuple[str, ...]) -> str:
    """The last block instance of a cluster path.

    ``(repeat[0], repeat[0].residual)`` -> ``residual``.
    """
    return key[-1][len(key[-2]) + 1:] if len(key) > 1 else key[-1]


def _params(n: Node) -> int:
    spec = get_op(n.op)
    return spec.count_params(n.attrs, [x.shape for x in n.inputs]) if spec is not None else 0


def _call(n: Node) -> str:
    """``conv2d(out=32, k=3, padding=1)``: the attributes that differ from the op's defaults."""
    spec = get_op(n.op)
    shown = []
    for k, v in n.attrs.items():
        p = spec.param(k) if spec is not None else None
        if v is None or (p is not None and not p.required and _same(p.default, v)):
            continue
        shown.append(f"{k}={value_text(v)}")
    args = ", ".join(shown)
    if len(args) > MAX_ATTRS:
        args = args[:MAX_ATTRS - 1] + "…"
    return f"{n.op}({args})"


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _shape(shape: tuple[int, ...], dtype: str = "float") -> str:
    text = "[" + ", ".join(str(d) for d in shape) + "]"
    return text if dtype == "float" else f"{dtype}{text}"


def _count(params: int) -> str:
    return f"{params:,} params" if params != 1 else "1 param"

"""The memo of `canonical_text` (archlang/ir/canonical.py, `MEMO`) gives every graph the text
the form computes: each hash here is compared with the one computed with the memo off, the
graph hashed first, again, and bound afresh (new nodes, the same structure), in orders that
put a look-alike (``1`` / ``1.0`` / ``True``, ``0.0`` / ``-0.0``) before the graph."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

import archlang
from archlang.ir import canonical
from archlang.ir.graph import Graph
from archlang.ops.registry import get_op
from archlang.source import NO_SPAN

ROOT = Path(__file__).resolve().parents[2]
SPACES = ["examples/digits.arch", "examples/nasbench_graph.arch", "examples/dag_inputs.arch",
          "examples/nb201_cell.arch"]


def computed(graph: Graph) -> str:
    saved, canonical.MEMO = canonical.MEMO, False
    try:
        return graph.hash()
    finally:
        canonical.MEMO = saved


def _graph4() -> archlang.Space:
    path = ROOT / "benchmarks" / "bench_search_overhead.py"
    spec = importlib.util.spec_from_file_location("bench_search_overhead", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return archlang.parse(module.SPACE).network()


@pytest.fixture(autouse=True)
def memo_on(monkeypatch):
    monkeypatch.setattr(canonical, "MEMO", True)


@pytest.mark.parametrize("file", SPACES)
def test_members_hash_as_computed_first_again_and_rebound(file):
    space = archlang.load(ROOT / file).network()
    for seed in range(12):
        arch = space.sample(seed=seed)
        want = computed(arch.graph)
        assert arch.graph.hash() == want  # first (or remembered from an earlier test)
        assert arch.graph.hash() == want  # remembered
        remembered = len(canonical._TEXTS)
        assert space.bind(arch.assignment).graph.hash() == want  # new nodes, same structure
        assert len(canonical._TEXTS) == remembered  # answered by the memo


def test_the_search_benchmark_space_hashes_as_computed():
    space = _graph4()
    for seed in range(200):
        graph = space.sample(seed=seed).graph
        assert graph.hash() == computed(graph), seed


def _chain(value: object, op: str = "leaky_relu", attr: str = "slope") -> Graph:
    g = Graph("n")
    x = g.add("input", [], {}, (8,), "x", NO_SPAN)
    g.output = g.add(op, [x], {attr: value}, (8,), "a", NO_SPAN)
    return g


LOOKALIKES = [0.0, -0.0, 0, False, 1, 1.0, True, 2.5, float("nan"), (1, 2), (1.0, 2),
              (True, 2), "1", None]


@pytest.mark.parametrize("first", range(len(LOOKALIKES)))
def test_values_python_calls_equal_never_share_a_text(first):
    order = LOOKALIKES[first:] + LOOKALIKES[:first]
    for value in order + order:
        graph = _chain(value)
        assert graph.hash() == computed(graph), value
    texts = {repr(v): computed(_chain(v)) for v in LOOKALIKES}
    assert len(set(texts.values())) == len(texts)  # every look-alike prints apart


def test_wiring_dtype_and_input_shape_are_part_of_the_key():
    def net(shape: tuple[int, ...], dtype: str, cross: bool) -> Graph:
        g = Graph("n")
        x = g.add("input", [], {}, shape, "x", NO_SPAN, dtype)
        a = g.add("relu", [x], {}, shape, "a", NO_SPAN, dtype)
        b = g.add("tanh", [x if cross else a], {}, shape, "b", NO_SPAN, dtype)
        g.output = g.add("concat", [a, b], {"dim": 0}, shape, "c", NO_SPAN, dtype)
        return g

    graphs = [net(s, d, c) for s in ((8,), (4,)) for d in ("float", "long") for c in (0, 1)]
    for g in graphs + graphs:
        assert g.hash() == computed(g)
    assert len({computed(g) for g in graphs}) == len(graphs)


def test_a_graph_out_of_creation_order_is_computed():
    g = Graph("n")
    x = g.add("input", [], {}, (8,), "x", NO_SPAN)
    a = g.add("relu", [x], {}, (8,), "a", NO_SPAN)
    b = g.add("tanh", [a], {}, (8,), "b", NO_SPAN)
    g.nodes = [b, a]  # b listed before what it reads
    g.output = b
    assert g.hash() == g.hash() == computed(g)
    outside = Graph("m")
    outside.add("input", [], {}, (8,), "y", NO_SPAN)
    outside.output = outside.add("relu", [a], {}, (8,), "r", NO_SPAN)  # a is g's
    with pytest.raises(KeyError):  # as the form itself does
        outside.hash()


def test_a_spec_changed_in_place_is_read_again():
    def summed(order: str) -> Graph:
        text = ("network n() (x: [8]) {\n    a = x -> relu()\n    b = x -> tanh()\n"
                f"    return {order} -> add()\n}}\n")
        return archlang.parse(text).network().bind().graph

    ab, ba = summed("(a, b)"), summed("(b, a)")
    assert ab.hash() == ba.hash() == computed(ab)
    add = get_op("add")
    object.__setattr__(add, "commutative", False)
    try:
        assert ab.hash() == computed(ab) != ba.hash() == computed(ba)
    finally:
        object.__setattr__(add, "commutative", True)
    assert ab.hash() == ba.hash() == computed(ba)


def test_the_memo_is_emptied_past_its_bound(monkeypatch):
    monkeypatch.setattr(canonical, "_MAX_MEMO_NODES", 20)
    space = _graph4()
    for seed in range(60):
        graph = space.sample(seed=seed).graph
        assert graph.hash() == computed(graph)
        assert canonical._MEMO_NODES[0] <= 20 + len(graph.inputs) + len(graph.nodes)
    assert sum(1 for _ in canonical._TEXTS) <= 4


def test_nan_attributes_do_not_grow_the_memo():
    before = len(canonical._INFOS)
    for _ in range(50):
        graph = _chain(math.nan)
        assert graph.hash() == computed(graph)
    assert len(canonical._INFOS) <= before + 1

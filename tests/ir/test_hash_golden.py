"""`Arch.hash` never changes value: the hashes are stored in users' studies (SQLite), so a
faster canonical form must give every network the same string as before.

The golden file lists the hash of every decided network of examples/ and stdlib/, of
seeded random members of every search space there and of the benchmarks' spaces, and of
small hand-written graphs that take each path of archlang/ir/canonical.py (twins that only
their users tell apart, commutative and associative ops, transparent nodes, zeros, a
network that returns its input, several inputs). It was written by the code before the
hash was made faster; regenerate it only for a deliberate change of the form (which
orphans every stored study):

    python tests/ir/test_hash_golden.py --write
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import archlang

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "hashes" / "hashes.json"
FILES = ["examples/01_decided_cnn.arch", "examples/dag_inputs.arch", "examples/darts.arch",
         "examples/digits.arch", "examples/enas_macro.arch", "examples/nasbench_graph.arch",
         "examples/nasbench_graph_proteins.arch", "examples/nb201_cell.arch",
         "examples/transformer.arch", "stdlib/models/darts.arch",
         "stdlib/models/mobilenet_v2.arch", "stdlib/models/resnet.arch",
         "stdlib/models/vit.arch"]
#: seeds drawn from each search space (a decided network is bound once)
SEEDS = {"darts": 3, "enas_macro": 6}
DEFAULT_SEEDS = 12



def _graph4() -> str:
    """benchmarks/bench_search_overhead.py's space (the search-overhead benchmark's)."""
    path = ROOT / "benchmarks" / "bench_search_overhead.py"
    spec = importlib.util.spec_from_file_location("bench_search_overhead", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SPACE


def _net(body: str, inputs: str = "x: [8]") -> str:
    return f"network n() ({inputs}) {{\n{body}\n}}\n"


#: name -> text of a decided network
GRAPHS = {
    "chain": _net("    return x -> linear(8) -> relu() -> linear(4)"),
    "identity_only": _net("    return x -> identity()"),
    "returns_input": _net("    return x"),
    "dropout0": _net("    return x -> dropout(0.0) -> relu() -> dropout(0.5)"),
    "twins_add": _net("    a = x -> linear(8)\n    b = x -> linear(8)\n"
                      "    return (a -> relu(), b -> tanh()) -> add()"),
    "twins_concat": _net("    a = x -> relu()\n    b = x -> relu()\n"
                         "    return (a -> linear(4), b) -> concat()"),
    "twins_concat_swapped": _net("    a = x -> relu()\n    b = x -> relu()\n"
                                 "    return (b, a -> linear(4)) -> concat()"),
    "shared_layer": _net("    a = x -> linear(8)\n    return (a, a) -> add()"),
    "twins_deep": _net("    a = x -> linear(8) -> relu()\n    b = x -> linear(8) -> relu()\n"
                       "    c = x -> linear(8) -> relu()\n"
                       "    return ((a, b) -> mul(), (b, c) -> concat()) -> concat()"),
    "grouped_sum": _net("    a = x -> relu()\n    b = x -> tanh()\n    c = x -> sigmoid()\n"
                        "    return ((a, b) -> add(), c) -> add()"),
    "flat_sum": _net("    a = x -> relu()\n    b = x -> tanh()\n    c = x -> sigmoid()\n"
                     "    return (c, a, b) -> add()"),
    "shared_inner_sum": _net("    a = x -> relu()\n    b = x -> tanh()\n"
                             "    s = (a, b) -> add()\n"
                             "    return (s, (s, x) -> mul()) -> add()"),
    "mul_tree": _net("    a = x -> relu()\n    b = x -> tanh()\n"
                     "    return ((a, b) -> mul(), (b, x) -> mul()) -> mul()"),
    "float_attr": _net("    return x -> dropout(0.25) -> leaky_relu(2.0)"),
    "two_inputs": _net("    return (x -> linear(8), y) -> concat()", "x: [8], y: [8]"),
    "two_inputs_swapped": _net("    return (y, x -> linear(8)) -> concat()", "x: [8], y: [8]"),
    "zero_term": "network n() (x: [4, 8, 8]) {\n    h = x -> conv2d(4, 3, padding = 1)\n"
                 "    return h + (x -> conv2d(4, 5, padding = 2) -> zero())\n}\n",
    "zero_only": "network n() (x: [4, 8, 8]) {\n    return x -> conv2d(8, 1) -> zero()\n}\n",
    "zero_broadcast": "network n() (x: [4, 8, 8]) {\n"
                      "    s = x -> global_avgpool() -> reshape([4, 1, 1])\n"
                      "    return s + (x -> conv2d(4, 3, padding = 1) -> zero())\n}\n",
}


def cases() -> Iterator[tuple[str, str]]:
    """(label, hash) of every pinned network, in a fixed order."""
    for file in FILES:
        program = archlang.load(ROOT / file)
        for net in program.networks():
            space = program.network(net.name)
            if space.size == 1:
                yield f"{file}:{net.name}", space.bind().hash
                continue
            for seed in range(SEEDS.get(net.name, DEFAULT_SEEDS)):
                yield f"{file}:{net.name}:seed={seed}", space.sample(seed=seed).hash
    graph4 = archlang.parse(_graph4()).network()
    for seed in range(40):
        yield f"graph4:seed={seed}", graph4.sample(seed=seed).hash
    for name, text in GRAPHS.items():
        yield f"graph:{name}", archlang.parse(text).network().bind().hash


def test_every_pinned_network_keeps_its_hash():
    golden = json.loads(GOLDEN.read_text())
    now = dict(cases())
    assert sorted(now) == sorted(golden)
    changed = {k: (golden[k], v) for k, v in now.items() if golden[k] != v}
    assert not changed


def test_the_pinned_graphs_cover_each_path_of_the_form():
    golden = json.loads(GOLDEN.read_text())
    # equal networks share a hash, different ones never do
    assert golden["graph:grouped_sum"] == golden["graph:flat_sum"]
    assert golden["graph:identity_only"] == golden["graph:returns_input"]
    assert golden["graph:twins_concat"] != golden["graph:twins_concat_swapped"]
    assert golden["graph:two_inputs"] != golden["graph:two_inputs_swapped"]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    GOLDEN.write_text(json.dumps(dict(cases()), indent=1) + "\n")

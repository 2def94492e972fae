"""The `nasbench-graph:DATASET` task: the example's space read back into the benchmark's
encoding, looked up in its table, and searched from the command line."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

import archlang
from archlang.cli import cli
from archlang.tasks import TaskError, get_task
from archlang.tasks import nasbench_graph as nbg

ROOT = Path(__file__).resolve().parents[2]
needs_tables = pytest.mark.skipif(importlib.util.find_spec("nas_bench_graph") is None,
                                  reason="nas-bench-graph is not installed")


def space(proteins: bool = False):
    name = "nasbench_graph_proteins" if proteins else "nasbench_graph"
    return archlang.load(ROOT / "examples" / f"{name}.arch").network()


def assignment(net: str, link: list[int], ops: list[str]) -> dict:
    out = {f"{net}.op1": ops[0]}
    for i in range(2, 5):
        out[f"{net}.in{i}"] = link[i - 1]
        out[f"{net}.op{i}"] = ops[i - 1]
    return out


# (dataset, link, ops, valid_perf, perf, para): read by hand from the package's tables
HAND_CHECKED = [
    ("cora", [0, 0, 1, 2], ["gcn", "gat", "sage", "gin"], 0.7960, 0.8090, 1.067015),
    ("cora", [0, 1, 2, 3], ["gcn", "gcn", "gcn", "gcn"], 0.78667, 0.75967, 0.634119),
    ("cora", [0, 0, 0, 0], ["gat", "skip", "cheb", "graph"], 0.7840, 0.77967, 2.036231),
    ("proteins", [0, 0, 1, 2], ["gcn", "sage", "arma", "fc"], 0.82767, 0.77324, 0.62424),
    ("proteins", [0, 0, 0, 0], ["fc", "skip", "gcn", "arma"], 0.8100, 0.76268, 0.558448),
]


@needs_tables
@pytest.mark.parametrize(("dataset", "link", "ops", "val", "test", "para"), HAND_CHECKED)
def test_the_evaluator_agrees_with_the_table(dataset, link, ops, val, test, para):
    proteins = dataset == "proteins"
    s = space(proteins)
    a = assignment(s.name, link, ops)
    arch = s.bind(a)
    assert nbg.benchmark_arch(s, a, nbg.OPS_PROTEINS if proteins else nbg.OPS) == (link, ops)
    m = get_task(f"nasbench-graph:{dataset}").evaluate(arch, epochs=8, seed=3)
    assert m["val_accuracy"] == pytest.approx(val, abs=1e-4)
    assert m["test_accuracy"] == pytest.approx(test, abs=1e-4)
    assert m["params"] == round(para * 1e6) and m["latency"] > 0


@needs_tables
def test_networks_the_benchmark_lacks_or_cannot_encode_fail_with_a_reason():
    s = space()
    skips = s.bind(assignment(s.name, [0, 1, 2, 3], ["skip"] * 4))
    assert [n.op for n in skips.graph.nodes] == ["relu", "linear"]  # x -> relu -> linear
    with pytest.raises(ValueError, match="no entry for link"):
        get_task("nasbench-graph:cora").evaluate(skips)
    gat = s.bind(assignment(s.name, [0, 0, 0, 0], ["gat"] * 4))
    with pytest.raises(ValueError, match="proteins, search examples/nasbench_graph_proteins"):
        get_task("nasbench-graph:proteins").evaluate(gat)
    other = archlang.parse("network n() (x: [4]) { return x -> linear(choice(2, 3)) }")
    with pytest.raises(ValueError, match="has no decision op1, op2"):
        get_task("nasbench-graph:cora").evaluate(other.network().bind({"n.linear.out": 2}))


@needs_tables
def test_equal_networks_share_a_hash_and_a_table_entry():
    s = space()
    # four parallel nodes: any order of the ops is one network, summed the same way
    a = s.bind(assignment(s.name, [0, 0, 0, 0], ["gat", "gcn", "gin", "fc"]))
    b = s.bind(assignment(s.name, [0, 0, 0, 0], ["fc", "gin", "gat", "gcn"]))
    # two chains of two, numbered differently: 1->3 and 2->4, or 1->4 and 2->3
    c = s.bind(assignment(s.name, [0, 0, 1, 2], ["gcn", "gat", "sage", "gin"]))
    d = s.bind(assignment(s.name, [0, 0, 2, 1], ["gcn", "gat", "gin", "sage"]))
    task = get_task("nasbench-graph:cora")
    assert a.hash == b.hash and task.evaluate(a) == task.evaluate(b)
    assert c.hash == d.hash and task.evaluate(c) == task.evaluate(d)
    assert a.hash != c.hash


def test_unknown_datasets_and_a_missing_package_are_explained(monkeypatch):
    with pytest.raises(TaskError, match="no dataset 'pubmedd'.*\n  hint: did you mean "
                                        "`nasbench-graph:pubmed`"):
        nbg.make_task("pubmedd")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "nas_bench_graph" else real(name, *a))
    with pytest.raises(TaskError, match=r"needs the NAS-Bench-Graph tables.*\n  hint: "
                                        r"pip install 'archlang\[nasbench\]'"):
        nbg.make_task("cora")


@needs_tables
def test_the_top_one_percent_threshold():
    table = nbg.load_table("cora")
    threshold = nbg.top_threshold("cora")
    values = [float(e["valid_perf"]) for e in table.values()]
    top = len(table) // 100  # 262 networks
    assert sum(v > threshold for v in values) < top <= sum(v >= threshold for v in values)


@needs_tables
def test_the_command_searches_the_example(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["search", "examples/nasbench_graph.arch", "--task",
                                      "nasbench-graph:cora", "--budget", "20"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "top 5 of 20 evaluated" in result.stdout and "val acc" in result.stdout
    bad = CliRunner().invoke(cli, ["search", "examples/nasbench_graph.arch", "--task",
                                   "nasbench-graph:coraa"])
    assert bad.exit_code == 2 and "did you mean `nasbench-graph:cora`" in bad.stderr
    assert "Traceback" not in bad.output


@needs_tables
@pytest.mark.parametrize(("proteins", "links", "names"), [
    (True, None, ["gcn", "skip"]),  # every wiring
    (False, [(0, 0, 0), (1, 1, 1)], ["gcn", "graph", "cheb", "skip"]),
    (False, [(0, 0, 0), (0, 1, 2), (0, 2, 1)], ["sage", "cheb", "skip"]),
])
def test_archlang_hashes_and_the_benchmark_keys_make_the_same_classes(proteins, links, names):
    """Two assignments are the same network for archlang exactly when the benchmark files
    them under one key (gcn + graph summed must not read as cheb, twin chains numbered
    either way are one network, raw skip leaves are not summed)."""
    import itertools

    from nas_bench_graph import Arch

    s = space(proteins)
    by_hash, by_key = {}, {}
    for rest in links or itertools.product(range(2), range(3), range(4)):
        for ops in itertools.product(names, repeat=4):
            link = [0, *rest]
            h = s.bind(assignment(s.name, link, list(ops))).hash
            k = Arch(link, list(ops)).valid_hash()
            by_hash.setdefault(h, set()).add(k)
            by_key.setdefault(k, set()).add(h)
    assert all(len(v) == 1 for v in by_hash.values())
    assert all(len(v) == 1 for v in by_key.values())
    assert len(by_hash) == len(by_key) > 20

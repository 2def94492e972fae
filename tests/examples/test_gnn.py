"""examples/gnn/gnn.arch: real PyTorch Geometric layers as user ops, unbatched inputs, a search on
the generated `sbm` graph; the best network's module imports torch and torch_geometric only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

import archlang
from archlang.cli import cli
from archlang.ops.plugins import load_ops
from archlang.ops.registry import OPS, unregister

pytest.importorskip("torch_geometric")

ROOT = Path(__file__).resolve().parents[2]
OPS_NAMES = ("gcn", "gat", "sage", "graph_conv", "cheb", "arma", "gin")


@pytest.fixture
def gnn_ops():
    load_ops([str(ROOT / "examples" / "gnn" / "gnn_ops.py")])
    yield
    for name in OPS_NAMES:
        if name in OPS:
            unregister(name)
    from archlang import pyimport

    pyimport._BY_PATH.clear()


def test_every_op_compiles_and_runs_on_the_graph(gnn_ops):
    from archlang.tasks.graph import make_graph

    data = make_graph()
    space = archlang.load(str(ROOT / "examples" / "gnn" / "gnn.arch")).network()
    for op in ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc"):
        arch = space.bind({**space.sample(seed=0).assignment, "gnn.op1": op, "gnn.op4": op})
        model = arch.compile()
        out = model(data["x"], data["edge_index"])
        assert out.shape == (len(data["y"]), 4)
        assert arch.output_shape == (4,) and str(arch.output_shape.lead) == "N"
        assert arch.params == sum(p.numel() for p in model.parameters()), op


def test_the_search_writes_a_best_py_that_imports_torch_and_pyg_only(gnn_ops, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, [
        "search", str(ROOT / "examples" / "gnn" / "gnn.arch"), "--ops",
        str(ROOT / "examples" / "gnn" / "gnn_ops.py"), "--task", "sbm", "--budget", "2", "--epochs",
        "1", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    tree = ast.parse((out / "best.py").read_text())
    roots = {(n.module if isinstance(n, ast.ImportFrom) else n.names[0].name).split(".")[0]
             for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))}
    assert roots <= {"torch", "torch_geometric"}


def test_unbatched_inputs_keep_their_run_time_sizes_apart():
    text = """network n() (x: [N, 8] unbatched, e: [E, 8] unbatched) {
    return (x, e) -> add()
}"""
    with pytest.raises(archlang.ArchError) as info:
        archlang.parse(text).network().sample()
    assert info.value.diagnostic.code == "E401" and "[N, 8], [E, 8]" in info.value.diagnostic.message


def test_an_unbatched_network_runs_on_tensors_of_the_declared_rank():
    text = "network n() (x: [N, 8] unbatched) {\n    return x -> linear(3) -> relu()\n}\n"
    arch = archlang.parse(text).network().sample()
    assert arch.compile()(torch.randn(11, 8)).shape == (11, 3)
    from archlang.cli.commands import format_text

    assert format_text(text, "n.arch") == text


def test_the_python_twin_builds_the_same_program(gnn_ops):
    import runpy

    text_prog = archlang.load(ROOT / "examples" / "gnn" / "gnn.arch")
    tree = runpy.run_path(str(ROOT / "examples" / "gnn" / "gnn.py"))["MODULE"]
    assert tree.items == text_prog.root.tree.items


def test_check_in_the_example_folder_reads_its_pyproject(gnn_ops, monkeypatch):
    for name in OPS_NAMES:
        unregister(name)
    from archlang import pyimport

    pyimport._BY_PATH.clear()
    monkeypatch.chdir(ROOT / "examples" / "gnn")
    result = CliRunner().invoke(cli, ["check", "gnn.arch", "--samples", "2"])
    assert result.exit_code == 0, result.output

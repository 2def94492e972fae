"""`archlang show --diagram` and `--explain` from the command line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from archlang.cli import cli

ROOT = Path(__file__).resolve().parents[2]
DIGITS = str(ROOT / "examples/digits.arch")


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from tests.cli.conftest import make_runner

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHLANG_DEBUG", raising=False)
    runner = make_runner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


def test_dot_diagram_of_a_space_needs_no_graphviz(run, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    result = run("show", DIGITS, "--diagram", "space.dot")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "space.dot").read_text()
    assert text == (ROOT / "tests/golden/dot/digits.digits_cnn.space.dot").read_text()
    assert result.stdout == "wrote space.dot (the space of `digits_cnn`)\n"


def test_seed_draws_the_member(run, tmp_path) -> None:
    result = run("show", DIGITS, "--seed", "0", "--diagram", "m.dot")
    assert result.exit_code == 0
    assert (tmp_path / "m.dot").read_text() == (
        ROOT / "tests/golden/dot/digits.digits_cnn.seed0.dot").read_text()


def test_svg_without_graphviz_says_how_to_install(run, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("show", DIGITS, "--diagram", "space.svg")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "apt-get install graphviz" in result.stderr
    assert not (tmp_path / "space.svg").exists()


def test_unknown_diagram_suffix_is_a_clean_error(run) -> None:
    result = run("show", DIGITS, "--diagram", "space.pdf")
    assert result.exit_code == 1 and "name it .dot, .gv, .png, .svg" in result.stderr


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_svg_with_graphviz(run, tmp_path) -> None:
    # depth 2: resnet18 nests like torchvision's (layer1..4, each of two basic blocks)
    result = run("show", str(ROOT / "stdlib/models/resnet.arch"), "-n", "resnet18",
                 "--diagram", "r18.svg", "--depth", "2")
    assert result.exit_code == 0, result.stderr
    svg = (tmp_path / "r18.svg").read_text()
    assert svg.lstrip().startswith("<?xml")
    # one box per block instance (basic_block, basic_block_1, ...), its sub-blocks collapsed
    assert len(re.findall(r">basic_block(?:_\d+)? · [\d,]+ params<", svg)) == 8


def test_explain_text(run) -> None:
    result = run("show", DIGITS, "--explain")
    assert result.exit_code == 0
    assert "digits_cnn.repeat  int(1, 3)\n" in result.stdout
    assert "examples/digits.arch:33:21" in result.stdout
    assert "  activates when {3}: digits_cnn.repeat[2].choice" in result.stdout
    assert result.stdout.rstrip().endswith("space size: 936")


def test_explain_json_counts_add_up(run) -> None:
    result = run("show", DIGITS, "--explain", "--json")
    data = json.loads(result.stdout)
    assert data["size"] == 936
    for d in data["decisions"]:
        if d["condition"] is None:
            assert sum(m["count"] for m in d["members"]) == 936


def test_explain_respects_fixed_decisions(run) -> None:
    result = run("show", DIGITS, "--explain", "--json", "--set", "digits_cnn.repeat=1")
    data = json.loads(result.stdout)
    assert data["size"] == 72
    assert "digits_cnn.repeat" not in [d["key"] for d in data["decisions"]]


def test_json_and_diagram_together_keep_stdout_json(run, tmp_path) -> None:
    result = run("show", DIGITS, "--json", "--diagram", "s.dot")
    assert json.loads(result.stdout)["size"] == 936
    assert "wrote s.dot" in result.stderr and (tmp_path / "s.dot").exists()


@pytest.mark.parametrize("example", ["darts", "enas_macro"])
def test_explain_on_the_field_spaces(run, example) -> None:
    """Issue 13's spaces: lists of tensors, `choice(*ops)`, subsets, `shared` cells."""
    import archlang

    path = str(ROOT / f"examples/{example}.arch")
    space = archlang.load(path).network()
    data = json.loads(run("show", path, "--explain", "--json").stdout)
    assert int(data["size"]) == space.size
    assert [d["key"] for d in data["decisions"]] == [d.key for d in space.decisions]
    for d in data["decisions"]:
        assert f"examples/{example}.arch:" in d["declared"]
        if d["condition"] is None:
            assert sum(m["count"] for m in d["members"]) == space.size, d["key"]
    text = run("show", path, "--explain").stdout
    assert text.rstrip().startswith(data["decisions"][0]["key"])
    assert f"space size: {space.size}" in text


def test_explain_darts_shares_one_genotype_per_cell_type(run) -> None:
    data = json.loads(run("show", str(ROOT / "examples/darts.arch"), "--explain", "--json").stdout)
    by_key = {d["key"]: d for d in data["decisions"]}
    # 8 cells, 2 genotypes: 4 nodes (subsets) and 8 edges (ops) per cell type
    for kind in ("normal", "reduction"):
        assert sum(k.startswith(f"darts.{kind}.node") for k in by_key) == 4
        assert sum(k.startswith(f"darts.{kind}.edge") for k in by_key) == 8
    node = by_key["darts.normal.node_1"]
    assert [m["candidate"] for m in node["members"]] == [
        "{states[0], states[1]}", "{states[0], states[2]}", "{states[1], states[2]}"]
    assert {m["count"] for m in node["members"]} == {int(data["size"]) // 3}


def test_diagrams_of_the_darts_space_and_a_member(run, tmp_path) -> None:
    darts = str(ROOT / "examples/darts.arch")
    assert run("show", darts, "--diagram", "space.dot").exit_code == 0
    space = (tmp_path / "space.dot").read_text()
    assert 'label="shared(kind, cell(width, reduce, reduce_prev))"' in space
    assert "darts.normal.node" in space and "darts.reduction.edge_7.op" in space
    result = run("show", darts, "--seed", "0", "--diagram", "member.dot")
    assert result.exit_code == 0, result.stderr
    member = (tmp_path / "member.dot").read_text()
    # one box per cell instance: shared decisions, separate layers
    assert len(re.findall(r'label="cell(?:_\d)? · [\d,]+ params"', member)) == 8

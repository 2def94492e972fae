"""`archlang report --from DIR` on a folder that `archlang search --out` wrote."""

from __future__ import annotations

from pathlib import Path

from archlang.report.from_dir import load_results
from archlang.search.export import write_results
from tests.cli.conftest import make_runner

ROOT = Path(__file__).resolve().parents[2]



def _run(*args: str):
    from archlang.cli import cli

    return make_runner().invoke(cli, list(args), catch_exceptions=False)


def test_results_read_back_as_the_same_study(study, space, tmp_path) -> None:
    write_results(study, space, tmp_path, {"file": str(ROOT / "examples/digits.arch")})
    again, again_space = load_results(tmp_path)
    assert again_space.name == space.name and again.objective == study.objective
    assert [(t.number, t.state, t.assignment, t.duplicate_of) for t in again.trials] == \
        [(t.number, t.state, t.assignment, t.duplicate_of) for t in study.trials]
    assert [t.metrics for t in again.trials] == [t.metrics for t in study.trials]
    assert again.best.number == study.best.number


def test_report_command_writes_the_page(study, space, tmp_path) -> None:
    write_results(study, space, tmp_path / "run", {"file": str(ROOT / "examples/digits.arch")})
    result = _run("report", "--from", str(tmp_path / "run"), "--out", str(tmp_path / "rep"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"wrote {tmp_path}/rep/curve.png",
                                          f"wrote {tmp_path}/rep/report.html"]


def test_report_command_on_a_wrong_folder_says_what_is_missing(tmp_path) -> None:
    result = _run("report", "--from", str(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "has no best.json" in result.stderr and "--file" in result.stderr

"""`archlang report --from DIR` on a folder that `archlang search --out` wrote."""

from __future__ import annotations

from pathlib import Path

from archlang.report.from_dir import load_results
from archlang.report.results import write_results
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


def _stored_search(tmp_path: Path, *studies: str) -> Path:
    """A finished search stored in SQLite (fake metrics, two objectives), as `search` does."""
    import archlang
    from archlang.search.loop import run_search
    from archlang.search.objectives import Objective
    from archlang.search.random_search import RandomSearch
    from archlang.search.resume import prepare_study
    from archlang.search.storage import Storage
    from tests.report.conftest import fake_metrics

    path = ROOT / "examples/digits.arch"
    space = archlang.load(path).network()
    db = tmp_path / "study.db"
    objectives = [Objective("val_accuracy", "maximize"), Objective("params", "minimize")]
    for name in studies:
        resumed = prepare_study(Storage(db), name, space, settings={"file": str(path)},
                                objectives=[str(o) for o in objectives])
        run_search(space, fake_metrics, RandomSearch(seed=0), 8, objectives=objectives,
                   recorder=resumed.store)
    return db


def test_report_from_storage_draws_the_curve_and_the_front(tmp_path) -> None:
    db = _stored_search(tmp_path, "digits.digits_cnn")
    result = _run("report", "--storage", str(db), "--out", str(tmp_path / "rep"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"wrote {tmp_path}/rep/{name}" for name in
                                          ("curve.png", "pareto.png", "report.html")]
    page = (tmp_path / "rep/report.html").read_text(encoding="utf-8")
    assert "digits_cnn" in page and "params" in page


def test_report_from_storage_with_several_studies_needs_one_named(tmp_path) -> None:
    db = _stored_search(tmp_path, "one", "two")
    result = _run("report", "--storage", str(db), "--out", str(tmp_path / "rep"))
    assert result.exit_code == 1 and "--study NAME" in result.stderr
    assert "Traceback" not in result.stderr
    named = _run("report", "--storage", str(db), "--study", "two", "--out", str(tmp_path / "r"))
    assert named.exit_code == 0, named.stderr


def test_report_needs_exactly_one_source(tmp_path) -> None:
    neither = _run("report", "--out", str(tmp_path))
    assert neither.exit_code == 2 and "either --storage PATH or --from DIR" in neither.stderr

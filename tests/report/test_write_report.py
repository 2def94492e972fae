"""`write_report`: the files it writes and a page that needs no network."""

from __future__ import annotations

import re
import shutil

import pytest

from archlang.report import write_report


def _check_self_contained(page: str) -> None:
    assert "<script" not in page.lower()
    # no attribute that loads anything from elsewhere (xmlns names are not fetched)
    fetches = re.findall(r'\s(?:src|href|xlink:href)\s*=\s*["\']?(?!#|data:)([^"\'>\s]+)', page)
    assert fetches == []
    assert "@import" not in page and "url(http" not in page


def test_one_objective(study, space, tmp_path) -> None:
    paths = write_report(study, space, tmp_path / "out")
    assert [p.name for p in paths] == ["curve.png", "report.html"]
    assert paths[0].read_bytes().startswith(b"\x89PNG")
    page = paths[1].read_text()
    _check_self_contained(page)
    assert page.count("<svg") >= 1 + (shutil.which("dot") is not None)
    best = study.best
    assert f"<td>#{best.number}</td>" in page.split("<tr class=best>")[1].split("</tr>")[0]
    assert len(re.findall(r"<tr(?: class=best)?><td>", page)) == min(15, len(study.ranked()))
    # the best network's .arch text, every decision fixed
    assert "digits_cnn" in page and "choice(" not in page.split("id='arch'")[1]


def test_two_objectives_add_the_pareto_scatter(two_objective_study, space, tmp_path) -> None:
    paths = write_report(two_objective_study, space, tmp_path)
    assert [p.name for p in paths] == ["curve.png", "pareto.png", "report.html"]
    page = paths[-1].read_text()
    assert "Pareto front" in page and "params (min)" in page
    _check_self_contained(page)


def test_without_graphviz_the_diagram_is_dot_text(study, space, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    page = write_report(study, space, tmp_path)[-1].read_text()
    assert "<pre id='dot'>digraph &quot;digits_cnn&quot; {" in page


def test_a_study_where_nothing_completed(space, tmp_path) -> None:
    from archlang.search.study import FAILED, Study, Trial

    s = Study(trials=[Trial(0, {}, state=FAILED, error="x")])
    paths = write_report(s, space, tmp_path)
    assert "No trial completed." in paths[-1].read_text()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_with_graphviz_the_diagram_is_inline_svg(study, space, tmp_path) -> None:
    page = write_report(study, space, tmp_path)[-1].read_text()
    diagram = page.split("id='diagram'>")[1]
    assert diagram.startswith("<svg") and "class=\"node\"" in diagram.split("</svg>")[0]

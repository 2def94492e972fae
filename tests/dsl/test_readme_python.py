"""The README's "Using archlang from Python" snippets run, in order, as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _snippets() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using archlang from Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_section_has_snippets():
    assert len(_snippets()) >= 4


@pytest.mark.slow
def test_readme_python_snippets_run(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "readme"}
    for code in _snippets():
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own docs
    out = capsys.readouterr().out
    assert "digits_cnn.width choice(16, 32, 64) None" in out
    assert "network small_cnn(classes: int = 10) (x: [1, 8, 8]) {" in out
    assert "error[E523]: removing the node at `small_cnn.body[1]`" in out
    assert namespace["fixed"].fixed == {"small_cnn.width": 32}
    assert namespace["cells"].space().size == 36  # lists, slices, *spread, unpacking
    assert namespace["study"].best is not None


@pytest.mark.slow
def test_the_tour_runs(monkeypatch, capsys):
    import runpy

    monkeypatch.chdir(ROOT)
    runpy.run_path(str(ROOT / "examples" / "python" / "tour.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "== search" in out and "refused: removing the node" in out

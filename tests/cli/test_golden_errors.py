"""Golden diagnostics: tests/golden/errors/<case>.arch and the exact stderr it gives.

Each case runs `archlang check <case>.arch` from the golden folder (so the paths printed are
relative and the goldens machine-independent), or the command its first line names:
``# args: compile --set net.width=48`` runs `archlang compile --set net.width=48 <case>.arch`.
The exit code must be 1 when the golden holds an error, else 0.

Set ARCHLANG_ACCEPT=1 to write the goldens from the current output (review the diff).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import make_runner

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "errors"
CASES = sorted(p.stem for p in GOLDEN.glob("*.arch") if p.with_suffix(".err").exists()
               or os.environ.get("ARCHLANG_ACCEPT"))
ARGS = "# args:"


def command_for(case: Path) -> list[str]:
    first = case.read_text(encoding="utf-8").splitlines()[0]
    args = first[len(ARGS):].split() if first.startswith(ARGS) else ["check"]
    return [*args, case.name]


@pytest.mark.parametrize("case", CASES)
def test_golden_error(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from archlang.cli import cli

    monkeypatch.chdir(GOLDEN)
    monkeypatch.delenv("ARCHLANG_DEBUG", raising=False)
    arch = GOLDEN / f"{case}.arch"
    result = make_runner().invoke(cli, command_for(arch), catch_exceptions=False)
    golden = arch.with_suffix(".err")
    if os.environ.get("ARCHLANG_ACCEPT"):
        golden.write_text(result.stderr, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    assert result.stderr == expected
    assert result.exit_code == (1 if "error[" in expected else 0), result.stdout
    assert "Traceback" not in result.stderr


def test_every_case_has_a_golden() -> None:
    missing = [p.name for p in GOLDEN.glob("*.arch") if not p.with_suffix(".err").exists()]
    assert not missing, "run with ARCHLANG_ACCEPT=1 to create their goldens"


#: cases whose golden records a library bug: the error shown has another code than the name
#: cases whose golden shows a known library bug (none at the moment)
KNOWN_BUGS: dict[str, str] = {}


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_BUGS[c], strict=True))
    if c in KNOWN_BUGS else c for c in CASES])
def test_golden_names_its_code(case: str) -> None:
    """A case is named after the code it shows first: E202_unknown_op.arch, error[E202]."""
    code = case.split("_")[0]
    first = (GOLDEN / f"{case}.err").read_text(encoding="utf-8").splitlines()[0]
    assert f"[{code}]:" in first, first

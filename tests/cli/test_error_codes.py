"""The code registry (archlang.diagnostics_codes): every code used is registered, each
registered code is used, examples give their codes, and `archlang explain-error` prints them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from archlang.diagnostics import ArchError, Diagnostic
from archlang.diagnostics_codes import CODES, lookup, markdown_table

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "archlang"
REGISTRY = PACKAGE / "diagnostics_codes.py"
#: a code written as a string literal: `code="E202"`, `code = "E610"`, `("E101", ...)`
CODE_LITERAL = re.compile(r"""["'](E\d{3})["']""")

Run = Callable[..., Result]


def _codes_in_sources() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == REGISTRY:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for code in CODE_LITERAL.findall(line):
                found.setdefault(code, []).append(f"{path.relative_to(ROOT)}:{n}")
    return found


def test_every_code_in_the_sources_is_registered() -> None:
    unknown = {c: where for c, where in _codes_in_sources().items() if c not in CODES}
    assert not unknown, f"register these in archlang/diagnostics_codes.py: {unknown}"


def test_every_registered_code_is_used() -> None:
    unused = sorted(set(CODES) - set(_codes_in_sources()))
    assert not unused, f"codes no diagnostic uses: {unused}"


def test_a_diagnostic_with_an_unregistered_code_is_refused() -> None:
    with pytest.raises(ValueError, match="E998"):
        Diagnostic("E998", "made up")
    with pytest.raises(ValueError, match="E998"):
        ArchError("made up", code="E998")


def test_entries_are_well_formed() -> None:
    for code, entry in CODES.items():
        assert re.fullmatch(r"E\d{3}", code) and entry.code == code
        assert entry.title and entry.title[0].islower() or entry.title[0] == "`", code
        assert entry.explanation.endswith("."), code


@pytest.mark.parametrize("code", [c for c, e in CODES.items() if e.example is not None])
def test_each_example_gives_its_code(code: str, run: Run) -> None:
    Path("example.arch").write_text(CODES[code].example + "\n", encoding="utf-8")
    result = run("check", "example.arch")
    assert result.exit_code == 1
    assert result.stderr.startswith("example.arch:") and f"error[{code}]" in result.stderr


def test_the_readme_table_is_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "paste archlang.diagnostics_codes.markdown_table()"


def test_explain_error_prints_title_explanation_and_example(run: Run) -> None:
    result = run("explain-error", "e202")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "E202: unknown op or block"
    assert CODES["E202"].explanation in lines
    assert "Example:" in lines and "        return x -> conv2(16, 3)" in lines


def test_explain_error_without_an_example(run: Run) -> None:
    result = run("explain-error", "E206")
    assert result.exit_code == 0 and "Example:" not in result.stdout
    assert result.stdout.startswith("E206: import cycle\n")


def test_explain_error_refuses_an_unknown_code_with_a_suggestion(run: Run) -> None:
    result = run("explain-error", "E2O2")
    assert result.exit_code == 2
    assert "unknown error code `E2O2`; did you mean `E202`?" in result.stderr
    result = run("explain-error", "E999")
    assert result.exit_code == 2 and "did you mean" not in result.stderr


def test_lookup_suggests_one_typo_away() -> None:
    with pytest.raises(KeyError, match="did you mean `E514`"):
        lookup("514")
    assert lookup(" e514 ").code == "E514"

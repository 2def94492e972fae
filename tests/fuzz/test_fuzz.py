"""Fuzzing: every input ends as a valid program or as one clean, located diagnostic.

Two generators (`archlang.testing.fuzz`): token soups and mutated example programs. Each
input runs the whole front end in-process within a deadline. Inputs that once broke the
law live in `corpus/` and are replayed first, one test each; to add one, save the text as
`corpus/NAME.arch` (the hypothesis failure output prints it). A case whose first line is
``# expect: ok`` must also build, and one whose first line is ``# expect: E324`` must end in
that diagnostic (a prefix, ``E1``, names a family): such cases pin what the front end says
about a construct, not only that it ends cleanly.

Set ``ARCHLANG_FUZZ_EXAMPLES`` to fuzz longer than CI does (e.g. 20000 locally).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from archlang.testing.fuzz import mutated, run_pipeline, token_soup

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.arch"))
PROGRAMS = [p.read_text() for p in sorted((ROOT / "examples").glob("*.arch"))]
EXAMPLES = int(os.environ.get("ARCHLANG_FUZZ_EXAMPLES", "150"))
#: wall time any single input may take (generous: the CI machine is shared)
BOUND_S = 5.0

FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def _within_bound(text: str) -> str:
    started = time.perf_counter()
    outcome = run_pipeline(text, base=str(ROOT / "examples"))
    assert time.perf_counter() - started < BOUND_S, f"took too long on {text!r}"
    return outcome


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_case_ends_cleanly(path: Path) -> None:
    text = path.read_text()
    outcome = _within_bound(text)
    expect = re.match(r"# expect: (ok|E\d+)\n", text)
    if expect and expect[1] == "ok":
        assert outcome == "ok", outcome
    elif expect:
        assert f": error[{expect[1]}" in outcome.split("\n", 1)[0], outcome


def test_the_corpus_pins_issue_13s_constructs() -> None:
    """Cases with an expected outcome cover `shared`, slices, `*`, unpacking, `repeat as i`."""
    pinned = "".join(p.read_text() for p in CORPUS if p.read_text().startswith("# expect:"))
    for construct in ("shared(", "[2:]", "(*", "(a, b) =", ") as i {"):
        assert construct in pinned, construct


@FUZZ
@given(token_soup())
def test_token_soup_ends_cleanly(text: str) -> None:
    _within_bound(text)


@FUZZ
@given(mutated(PROGRAMS))
def test_mutated_examples_end_cleanly(text: str) -> None:
    _within_bound(text)


def test_mutations_reach_past_the_parser() -> None:
    """The generator is useful: a fair share of mutants parse and some still build."""
    import random

    from archlang.testing.fuzz import mutate

    rng = random.Random(0)
    outcomes = [run_pipeline(mutate(rng.choice(PROGRAMS), rng, 1), base=str(ROOT / "examples"))
                for _ in range(60)]
    assert sum(o == "ok" for o in outcomes) >= 5
    assert sum("error[E1" not in o for o in outcomes) >= 15


def test_cli_check_on_the_corpus_never_prints_a_traceback(tmp_path: Path) -> None:
    files = [str(p) for p in CORPUS]
    if not files:
        pytest.skip("empty corpus")
    proc = subprocess.run([sys.executable, "-m", "archlang", "check", *files],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout

"""Golden DOT text for every network of every example: its space, and its member of seed 0.

Set ARCHLANG_ACCEPT=1 to write the goldens from the current output (review the diff).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import archlang
from archlang.viz import arch_dot, space_dot

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "dot"
EXAMPLES = sorted((ROOT / "examples").glob("*.arch"))


def _cases() -> list[tuple[Path, str]]:
    return [(f, n.name) for f in EXAMPLES for n in archlang.load(f).networks()]


CASES = _cases()


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ARCHLANG_ACCEPT"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden {path.name}: run with ARCHLANG_ACCEPT=1 to write it"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (ARCHLANG_ACCEPT=1 accepts)"


@pytest.mark.parametrize(("file", "network"), CASES, ids=[f"{f.stem}-{n}" for f, n in CASES])
def test_space_dot_matches_golden(file: Path, network: str) -> None:
    space = archlang.load(file).network(network)
    _check(f"{file.stem}.{network}.space.dot", space_dot(space))


@pytest.mark.parametrize(("file", "network"), CASES, ids=[f"{f.stem}-{n}" for f, n in CASES])
def test_member_dot_matches_golden(file: Path, network: str) -> None:
    arch = archlang.load(file).network(network).sample(0)
    _check(f"{file.stem}.{network}.seed0.dot", arch_dot(arch))


def test_every_example_has_goldens() -> None:
    names = {p.name for p in GOLDEN.glob("*.dot")}
    expected = {f"{f.stem}.{n}.{kind}.dot" for f, n in CASES for kind in ("space", "seed0")}
    assert expected <= names
    assert not names - expected, f"stale goldens: {sorted(names - expected)}"

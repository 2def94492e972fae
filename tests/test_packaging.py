"""The built wheel carries the grammar and the stdlib, and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import archlang, sys
assert archlang.__file__.startswith(sys.argv[1]), archlang.__file__
space = archlang.parse('import "stdlib/blocks.arch"\\n'
                       'network n() (x: [3, 8, 8]) { return x -> conv_bn_relu(8) }').network()
print(space.bind().output_shape)
"""


@pytest.mark.slow
def test_wheel_installed_outside_checkout_finds_grammar_and_stdlib(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("archlang-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True)
    assert (site / "archlang" / "_data" / "grammar" / "archlang.lark").is_file()
    assert (site / "archlang" / "_data" / "stdlib" / "blocks.arch").is_file()
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(site)], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "(8, 8, 8)"

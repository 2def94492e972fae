"""`archlang --help` starts fast: the CLI imports nothing heavy until a command runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "lark", "numpy", "rich", "archlang.ir.elaborate", "archlang.syntax.parser")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("ARCHLANG_DEBUG", None)
    return env


def test_python_m_archlang_help_is_fast() -> None:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "archlang", "--help"], capture_output=True,
                            text=True, env=_env(), cwd=ROOT, timeout=60)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    assert "Usage: archlang" in result.stdout
    for command in ("check", "fmt", "show", "compile"):
        assert command in result.stdout
    assert elapsed < 1.5, f"`python -m archlang --help` took {elapsed:.2f} s"


def test_importing_the_cli_loads_nothing_heavy() -> None:
    code = ("import sys, archlang.cli; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=_env(), cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported at startup: {result.stdout.strip()}"


def test_help_does_not_import_lazy_commands() -> None:
    code = ("import sys\nfrom archlang.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print([m for m in sys.modules if m.startswith(('archlang.cli.search_cmd', "
            "'archlang.search', 'archlang.tasks'))])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=_env(), cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "search  " in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_main_module_runs_a_command(tmp_path: Path) -> None:
    (tmp_path / "n.arch").write_text("network n() (x: [4]) { return x -> linear(2) }\n")
    result = subprocess.run([sys.executable, "-m", "archlang", "check", "n.arch"],
                            capture_output=True, text=True, env=_env(), cwd=tmp_path,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok: n.arch (network `n`: 0 decisions, 1 architecture)\n"

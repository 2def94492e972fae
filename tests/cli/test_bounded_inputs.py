"""Inputs that used to hang or grow without bound are refused up front, located, exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archlang.files import MAX_SOURCE_CHARS
from tests.cli.test_commands import DECIDED, Run, Write

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m archlang ARGS` in a child process: a hang fails the test instead of it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ARCHLANG_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "archlang", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, input=stdin)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_check_refuses_a_character_device_without_reading_it(tmp_path: Path) -> None:
    done = _cli("check", "/dev/zero", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("/dev/zero:1:1: error[E207]: cannot read `/dev/zero`: "
                                  "it is a character device, not a regular file")
    assert "^" in done.stderr and "hint:" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_check_refuses_a_fifo_in_a_folder_instead_of_hanging(tmp_path: Path) -> None:
    (tmp_path / "fifodir").mkdir()
    os.mkfifo(tmp_path / "fifodir" / "a.arch")
    done = _cli("check", "fifodir", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "fifodir/a.arch:1:1: error[E207]: cannot read `fifodir/a.arch`: it is a FIFO " \
           "(named pipe), not a regular file" in done.stderr


def test_a_file_over_the_size_limit_is_refused_without_parsing_it(run: Run, write: Write,
                                                                  tmp_path: Path) -> None:
    body = "# padding\n" * (MAX_SOURCE_CHARS // 10)
    write("big.arch", DECIDED + body)
    start = time.perf_counter()
    result = run("check", "big.arch")
    assert result.exit_code == 1
    assert time.perf_counter() - start < 5
    first = result.stderr.splitlines()[0]
    size = (tmp_path / "big.arch").stat().st_size
    assert first == (f"big.arch:1:1: error[E601]: file is too large ({size:,} bytes; the limit "
                     f"is {MAX_SOURCE_CHARS:,} characters)")
    assert "split it into files joined by `import`" in result.stderr


def test_a_file_at_the_size_limit_is_read(run: Run, write: Write) -> None:
    body = "#" * (MAX_SOURCE_CHARS - len(DECIDED) - 1) + "\n"
    write("full.arch", DECIDED + body)
    result = run("check", "full.arch")
    assert result.exit_code == 0, result.stderr


def test_an_import_of_a_file_over_the_limit_is_refused(run: Run, write: Write) -> None:
    write("big.arch", "#" * (MAX_SOURCE_CHARS + 1) + "\n")
    write("main.arch", 'import "big.arch"\n' + DECIDED)
    result = run("check", "main.arch")
    assert result.exit_code == 1
    assert result.stderr.startswith("big.arch:1:1: error[E601]: file is too large")


def test_fmt_reads_at_most_the_limit_from_stdin(run: Run) -> None:
    result = run("fmt", "-", input=DECIDED + "#" * MAX_SOURCE_CHARS)
    assert result.exit_code == 1
    assert result.stderr.startswith("<stdin>:1:1: error[E601]: file is too large (more than")


NESTED = """\
network net() (x: [8]) {
    return x -> repeat(COUNT) {
        repeat(COUNT) { linear(8) -> relu() }
    }
}
"""


def test_nested_repeats_are_refused_from_the_product_of_their_bounds(run: Run,
                                                                     write: Write) -> None:
    write("nest.arch", NESTED.replace("COUNT", "int(1, 1000)"))
    start = time.perf_counter()
    result = run("check", "nest.arch")
    assert time.perf_counter() - start < 10  # refused before the million copies are made
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:5] == [
        "nest.arch:3:16: error[E612]: nested repeats make up to 1,000,000 copies of this "
        "body; the limit is 10,000",
        "  |",
        "3 |         repeat(int(1, 1000)) { linear(8) -> relu() }",
        "  |                ^^^^^^^^^^^^",
        "  = hint: lower the repeat counts (or the bounds of their decisions)",
    ]


def test_nested_fixed_repeats_count_too_and_small_ones_still_bind() -> None:
    import archlang
    from archlang.ir.apply import MAX_COPIES

    with pytest.raises(archlang.ArchError) as exc:
        archlang.parse(NESTED.replace("COUNT", "200")).network().bind()
    assert exc.value.diagnostics[0].code == "E612"
    assert f"{200 * 200:,} copies" in exc.value.diagnostics[0].message
    assert 20 * 20 <= MAX_COPIES
    space = archlang.parse(NESTED.replace("COUNT", "int(1, 20)")).network()
    assert space.sample(seed=0).source().startswith('"""Net: network `net`')


def _wide_choice(values: list[str]) -> str:
    return f"network net() (x: [8]) {{\n    return x -> linear(choice({', '.join(values)}))\n}}\n"


def test_a_choice_of_10000_candidates_is_checked_in_near_linear_time() -> None:
    import archlang

    start = time.perf_counter()
    space = archlang.parse(_wide_choice([str(i) for i in range(1, 10_001)])).network()
    assert space.size == 10_000
    assert time.perf_counter() - start < 10  # every pair compared took minutes


def test_a_duplicate_among_many_candidates_is_still_found_and_located() -> None:
    import archlang

    values = [str(i) for i in range(1, 5001)] + ["1.0", "true", "(1, 2)", "(1, 2)"]
    with pytest.raises(archlang.ArchError) as exc:
        archlang.parse(_wide_choice(values)).network().decisions  # noqa: B018
    diag = exc.value.diagnostics[0]
    assert diag.code == "E508" and diag.message == "`choice` lists [1, 2] twice"
    line = _wide_choice(values).split("\n")[1]
    assert diag.span is not None and (diag.span.line, diag.span.col) == (2, line.rindex("(1, 2)") + 1)

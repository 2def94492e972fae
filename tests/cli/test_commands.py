"""The `archlang` commands end to end, through click's runner: exit codes, stdout, stderr."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Run = Callable[..., Result]
Write = Callable[[str, str], str]

OPEN = """\
network net() (x: [8]) {
    width = choice(16, 32, 64)
    act = choice(relu(), gelu())
    h = x -> linear(width) -> act
    h = h -> repeat(int(1, 2)) { choice(linear(width), identity()) }
    return h -> linear(2)
}
"""

DECIDED = """\
network tiny() (x: [1, 8, 8]) {
    h = x -> conv2d(4, 3, padding = 1) -> relu()
    return h -> global_avgpool() -> linear(3)
}
"""

BROKEN = """\
network net() (x: [1, 8, 8]) {
    h = x -> conv2(16, 3)
    return h -> global_avgpool() -> linear(10)
}
"""

TWO = DECIDED + "\n" + OPEN


@pytest.mark.parametrize("command", [[], ["check"], ["fmt"], ["show"], ["compile"],
                                     ["search"]])
def test_help(run: Run, command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: archlang" in result.stdout
    assert result.stderr == ""


def test_version(run: Run) -> None:
    result = run("--version")
    assert result.exit_code == 0 and "0.1.0" in result.stdout


def test_the_entry_point_lets_idle_openmp_threads_sleep(monkeypatch) -> None:
    # issue 17, item 8: spinning OpenMP threads made --threads 2 trials 8x slower on shared
    # cores; the policy is set before any command imports torch, never over the user's
    from archlang.cli import main

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    with pytest.raises(SystemExit):
        main(["--version"])
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    with pytest.raises(SystemExit):
        main(["--version"])
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"


def test_search_help_names_threads(run: Run) -> None:
    result = run("search", "--help")
    assert "--threads" in result.stdout and "intra-op threads per trial" in result.stdout


# ---------------------------------------------------------------- usage errors: exit 2


@pytest.mark.parametrize("args", [
    ["check"],                                   # no file
    ["check", "missing.arch"],                   # a file that does not exist
    ["show", "net.arch", "--bogus"],             # an unknown option
    ["show", "net.arch", "--set", "net.width"],  # --set without `=`
    ["compile", "net.arch", "--seed", "x"],      # not an int
    ["frobnicate"],                              # an unknown command
])
def test_usage_errors_exit_2(run: Run, write: Write, args: list[str]) -> None:
    write("net.arch", OPEN)
    result = run(*args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert "Usage:" in result.stderr or "Error:" in result.stderr


# ---------------------------------------------------------------- check


def test_check_ok(run: Run, write: Write) -> None:
    write("net.arch", OPEN)
    result = run("check", "net.arch")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ok: net.arch (network `net`: 5 decisions, 36 architectures)\n"
    assert result.stderr == ""


def test_check_decided_and_several_networks(run: Run, write: Write) -> None:
    write("two.arch", TWO)
    result = run("check", "two.arch")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ("ok: two.arch (network `tiny`: 0 decisions, 1 architecture; "
                             "network `net`: 5 decisions, 36 architectures)\n")


def test_check_error_goes_to_stderr(run: Run, write: Write) -> None:
    write("bad.arch", BROKEN)
    result = run("check", "bad.arch")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("bad.arch:2:14: error[E202]: unknown op or block `conv2`\n")
    assert "2 |     h = x -> conv2(16, 3)\n" in result.stderr
    assert "  |              ^^^^^\n" in result.stderr
    assert "hint: did you mean `conv2d`?" in result.stderr


def test_check_several_files_and_folders(run: Run, write: Write) -> None:
    write("lib/good.arch", OPEN)
    write("lib/bad.arch", BROKEN)
    write("tiny.arch", DECIDED)
    result = run("check", "lib", "tiny.arch")
    assert result.exit_code == 1
    assert "ok: lib/good.arch" in result.stdout and "ok: tiny.arch" in result.stdout
    assert "bad.arch" not in result.stdout
    assert "lib/bad.arch:2:14: error[E202]" in result.stderr
    assert result.stderr.rstrip().endswith("1 of 3 files failed the check")


def test_check_quiet(run: Run, write: Write) -> None:
    write("net.arch", OPEN)
    result = run("check", "-q", "net.arch")
    assert result.exit_code == 0 and result.stdout == ""


def test_check_sampled_failure_names_the_decisions(run: Run, write: Write) -> None:
    write("pair.arch", """\
network net() (x: [8]) {
    a = x -> linear(choice(16, 24))
    b = x -> linear(choice(16, 24))
    return a + b
}
""")
    result = run("check", "pair.arch")
    assert result.exit_code == 1
    assert "error[E401]: `add` expects inputs of the same shape" in result.stderr
    assert "= note: with net.linear.out = 16, net.linear_1.out = 24" in result.stderr or \
        "= note: with net.linear.out = 24, net.linear_1.out = 16" in result.stderr
    assert "reproduce with `archlang show pair.arch --seed" in result.stderr
    assert "E515" not in result.stderr  # every candidate works with some other


def test_check_candidate_that_never_works(run: Run, write: Write) -> None:
    write("k.arch", """\
network net() (x: [3, 8, 8]) {
    k = choice(3, 11, 5)
    h = x -> conv2d(8, k) -> relu()
    return h -> global_avgpool() -> linear(2)
}
""")
    result = run("check", "k.arch")
    assert result.exit_code == 1
    err = result.stderr
    # the decision's place, then the failing op's place
    assert err.startswith("k.arch:2:9: error[E515]: candidate `11` of `net.k` never makes a "
                          "valid network\n")
    assert "`3` and `5` work" in err
    assert "k.arch:3:14: note[E401]: with `net.k` = 11: `conv2d` output would be empty" in err
    # the sampled members that hit it are not reported a second time
    assert err.count("error[") == 1


def test_check_candidate_only_rejected_by_require_is_a_warning(run: Run, write: Write) -> None:
    write("req.arch", """\
network net() (x: [8]) {
    width = choice(16, 32, 64)
    require width < 64
    return x -> linear(width) -> linear(2)
}
""")
    result = run("check", "req.arch")
    assert result.exit_code == 0
    assert result.stdout.startswith("ok: req.arch")
    assert "warning[E515]: candidate `64` of `net.width` is always rejected" in result.stderr


def test_check_stays_within_its_bind_budget(write: Write, tmp_path: Path) -> None:
    from archlang.cli.check import MAX_BINDS, check_file

    body = "\n".join("    h = h -> linear(choice(4, 8, 16, 32)) -> relu()" for _ in range(40))
    write("wide.arch", f"network net() (x: [8]) {{\n    h = x\n{body}\n    return h\n}}\n")
    report = check_file(str(tmp_path / "wide.arch"))
    assert report.ok
    assert report.networks[0].binds <= MAX_BINDS


# ---------------------------------------------------------------- fmt


UGLY = "network net()(x:[8]){\n  w=choice(16,32) # the width\n return x->linear(w)\n}\n"
PRETTY = ("network net() (x: [8]) {\n    w = choice(16, 32)  # the width\n"
          "    return x -> linear(w)\n}\n")


def test_fmt_rewrites(run: Run, write: Write, tmp_path: Path) -> None:
    write("a.arch", UGLY)
    write("b.arch", PRETTY)
    result = run("fmt", "a.arch", "b.arch")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "reformatted a.arch\n"
    assert (tmp_path / "a.arch").read_text() == PRETTY
    assert (tmp_path / "b.arch").read_text() == PRETTY
    assert "1 file reformatted, 1 unchanged" in result.stderr
    again = run("fmt", "a.arch")
    assert again.exit_code == 0 and again.stdout == ""


def test_fmt_check_writes_nothing(run: Run, write: Write, tmp_path: Path) -> None:
    write("a.arch", UGLY)
    write("b.arch", PRETTY)
    result = run("fmt", "--check", "a.arch", "b.arch")
    assert result.exit_code == 1
    assert result.stdout == "would reformat a.arch\n"
    assert (tmp_path / "a.arch").read_text() == UGLY
    assert run("fmt", "--check", "b.arch").exit_code == 0


def test_fmt_diff(run: Run, write: Write, tmp_path: Path) -> None:
    write("a.arch", UGLY)
    result = run("fmt", "--diff", "a.arch")
    assert result.exit_code == 1
    assert "-  w=choice(16,32) # the width\n" in result.stdout
    assert "+    w = choice(16, 32)  # the width\n" in result.stdout
    assert (tmp_path / "a.arch").read_text() == UGLY


def test_fmt_stdin(run: Run) -> None:
    result = run("fmt", "-", input=UGLY)
    assert result.exit_code == 0
    assert result.stdout == PRETTY


def test_fmt_syntax_error(run: Run, write: Write, tmp_path: Path) -> None:
    write("bad.arch", "network net() (x: [8]) {\n    return x -> linear(2))\n}\n")
    write("a.arch", UGLY)
    result = run("fmt", "bad.arch", "a.arch")
    assert result.exit_code == 1
    assert "bad.arch:2:26: error[E100]" in result.stderr
    assert (tmp_path / "a.arch").read_text() == PRETTY  # the other file is still formatted


def test_fmt_does_not_link_imports(run: Run, write: Write) -> None:
    write("a.arch", 'import "missing.arch"\nnetwork net() (x: [8]) { return x -> linear(2) }\n')
    assert run("fmt", "--check", "a.arch").exit_code == 1  # would change; no E207


# ---------------------------------------------------------------- show


def test_show_open_space(run: Run, write: Write) -> None:
    write("net.arch", OPEN)
    result = run("show", "net.arch")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "network: net (net.arch)" in out
    assert "open decisions: 5" in out
    lines = {line.split()[0]: line for line in out.splitlines()[3:] if line.startswith("  ")}
    assert "choice(16, 32, 64)" in lines["net.width"]
    assert "choice(relu(), gelu())" in lines["net.act"]
    assert "int(1, 2)" in lines["net.repeat"]
    assert lines["net.repeat[1].choice"].endswith("when net.repeat in {2}")
    assert "space size: 36" in out
    assert "parameters" not in out
    assert "--seed N" in result.stderr  # how to see the figures


def test_show_decided(run: Run, write: Write) -> None:
    write("tiny.arch", DECIDED)
    result = run("show", "tiny.arch")
    assert result.exit_code == 0
    assert "open decisions: none" in result.stdout
    assert "parameters: 55" in result.stdout  # conv 1*4*9+4 = 40, linear 4*3+3 = 15
    assert "output shape: [3]" in result.stdout
    assert "FLOPs: " in result.stdout
    assert result.stderr == ""


def test_show_set_and_seed(run: Run, write: Write) -> None:
    write("net.arch", OPEN)
    sets = ["--set", "net.width=32", "--set", "net.act=1", "--set", "net.repeat=1",
            "--set", "net.repeat[0].choice=0"]
    result = run("show", "net.arch", *sets)
    assert result.exit_code == 0, result.stderr
    assert "fixed: net.width = 32, net.act = 1" in result.stdout
    assert "open decisions: none" in result.stdout
    assert f"parameters: {8 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2:,}" in result.stdout
    seeded = run("show", "net.arch", "--seed", "3")
    assert seeded.exit_code == 0
    assert "member:" in seeded.stdout and "net.act = " in seeded.stdout
    assert "  # relu()" in seeded.stdout or "  # gelu()" in seeded.stdout


def test_show_json(run: Run, write: Write) -> None:
    write("net.arch", OPEN)
    data = json.loads(run("show", "net.arch", "--json").stdout)
    assert data["network"] == "net" and data["size"] == 36
    assert [d["key"] for d in data["decisions"]] == [
        "net.width", "net.act", "net.repeat", "net.repeat[0].choice", "net.repeat[1].choice"]
    assert data["decisions"][0]["values"] == [16, 32, 64]
    assert data["decisions"][4]["when"] == {"key": "net.repeat", "in": [2]}
    assert data["decisions"][0]["at"] == "net.arch:2:13"
    assert "parameters" not in data
    decided = json.loads(run("show", "net.arch", "--json", "--seed", "0").stdout)
    assert decided["parameters"] > 0 and decided["output_shape"] == [2]
    assert set(decided["assignment"]) <= {d["key"] for d in data["decisions"]}


def _huge(write: Write, decisions: int) -> str:
    body = "\n".join("    h = h -> linear(choice(4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048))"
                     for _ in range(decisions))
    return write("huge.arch", f"network net() (x: [8]) {{\n    h = x\n{body}\n    return h\n}}\n")


def test_show_huge_space(run: Run, write: Write) -> None:
    _huge(write, 300)
    result = run("show", "huge.arch")
    assert result.exit_code == 0
    assert f"space size: {10**300} (≈ 1.0e+300)" in result.stdout
    data = json.loads(run("show", "huge.arch", "--json").stdout)
    assert data["size"] == str(10**300) and data["size_approx"] == "1.0e+300"
    check = run("check", "huge.arch")
    assert check.stdout == ("ok: huge.arch (network `net`: 300 decisions, "
                            "≈ 1.0e+300 architectures)\n")


def test_show_space_beyond_float_range(run: Run, write: Write) -> None:
    _huge(write, 400)
    result = run("show", "huge.arch")
    assert result.exit_code == 0
    assert f"space size: {10**400} (≈ 1.0e+400)" in result.stdout


def test_show_needs_a_network_name(run: Run, write: Write) -> None:
    write("two.arch", TWO)
    result = run("show", "two.arch")
    assert result.exit_code == 1
    assert "error[E210]: two.arch defines 2 networks (`tiny`, `net`)" in result.stderr
    assert run("show", "two.arch", "--network", "tiny").exit_code == 0
    wrong = run("show", "two.arch", "-n", "tinny")
    assert wrong.exit_code == 1 and "did you mean `tiny`?" in wrong.stderr


def test_show_network_params(run: Run, write: Write) -> None:
    write("p.arch", "network net(classes: int = 10) (x: [8]) {\n"
                    "    return x -> linear(classes)\n}\n")
    result = run("show", "p.arch", "-p", "classes=4")
    assert "output shape: [4]" in result.stdout
    bad = run("show", "p.arch", "-p", "clases=4")
    assert bad.exit_code == 1 and "no parameter `clases`" in bad.stderr


def test_show_unknown_set_key(run: Run, write: Write) -> None:
    write("net.arch", OPEN)
    result = run("show", "net.arch", "--set", "net.widht=32")
    assert result.exit_code == 1
    assert "error[E511]: no decision `net.widht`" in result.stderr
    assert "did you mean `net.width`?" in result.stderr


# ---------------------------------------------------------------- compile


def test_compile_refuses_open_decisions(run: Run, write: Write, tmp_path: Path) -> None:
    write("net.arch", OPEN)
    result = run("compile", "net.arch", "-o", "model.py")
    assert result.exit_code == 1
    assert "error[E501]: network `net` has 5 open decisions" in result.stderr
    for key in ("net.width", "net.act", "net.repeat"):
        assert f"`{key}`" in result.stderr
    assert "--set KEY=VALUE" in result.stderr and "--seed N" in result.stderr
    assert not (tmp_path / "model.py").exists()
    partial = run("compile", "net.arch", "--set", "net.width=16", "-o", "model.py")
    assert partial.exit_code == 1 and "has 4 open decisions" in partial.stderr


def _import(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.torch
def test_compile_seed_writes_a_module_that_runs(run: Run, write: Write, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    write("net.arch", OPEN)
    result = run("compile", "net.arch", "--seed", "0", "-o", "model.py")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("wrote model.py (network `net`: ")
    assert "parameters" in result.stdout and "net.width = " in result.stdout
    model = _import(tmp_path / "model.py").build()  # type: ignore[attr-defined]
    assert model(torch.zeros(2, 8)).shape == (2, 2)

    import archlang

    arch = archlang.load("net.arch").network().sample(0)
    assert (tmp_path / "model.py").read_text() == arch.source()
    assert f"{arch.params:,} parameters" in result.stdout


@pytest.mark.torch
def test_compile_decided_with_set(run: Run, write: Write, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    write("net.arch", OPEN)
    result = run("compile", "net.arch", "-o", "m.py", "-s", "net.width=64", "-s", "net.act=1",
                 "-s", "net.repeat=2", "-s", "net.repeat[0].choice=0",
                 "-s", "net.repeat[1].choice=1")
    assert result.exit_code == 0, result.stderr
    assert "net.act = 1  # gelu()" in result.stdout
    model = _import(tmp_path / "m.py").build()  # type: ignore[attr-defined]
    assert sum(p.numel() for p in model.parameters()) == 8 * 64 + 64 + 64 * 64 + 64 + 130


def test_compile_to_stdout(run: Run, write: Write) -> None:
    write("tiny.arch", DECIDED)
    result = run("compile", "tiny.arch")
    assert result.exit_code == 0
    assert "class Tiny(nn.Module)" in result.stdout and "def build()" in result.stdout
    assert "compiled network `tiny`: 55 parameters" in result.stderr


def test_compile_set_activates_its_parents_with_seed(run: Run, write: Write) -> None:
    write("net.arch", OPEN)
    result = run("compile", "net.arch", "--seed", "5", "--set", "net.repeat[1].choice=1",
                 "-o", "m.py")
    assert result.exit_code == 0, result.stderr
    assert "net.repeat = 2" in result.stdout and "net.repeat[1].choice = 1" in result.stdout


def test_compile_unwritable_output(run: Run, write: Write) -> None:
    write("tiny.arch", DECIDED)
    result = run("compile", "tiny.arch", "-o", "no/such/dir/m.py")
    assert result.exit_code == 1
    assert "no/such/dir/m.py" in result.stderr


# ---------------------------------------------------------------- internal errors: exit 3


def _explode(*args: object, **kwargs: object) -> None:
    raise ZeroDivisionError("boom")


def test_internal_error(run: Run, write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    import archlang.cli.check

    monkeypatch.setattr(archlang.cli.check, "check_file", _explode)
    write("net.arch", OPEN)
    result = run("check", "net.arch")
    assert result.exit_code == 3
    assert result.stderr.startswith(
        "internal error (this is a bug in archlang): ZeroDivisionError: boom\n")
    assert "--traceback" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""

    shown = run("--traceback", "check", "net.arch")
    assert shown.exit_code == 3
    assert "Traceback (most recent call last)" in shown.stderr and "_explode" in shown.stderr

    monkeypatch.setenv("ARCHLANG_DEBUG", "1")
    assert "Traceback (most recent call last)" in run("check", "net.arch").stderr


PAIRS = """\
network net() (x: [8]) {
    pair = choice([1, 2], [2, 4], ["a", 3])
    n = 3 if pair[0] == "a" else pair[0] + pair[1]
    return x -> linear(n) -> linear(2)
}
"""


def test_tuple_choices_take_set_and_print_what_set_takes(run: Run, write: Write) -> None:
    write("pairs.arch", PAIRS)
    shown = run("show", "pairs.arch", "--set", "net.pair=[2,4]")
    assert shown.exit_code == 0, shown.stderr  # E502 before: a list never matched a tuple
    assert "fixed: net.pair = [2, 4]" in shown.stdout
    assert f"parameters: {8 * 6 + 6 + 6 * 2 + 2:,}" in shown.stdout
    strings = run("show", "pairs.arch", "--set", 'net.pair=["a", 3]')
    assert strings.exit_code == 0, strings.stderr
    assert f"parameters: {8 * 3 + 3 + 3 * 2 + 2:,}" in strings.stdout
    bad = run("show", "pairs.arch", "--set", "net.pair=[2,5]")
    assert bad.exit_code == 1 and "error[E502]: `net.pair` = [2, 5] is not in its domain" \
        in bad.stderr
    # what `compile --seed` prints is what `--set` takes back, for the same network
    for seed in range(6):
        seeded = run("compile", "pairs.arch", "--seed", str(seed), "-o", "a.py")
        assert seeded.exit_code == 0, seeded.stderr
        line = next(x.strip() for x in seeded.stdout.splitlines() if "net.pair = " in x)
        again = run("compile", "pairs.arch", "--set", line.replace(" = ", "=", 1), "-o", "b.py")
        assert again.exit_code == 0, again.stderr
        assert again.stdout.splitlines()[0].split("(")[1] == \
            seeded.stdout.splitlines()[0].split("(")[1]


REQUIRED = """\
network net() (x: [8]) {
    a = choice(1, 2, 3)
    b = choice(1, 2, 3)
    c = choice(1, 2, 3)
    require not (a == 3 and b == 3)
    return x -> linear(a + b + c) -> linear(2)
}
"""


def test_show_counts_what_the_require_allows(run: Run, write: Write) -> None:
    write("req.arch", REQUIRED)
    result = run("show", "req.arch")
    assert result.exit_code == 0, result.stderr
    assert "space size: 24 (a `require` excludes 3 of 27)" in result.stdout
    data = json.loads(run("show", "req.arch", "--json").stdout)
    assert data["size"] == 24 and data["size_before_requires"] == 27
    body = "\n".join(f"    c{i} = choice(1, 2, 3)" for i in range(8))
    write("big.arch", f"network net() (x: [8]) {{\n{body}\n    require c0 < 3\n"
                      "    return x -> linear(c0 + c7)\n}\n")
    big = run("show", "big.arch")
    assert "space size: at most 6,561 members (a `require` excludes some)" in big.stdout


def test_compile_seed_draws_a_member_the_require_allows(run: Run, write: Write) -> None:
    write("req.arch", REQUIRED)
    for seed in range(30):  # seed 20 drew a = b = 3 before: E514
        result = run("compile", "req.arch", "--seed", str(seed), "-o", "m.py")
        assert result.exit_code == 0, result.stderr


def test_check_says_when_a_require_excludes_every_member(run: Run, write: Write) -> None:
    write("none.arch", REQUIRED.replace("not (a == 3 and b == 3)", "a > 5"))
    result = run("check", "none.arch")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "none.arch:5:5: error[E518]: the `require`s of network `net` exclude every one of "
        "its 27 members\n")

"""The `MODULE:FUNCTION` task: a user's evaluator, its contract and its error paths."""

from __future__ import annotations

import itertools
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import archlang
from archlang.cli import cli
from archlang.search import get_searcher, run_search
from archlang.tasks import TaskError, get_task
from archlang.tasks.user import make_task

NET = "network n() (x: [4]) { return x -> linear(choice(2, 3)) }"
_names = itertools.count()


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a module into a fresh current directory; returns a function making its name."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))

    def write(source: str) -> str:
        name = f"user_eval_{next(_names)}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        return name

    return write


def arch(out: int = 2):
    return archlang.parse(NET).network().bind({"n.linear.out": out})


def test_the_function_gets_the_compiled_module_and_the_arch(module):
    name = module("""
        import torch

        def score(module, arch, *, seed=0):
            '''Scores by the module's own output size.'''
            out = module(torch.zeros(1, 4)).shape[1]
            return {"val_accuracy": out / 10, "params": arch.params, "seed": seed}
    """)
    task = get_task(f"{name}:score")
    assert (task.objective, task.direction) == ("val_accuracy", "maximize")
    assert task.description == "Scores by the module's own output size."
    m = task.evaluate(arch(3), epochs=4, seed=7)
    assert m == {"val_accuracy": 0.3, "params": 15, "seed": 7}  # epochs not accepted: not passed


def test_objective_and_direction_come_from_the_function(module):
    name = module("""
        def loss(module, arch, **options):
            return {"val_loss": arch.params, **options}
        loss.objective = "val_loss"
        loss.direction = "minimize"
    """)
    task = make_task(f"{name}:loss")
    assert (task.objective, task.direction) == ("val_loss", "minimize")
    assert task.evaluate(arch(2), epochs=3, seed=1) == {"val_loss": 10, "epochs": 3, "seed": 1}
    space = archlang.parse(NET).network()
    study = run_search(space, task.evaluate, get_searcher("grid"), 5,
                       objective=task.objective, direction=task.direction)
    assert study.best.assignment == {"n.linear.out": 2}  # fewest parameters wins


def test_an_option_the_function_does_not_take_is_an_error_not_ignored(module):
    task = make_task(module("def f(module, arch):\n    return {'val_accuracy': 1.0}\n") + ":f")
    assert task.evaluate(arch(), epochs=2, seed=0) == {"val_accuracy": 1.0}
    with pytest.raises(TypeError, match="takes no lr argument"):
        task.evaluate(arch(), epochs=2, seed=0, lr=0.1)


def test_a_function_that_returns_no_dict_fails_its_trial(module):
    task = make_task(module("def f(module, arch):\n    return 0.5\n") + ":f")
    with pytest.raises(TypeError, match="must return a dict of metrics, but returned float"):
        task.evaluate(arch())
    study = run_search(archlang.parse(NET).network(), task.evaluate, get_searcher("grid"), 2)
    assert [t.ok for t in study.trials] == [False, False]
    assert "must return a dict" in study.trials[0].error


def test_a_py_file_path_works_too(module, tmp_path: Path):
    name = module("def f(module, arch):\n    return {'val_accuracy': 1.0}\n")
    assert make_task(f"{tmp_path / name}.py:f").evaluate(arch()) == {"val_accuracy": 1.0}


@pytest.mark.parametrize(("source", "spec", "message"), [
    (None, "no_such_module_xyz:f", "cannot import `no_such_module_xyz`: no module named"),
    ("def score(module, arch):\n    return {}\n", "{name}:scor",
     "has no function `scor`\n  hint: did you mean `score`?"),
    ("score = 3\n", "{name}:score", r"`{name}:score` is not a function \(its type is int\)"),
    ("def f(:\n", "{name}:f", r"importing `{name}` failed \(.*{name}.py:1\): SyntaxError"),
    ("import not_installed_dep_xyz\n", "{name}:f",
     "importing `{name}` failed .*ModuleNotFoundError: No module named 'not_installed_dep_xyz'"),
    ("raise RuntimeError('boom')\n", "{name}:f", r"failed \(.*{name}.py:1\): RuntimeError: boom"),
    ("def f(m, a):\n    return {}\nf.direction = 'up'\n", "{name}:f", "must be a metric name"),
    (None, "missing_file.py:f", "no such file: missing_file.py"),
    (None, "mod:", "is not MODULE:FUNCTION"),
])
def test_errors_name_what_is_missing(module, source, spec, message):
    name = module(source) if source is not None else "unused"
    with pytest.raises(TaskError, match=message.format(name=name)):
        make_task(spec.format(name=name))


def test_the_command_runs_a_user_function_and_reports_a_bad_one_cleanly(module,
                                                                          tmp_path: Path):
    name = module("def f(module, arch, *, seed, epochs):\n"
                  "    return {'val_accuracy': arch.params / 100}\n")
    (tmp_path / "n.arch").write_text(NET + "\n", encoding="utf-8")
    ok = CliRunner().invoke(cli, ["search", "n.arch", "--task", f"{name}:f", "--budget", "2"],
                            catch_exceptions=False)
    assert ok.exit_code == 0, ok.output
    assert "0.1500" in ok.stdout
    bad = CliRunner().invoke(cli, ["search", "n.arch", "--task", f"{name}:g"])
    assert bad.exit_code == 2 and f"module `{name}` has no function `g`" in bad.stderr
    assert "Traceback" not in bad.output

"""User ops (`archlang.op`): registered by decorator, on a third-party class, by `--ops` and by
pyproject.toml; shapes, parameters and FLOPs from the meta device; every bad input one
diagnostic."""

from __future__ import annotations

import textwrap

import pytest
import torch
import torch.nn as nn
from click.testing import CliRunner

import archlang
from archlang.cli import cli
from archlang.diagnostics import ArchError
from archlang.ops.registry import OPS, unregister


@pytest.fixture
def registered():
    """Names registered during a test, removed afterwards."""
    before = set(OPS)
    yield
    for name in set(OPS) - before:
        unregister(name)


class Gate(nn.Module):
    """x * sigmoid(W x): a gated linear map."""

    def __init__(self, features: int, hidden: int = 8, bias: bool = True) -> None:
        super().__init__()
        self.value = nn.Linear(features, hidden, bias=bias)
        self.gate = nn.Linear(features, hidden, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.value(x) * torch.sigmoid(self.gate(x))


SPACE = """
network gated() (x: [6, 16]) {
    h = x -> gate_u(16, hidden = choice(8, 12), bias = choice(true, false))
    return h -> linear(3)
}
"""


def test_a_call_on_a_class_makes_an_op_with_its_constructor_s_parameters(registered):
    archlang.op(Gate, name="gate_u")
    spec = OPS["gate_u"]
    assert [(p.name, p.kind, p.default) for p in spec.params][1:] == [
        ("hidden", "int", 8), ("bias", "bool", True)]
    assert spec.origin.endswith("test_user_ops.Gate") and spec.inputs == 1
    space = archlang.parse(SPACE).network()
    assert space.size == 4
    for seed in range(4):
        arch = space.sample(seed=seed)
        model = arch.compile()
        assert model(torch.randn(2, 6, 16)).shape == (2, 6, 3)
        assert arch.params == sum(p.numel() for p in model.parameters())
        hidden = arch.assignment["gated.hidden"] if "gated.hidden" in arch.assignment else None
        assert arch.flops >= 6 * 16 * 2 * (hidden or 8)
    assert "from tests.ops.test_user_ops import Gate" in arch.source() or \
        "import Gate" in arch.source()


def test_the_decorator_names_the_op_in_snake_case(registered):
    @archlang.op
    class DoubleWidth(nn.Module):
        def __init__(self, scale: float = 2.0) -> None:
            super().__init__()
            self.scale = scale

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cat([x, x * self.scale], dim=-1)

    assert isinstance(DoubleWidth(), nn.Module)  # the class stays usable
    arch = archlang.parse("network n() (x: [5]) { return x -> double_width() }").network().sample()
    assert arch.output_shape == (10,)


#: a dozen user ops, the shape archlang infers on meta against a real forward
TORCH_OPS = [
    (nn.Linear, "[12]", "12, 7", (3, 12)),
    (nn.Conv1d, "[4, 20]", "4, 6, 3", (3, 4, 20)),
    (nn.Conv2d, "[3, 9, 9]", "3, 5, 3, stride = 2", (3, 3, 9, 9)),
    (nn.ConvTranspose2d, "[3, 5, 5]", "3, 2, 2, stride = 2", (3, 3, 5, 5)),
    (nn.LayerNorm, "[4, 10]", "[10]", (3, 4, 10)),
    (nn.GroupNorm, "[6, 4, 4]", "3, 6", (3, 6, 4, 4)),
    (nn.Bilinear, None, None, None),
    (nn.GRUCell, "[10]", "10, 5", (3, 10)),
    (nn.Embedding, "long[7]", "50, 4", (3, 7)),
    (nn.PixelShuffle, "[8, 3, 3]", "2", (3, 8, 3, 3)),
    (nn.Upsample, "[2, 4, 4]", "scale_factor = 2.0", (3, 2, 4, 4)),
    (nn.AdaptiveAvgPool2d, "[3, 7, 7]", "[2, 3]", (3, 3, 7, 7)),
    (nn.Flatten, "[3, 4, 5]", "", (3, 3, 4, 5)),
]


@pytest.mark.parametrize("cls, shape, args, real", [t for t in TORCH_OPS if t[1]],
                         ids=[t[0].__name__ for t in TORCH_OPS if t[1]])
def test_meta_inference_agrees_with_a_real_forward(registered, cls, shape, args, real):
    name = f"u_{cls.__name__.lower()}"
    archlang.op(cls, name=name)
    arch = archlang.parse(f"network n() (x: {shape}) {{ return x -> {name}({args}) }}"
                          ).network().sample()
    model = arch.compile().eval()
    x = torch.randint(0, 50, real) if shape.startswith("long") else torch.randn(real)
    with torch.no_grad():
        assert tuple(model(x).shape[1:]) == arch.output_shape
    assert arch.params == sum(p.numel() for p in model.parameters())


def _error(text: str) -> ArchError:
    with pytest.raises(ArchError) as info:
        archlang.parse(text).network().sample()
    return info.value


class Masked(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[x > 0]


class Raises(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        if width > 4:
            raise ValueError(f"width {width} is too wide")


class Pair(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x, x


def test_an_op_that_cannot_run_on_meta_says_how_to_give_a_shape_rule(registered):
    archlang.op(Masked, name="masked_u")
    err = _error("network n() (x: [4]) {\n    return x -> masked_u()\n}")
    d = err.diagnostic
    assert d.code == "E334" and d.span.line == 2 and "meta device" in d.message
    assert "shape=lambda x0, **args" in d.hint


def test_a_shape_rule_stands_in_for_the_meta_run(registered):
    archlang.op(Masked, name="masked_r", shape=lambda x, **args: (x[0],))
    arch = archlang.parse("network n() (x: [4]) { return x -> masked_r() }").network().sample()
    assert arch.output_shape == (4,)


def test_a_constructor_that_raises_is_reported_where_the_op_is_used(registered):
    archlang.op(Raises, name="raises_u")
    d = _error("network n() (x: [4]) {\n    return x -> raises_u(8)\n}").diagnostic
    assert d.code == "E333" and d.span.line == 2
    assert "ValueError: width 8 is too wide" in d.message


def test_a_forward_returning_a_tuple_is_refused(registered):
    archlang.op(Pair, name="pair_u")
    d = _error("network n() (x: [4]) { return x -> pair_u() }").diagnostic
    assert d.code == "E335" and "tuple" in d.message


def test_two_classes_under_one_name_and_a_built_in_s_name_are_refused(registered):
    archlang.op(Pair, name="pair_u")
    archlang.op(Pair, name="pair_u")  # the same class again: fine
    with pytest.raises(ArchError) as twice:
        archlang.op(Masked, name="pair_u")
    assert twice.value.diagnostic.code == "E211"
    with pytest.raises(ArchError) as shadow:
        archlang.op(Masked, name="linear")
    assert shadow.value.diagnostic.code == "E212" and "built-in" in shadow.value.diagnostic.message


def test_the_hash_names_the_class(registered):
    text = "network n() (x: [4]) { return x -> same_u() }"
    archlang.op(Pair, name="same_u", shape=lambda x, **a: x)
    first = archlang.parse(text).network().sample().hash
    unregister("same_u")
    archlang.op(Masked, name="same_u", shape=lambda x, **a: x)
    assert archlang.parse(text).network().sample().hash != first


def test_an_arch_file_never_imports_python():
    d = _error('import "my_ops.py"\nnetwork n() (x: [4]) { return x }').diagnostic
    assert d.code == "E214" and "--ops my_ops.py" in d.hint


def test_an_unknown_op_points_at_ops():
    d = _error("network n() (x: [4]) { return x -> qqq_layer(3) }").diagnostic
    assert d.code == "E202" and "--ops MODULE" in d.hint


OPS_MODULE = '''
import torch.nn as nn
import archlang


@archlang.op(name="scale_u")
class Scale(nn.Module):
    def __init__(self, factor: float = 2.0):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor
'''

ARCH = "network n() (x: [4]) {\n    return x -> scale_u(choice(2.0, 3.0)) -> linear(2)\n}\n"


@pytest.fixture
def project(tmp_path, monkeypatch, registered):
    (tmp_path / "my_ops.py").write_text(textwrap.dedent(OPS_MODULE))
    (tmp_path / "net.arch").write_text(ARCH)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_ops_on_the_command_line(project):
    runner = CliRunner()
    without = runner.invoke(cli, ["check", "net.arch"])
    assert without.exit_code == 1 and "--ops MODULE" in without.output
    for command in (["check", "net.arch"], ["show", "net.arch"],
                    ["compile", "net.arch", "--seed", "0"], ["fmt", "--check", "net.arch"]):
        result = runner.invoke(cli, [*command, "--ops", "my_ops.py"])
        assert result.exit_code == 0, result.output
    assert "from my_ops import Scale" in runner.invoke(
        cli, ["compile", "net.arch", "--seed", "0", "--ops", "my_ops.py"]).output


def test_ops_from_pyproject(project):
    (project / "pyproject.toml").write_text('[tool.archlang]\nops = ["my_ops.py"]\n')
    (project / "sub").mkdir()
    (project / "sub" / "net.arch").write_text(ARCH)
    result = CliRunner().invoke(cli, ["check", "net.arch"])
    assert result.exit_code == 0, result.output


def test_an_ops_module_that_does_not_import_is_one_diagnostic(project):
    (project / "broken_ops.py").write_text("import nonexistent_package_q\n")
    for module in ("broken_ops.py", "no_such_module_q", "missing.py"):
        result = CliRunner().invoke(cli, ["check", "net.arch", "--ops", module])
        assert result.exit_code == 1 and "error[E213]" in result.output, result.output
        assert "Traceback" not in result.output


def test_pool_workers_import_the_ops_modules(project):
    from archlang.ops.plugins import load_ops
    from archlang.search.executors import SpaceRecipe

    load_ops(["my_ops.py"])
    space = archlang.load("net.arch").network()
    recipe = SpaceRecipe.of(space)
    assert any(m.endswith("my_ops.py") for m in recipe.ops)
    import sys

    from archlang import pyimport

    unregister("scale_u")  # as in a fresh worker process: nothing imported yet
    pyimport._BY_PATH.clear()
    sys.modules.pop("my_ops", None)
    assert recipe.build().size == 2


def test_one_shot_shares_and_slices_a_user_op_s_weights(registered):
    from archlang.oneshot import Supernet, WeightLayout

    archlang.op(Gate, name="gate_u")
    space = archlang.parse("""network gated() (x: [16]) {
    h = x -> gate_u(16, hidden = choice(8, 12))
    return h -> linear(3)
}""").network()
    layout = WeightLayout(space)
    assert layout.max_shapes["gate_u:gate_u.value.weight"] == (12, 16)
    supernet = Supernet(space, layout).eval()
    x = torch.randn(2, 16)
    for seed in range(2):
        arch = space.sample(seed=seed)
        with torch.no_grad():
            torch.testing.assert_close(supernet(x, arch=arch), supernet.export(arch).eval()(x))


def test_show_and_its_diagram_name_a_user_op(project, tmp_path):
    result = CliRunner().invoke(cli, ["show", "net.arch", "--seed", "0", "--ops", "my_ops.py",
                                      "--diagram", str(tmp_path / "d.dot")])
    assert result.exit_code == 0, result.output
    assert "scale_u" in (tmp_path / "d.dot").read_text()


def test_a_search_with_pool_workers_runs_user_ops(project):
    (project / "score.py").write_text(
        "def evaluate(module, arch):\n    return {'val_accuracy': float(arch.params)}\n")
    result = CliRunner().invoke(cli, [
        "search", "net.arch", "--ops", "my_ops.py", "--task", "score.py:evaluate",
        "--budget", "2", "--workers", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "of 2 evaluated (0 failed" in result.output, result.output


def test_trials_lists_a_user_op_study_with_or_without_its_ops(project):
    (project / "score.py").write_text(
        "def evaluate(module, arch):\n    return {'val_accuracy': float(arch.params)}\n")
    runner = CliRunner()
    searched = runner.invoke(cli, ["search", "net.arch", "--ops", "my_ops.py", "--task",
                                   "score.py:evaluate", "--budget", "2", "--out", "out",
                                   "--executor", "inprocess", "--quiet"])
    assert searched.exit_code == 0, searched.output
    unregister("scale_u")  # a new shell: the op module is not loaded
    bare = runner.invoke(cli, ["trials", "--storage", "out/study.db"])
    assert bare.exit_code == 0, bare.output  # the space cannot load: raw decisions instead
    assert "2 trials" in bare.output and "error[" not in bare.output
    labelled = runner.invoke(cli, ["trials", "--storage", "out/study.db", "--ops", "my_ops.py"])
    assert labelled.exit_code == 0 and "2 trials" in labelled.output, labelled.output


RAISING_OPS = '''
import torch.nn as nn
import archlang


@archlang.op(name="too_wide_u")
class TooWide(nn.Module):
    def __init__(self, width: int = 8):
        super().__init__()
        raise ValueError(f"width {width} is too wide")

    def forward(self, x):
        return x
'''


def test_traceback_shows_the_user_op_s_own_error(tmp_path, monkeypatch, registered):
    (tmp_path / "raising_ops.py").write_text(textwrap.dedent(RAISING_OPS))
    (tmp_path / "net.arch").write_text("network n() (x: [4]) {\n    return x -> too_wide_u(8)\n}\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    plain = runner.invoke(cli, ["show", "net.arch", "--ops", "raising_ops.py"])
    assert plain.exit_code == 1 and "error[E333]" in plain.output
    assert "Traceback" not in plain.output  # a diagnostic, not a traceback
    shown = runner.invoke(cli, ["--traceback", "show", "net.arch", "--ops", "raising_ops.py"])
    assert shown.exit_code == 1 and "error[E333]" in shown.output
    assert "Traceback" in shown.output and 'raising_ops.py", line' in shown.output


def test_symbolic_rewrites_and_printing_keep_a_user_op(project):
    from archlang.ops.plugins import load_ops

    load_ops(["my_ops.py"])
    space = archlang.load("net.arch").network()
    (key,) = [d.key for d in space.decisions]
    fixed = space.rebind({key: 3.0})
    assert fixed.size == 1
    arch = fixed.bind({})
    text = arch.to_arch()
    assert "scale_u" in text
    assert archlang.parse(text).network().bind({}).hash == arch.hash
    widened = space.apply(archlang.every("linear").removed())
    assert "scale_u" in widened.to_arch() and widened.size == 2

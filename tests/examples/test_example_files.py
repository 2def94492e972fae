"""Every file in examples/: it loads, its spaces walk, and random members of every network
bind, compile to a torch-only module, run a forward pass and match their static figures."""

from __future__ import annotations

import functools
import math
import re
import time
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archlang
from archlang.testing.strategies import assignments

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
FILES = sorted(p.name for p in EXAMPLES.glob("*.arch"))

#: the files a newcomer reads, in order; each must exist
EXPECTED_FILES = ["01_decided_cnn.arch", "digits.arch", "nb201_cell.arch", "dag_inputs.arch",
                  "transformer.arch"]

_programs: dict[str, archlang.Program] = {}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Forward passes on one thread: on a loaded 2-core machine torch's second intra-op
    thread waits for a core, and one forward of a DARTS member took 0.05 s to 6 s of CPU
    (0.02-0.04 s on one thread), which made the DARTS case of the random members 80 s."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def program(name: str) -> archlang.Program:
    if name not in _programs:
        _programs[name] = archlang.load(EXAMPLES / name)
    return _programs[name]


def networks() -> list[tuple[str, str]]:
    return [(f, n.name) for f in FILES for n in program(f).networks()]


NETWORKS = networks()
IDS = [f"{f}::{n}" for f, n in NETWORKS]

_spaces: dict[tuple[str, str], archlang.Space] = {}


def space_of(file: str, net: str) -> archlang.Space:
    if (file, net) not in _spaces:
        _spaces[file, net] = program(file).network(net)
    return _spaces[file, net]


def random_inputs(arch: archlang.Arch, batch: int = 2, seed: int = 0) -> list[torch.Tensor]:
    """A random batch for each network input, in declaration order: floats from a normal,
    token ids (`long` inputs) below the smallest vocabulary of any embedding."""
    g = torch.Generator().manual_seed(seed)
    vocab = min((n.attrs["num"] for n in arch.graph.nodes if n.op == "embedding"), default=2)
    out = []
    for node in arch.graph.inputs:
        shape = (batch, *node.shape)
        if node.dtype == "long":
            out.append(torch.randint(0, vocab, shape, generator=g))
        else:
            out.append(torch.randn(shape, generator=g))
    return out


def numel(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# ---------------------------------------------------------------- the files


def test_the_reading_order_exists():
    for name in EXPECTED_FILES:
        assert (EXAMPLES / name).is_file(), name


@pytest.mark.parametrize("name", FILES)
def test_every_example_starts_with_a_header_comment(name):
    lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    assert len(header) >= 3, f"{name} needs a header comment saying what it shows"
    assert header[0].startswith(f"# {name}:"), header[0]


@pytest.mark.parametrize("name", FILES)
def test_every_example_loads_and_has_a_network(name):
    assert program(name).networks()


def test_the_decided_cnn_has_no_decisions():
    space = space_of("01_decided_cnn.arch", "decided_cnn")
    assert space.decisions == [] and space.size == 1 and space.is_fixed
    arch = space.bind({})
    assert arch.assignment == {} and arch.output_shape == (10,)
    assert arch.input_shapes == {"x": (1, 8, 8)}


@pytest.mark.parametrize(("file", "net"), NETWORKS, ids=IDS)
def test_space_walk_and_size(file, net):
    space = space_of(file, net)
    keys = [d.key for d in space.decisions]
    assert len(keys) == len(set(keys))
    assert all(k.startswith(f"{net}.") for k in keys)
    size = space.size
    if any(d.kind == "float" for d in space.decisions):
        assert size == math.inf
    else:
        assert isinstance(size, int) and size >= 1
    # parents come before the decisions they condition
    seen: set[str] = set()
    for d in space.decisions:
        assert d.cond is None or d.cond[0] in seen, d.key
        seen.add(d.key)
        assert d.describe()


# ---------------------------------------------------------------- random members


@pytest.mark.parametrize(("file", "net"), NETWORKS, ids=IDS)
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_random_members_compile_and_run(file, net, data):
    space = space_of(file, net)
    assignment = data.draw(assignments(space), label="assignment")
    arch = space.bind(assignment)
    assert arch.assignment == assignment
    src = arch.source()
    assert not re.search(r"^\s*(import|from)\s+archlang\b", src, re.M), "depends on archlang"
    assert "archlang" not in {line.split()[1].split(".")[0] for line in src.splitlines()
                              if line.startswith(("import ", "from "))}
    model = arch.compile().eval()
    assert numel(model) == arch.params
    with torch.no_grad():
        out = model(*random_inputs(arch))
    assert tuple(out.shape) == (2, *arch.output_shape)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize(("file", "net"), NETWORKS, ids=IDS)
def test_a_sampled_member_traces_with_torch_fx(file, net):
    arch = space_of(file, net).sample(1)
    model = arch.compile().eval()
    traced = torch.fx.symbolic_trace(model)
    xs = random_inputs(arch, seed=3)
    with torch.no_grad():
        assert torch.allclose(traced(*xs), model(*xs))


@functools.cache
def torch_compile_unusable() -> str | None:
    """Why `torch.compile` cannot run on this platform at all, or None where it can: probed
    once, on a trivial function, so that a failure on a generated module is a real error."""
    if not hasattr(torch, "compile"):
        return "this torch has no torch.compile"
    try:
        torch.compile(lambda x: x * 2 + 1)(torch.ones(3))
    except Exception as exc:  # no C compiler, an unsupported platform or Python, ...
        return (f"torch.compile cannot compile even a trivial function here: "
                f"{type(exc).__name__}: {exc}")[:300]
    return None


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_torch_compile_smoke():
    """The decided CNN goes through `torch.compile` as one graph (no graph breaks); skipped
    only where the platform cannot compile anything, so a Dynamo error on it fails."""
    reason = torch_compile_unusable()
    if reason is not None:
        pytest.skip(reason)
    arch = space_of("01_decided_cnn.arch", "decided_cnn").bind({})
    model = arch.compile().eval()
    x = random_inputs(arch)
    start = time.monotonic()
    compiled = torch.compile(model, fullgraph=True)
    with torch.no_grad():
        got = compiled(*x)
        want = model(*x)
    assert torch.allclose(got, want, atol=1e-4, rtol=1e-4)
    assert time.monotonic() - start < 120


@pytest.mark.parametrize("name", FILES)
def test_every_example_is_canonically_formatted(name):
    """`archlang fmt` leaves the examples as they are."""
    from archlang.source import Source
    from archlang.syntax.format import format_module
    from archlang.syntax.parser import parse_source

    text = (EXAMPLES / name).read_text(encoding="utf-8")
    formatted = format_module(parse_source(Source(text, name)))
    assert formatted.rstrip("\n") == text.rstrip("\n")


@pytest.mark.parametrize(("file", "net"), NETWORKS, ids=IDS)
def test_a_sampled_member_prints_back_as_a_decided_network(file, net):
    arch = space_of(file, net).sample(2)
    text = arch.to_arch()
    decided = archlang.parse(text, path=f"decided_{file}").network(net)
    assert decided.decisions == []
    assert decided.bind({}).hash == arch.hash

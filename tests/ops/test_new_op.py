"""An op added with one definition is known everywhere: elaborator, compiler, canonical hash,
one-shot slicer, Pygments lexer and TextMate grammar, with its checks run once per node."""

from __future__ import annotations

import importlib
import re
import sys
import textwrap

import pytest
import torch
from pygments.token import Name

import archlang
from archlang.editor import textmate
from archlang.editor.lexer import ArchLexer
from archlang.ops.registry import OPS, get_op, unregister

NAME = "wsum_test"

#: the whole definition: a commutative merge with a 1x1 conv kernel, in a module of its own
MODULE = f'''
"""A test op: sum the inputs, then mix channels with a 1x1 convolution."""
from archlang.ops._common import always_fresh, call, define, positive
from archlang.ops.registry import OpError, Param, Weights

CALLS = []


def check(a, in_shapes):
    CALLS.append(1)
    if len(set(in_shapes)) > 1:
        raise OpError("`{NAME}` needs inputs of one shape")


define(
    "{NAME}",
    (Param("out", "int", check=positive("out")),),
    lambda a, s: (a["out"], *s[0][1:]),
    lambda v, a, m: f"{{m}}({{' + '.join(v)}})",
    inputs=None,
    check=check,
    emit_init=lambda a, s: call("nn.Conv2d", s[0][0], a["out"], 1),
    count_params=lambda a, s: s[0][0] * a["out"] + a["out"],
    fresh_output=always_fresh,
    commutative=True,
    weights=Weights(kernels=("weight",)),
    doc="sum of [C, H, W] inputs mixed by a 1x1 conv: {NAME}(out)",
)
'''

SPACE = f"""
network mixed() (x: [3, 8, 8]) {{
    a = x -> conv2d(4, 3, padding = 1)
    b = x -> conv2d(4, 1)
    return (a, b) -> {NAME}(choice(4, 8)) -> global_avgpool() -> linear(2)
}}
"""


@pytest.fixture
def new_op(tmp_path, monkeypatch):
    """Register the op from a temporary module; remove it (and the module) afterwards."""
    (tmp_path / "wsum_test_op.py").write_text(textwrap.dedent(MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("wsum_test_op")
    try:
        yield module
    finally:
        unregister(NAME)
        sys.modules.pop("wsum_test_op", None)


def test_the_arch_text_binds_and_compiles(new_op):
    space = archlang.parse(SPACE).network()
    assert space.size == 2
    arch = space.sample(seed=0)
    assert any(n.op == NAME for n in arch.graph.nodes)
    model = arch.compile()
    assert model(torch.randn(2, 3, 8, 8)).shape == (2, 2)
    assert arch.params == sum(p.numel() for p in model.parameters())


def test_each_check_runs_once_per_node_per_bind(new_op):
    space = archlang.parse(SPACE).network()
    arch = space.sample(seed=0)
    new_op.CALLS.clear()
    space.bind(arch.assignment)
    assert len(new_op.CALLS) == sum(n.op == NAME for n in arch.graph.nodes) == 1


def test_the_canonical_hash_sorts_its_inputs(new_op):
    def hashed(order: str) -> str:
        return archlang.parse(SPACE.replace("(a, b)", order)).network().sample(seed=0).hash

    assert hashed("(a, b)") == hashed("(b, a)")
    get = get_op(NAME)
    object.__setattr__(get, "commutative", False)  # the same op, now order-sensitive
    try:
        assert hashed("(a, b)") != hashed("(b, a)")
    finally:
        object.__setattr__(get, "commutative", True)


def test_the_one_shot_layout_shares_and_crops_its_kernel(new_op):
    from archlang.oneshot import Supernet, WeightLayout

    space = archlang.parse(SPACE).network()
    layout = WeightLayout(space)
    key = next(k for k in layout.max_shapes if f":{NAME}." in k and k.endswith(".weight"))
    assert layout.max_shapes[key] == (8, 4, 1, 1)  # the largest `out` over the space
    arch = space.sample(seed=0)
    slot = next(s for s in layout.slots(arch) if s.bank_key == key)
    assert slot.kernel
    supernet = Supernet(space, layout).eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(supernet(x, arch=arch), supernet.export(arch).eval()(x))


def test_the_editors_know_it(new_op):
    kinds = {v: t for t, v in ArchLexer().get_tokens(f"y = x -> {NAME}(8)")}
    assert kinds[NAME] is Name.Builtin
    assert NAME in textmate.call_names()
    assert re.search(textmate.call_pattern(textmate.call_names()), f"x -> {NAME}(8)")


def test_removed_afterwards():
    assert NAME not in OPS
    assert ArchLexer().get_tokens(f"{NAME}(8)").__next__()[0] is Name.Function

"""Property: random chains of rewrites keep spaces printable, parseable and compilable.

Each step applies a rule (or an edit at a random node); it either raises one RewriteError
and leaves the space as it was, or gives a space whose printed text parses back to the same
program, whose members bind, compile and run on the declared input.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archlang
from archlang.dsl import choice
from archlang.dsl.ops import batchnorm2d, dropout, gelu, identity, relu, silu
from archlang.symbolic import RewriteError, every

ROOT = Path(__file__).resolve().parents[2]
SPACES = {
    "cnn": archlang.load(ROOT / "examples" / "01_decided_cnn.arch").network(),
    "digits": archlang.load(ROOT / "examples" / "digits.arch").network(),
}

RULES = [
    every("relu").becomes(choice(relu(), gelu(), silu()), at_least=0),
    every("relu").then(dropout(choice(0.0, 0.2)), at_least=0),
    every("conv_bn_relu").becomes(lambda c: choice(c, identity()), at_least=0),
    every("conv_bn_relu").widen(choice(1, 2), tie="mult", at_least=0),
    every("conv2d").widen(2, at_least=0),  # often a shape mismatch: must fail cleanly
    every("batchnorm2d").removed(at_least=0),
    every("global_avgpool").before(batchnorm2d(), at_least=0),
    every("residual").removed(at_least=0),
]


def _edit(space, data):
    """A random insert/remove/replace at a random node."""
    nodes = [m for m in space.find_nodes(lambda n: True)]
    m = data.draw(st.sampled_from(nodes))
    kind = data.draw(st.sampled_from(["insert", "remove", "replace"]))
    if kind == "insert":
        return space.insert(m.path, relu())
    if kind == "remove":
        return space.remove(m.path)
    return space.replace(m.path, data.draw(st.sampled_from([relu(), 16, choice(8, 16)])))


def _check(space):
    text = space.to_arch()
    again = archlang.parse(text).network(space.name)
    assert again.program.root.tree == space.program.root.tree
    assert [d.key for d in again.decisions] == [d.key for d in space.decisions]
    back = archlang.Space.from_json(json.loads(json.dumps(space.to_json())))
    assert back.decisions == space.decisions and back.fixed == space.fixed
    import torch

    arch = space.sample(0)
    shapes = [(2, *s) for s in arch.input_shapes.values()]
    out = arch.compile().eval()(*[torch.zeros(s) for s in shapes])
    assert tuple(out.shape[1:]) == arch.output_shape


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SPACES)), st.data())
def test_random_rewrite_chains_stay_valid(name, data):
    space = SPACES[name]
    for _ in range(data.draw(st.integers(1, 3))):
        before = json.dumps(space.to_json())
        try:
            if data.draw(st.booleans()):
                new = space.apply(data.draw(st.sampled_from(RULES)))
            else:
                new = _edit(space, data)
        except RewriteError:
            assert json.dumps(space.to_json()) == before  # nothing half-rewritten
            continue
        _check(new)
        space = new

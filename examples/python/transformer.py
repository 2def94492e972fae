"""examples/transformer.arch in Python: two transformer spaces sharing one encoder block.

    PYTHONPATH=. python examples/python/transformer.py
"""

from archlang.dsl import Layer, block, choice, int_range, long, module, network, repeat
from archlang.dsl.ops import (
    class_token,
    conv2d,
    embedding,
    flatten,
    gelu,
    layernorm,
    linear,
    mean,
    parameter,
    relu,
    select,
    self_attention,
    shape,
    transpose,
)


@block(inputs=["x"])
def encoder(b, x, heads: int, hidden: int, act: Layer = gelu()):
    """A pre-norm transformer encoder block on a [L, D] sequence."""
    b.d = shape(x)[-1]
    b.x = x + (x >> layernorm() >> self_attention(heads))
    return b.x + (b.x >> layernorm() >> linear(hidden) >> act >> linear(b.d))


@block
def encoder_stack(b, dim: int, depth: int):
    """`depth` encoder blocks, each with its own heads, MLP ratio and activation."""
    def layer(r):
        r.heads = choice(1, 2, 4)
        r.ratio = choice(1, 2, 4)
        r.act = choice(gelu(), relu())
        r.then(encoder(r.heads, dim * r.ratio, act=r.act))

    b.then(repeat(depth, layer))


@network(inputs={"tokens": long[16]})
def token_transformer(b, tokens, classes: int = 4, vocab: int = 100):
    b.dim = choice(32, 64)
    b.h = tokens >> embedding(vocab, b.dim)
    b.h = b.h >> class_token()
    b.h = b.h + parameter(shape(b.h), init="normal")
    b.h = b.h >> encoder_stack(b.dim, depth=int_range(1, 4))
    return b.h >> layernorm() >> select(0) >> linear(classes)


@network(inputs={"x": [1, 8, 8]})
def patch_transformer(b, x, classes: int = 10, patch: int = 2):
    b.dim = choice(32, 64)
    b.h = x >> conv2d(b.dim, patch, stride=patch)
    b.h = b.h >> flatten(1) >> transpose()
    b.h = b.h + parameter(shape(b.h), init="normal")
    b.h = b.h >> encoder_stack(b.dim, depth=int_range(1, 3))
    return b.h >> layernorm() >> mean(0) >> linear(classes)


MODULE = module(token_transformer, patch_transformer)

if __name__ == "__main__":
    from archlang.syntax.format import format_module

    print(format_module(MODULE), end="")

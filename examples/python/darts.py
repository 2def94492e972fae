"""darts.arch in Python: the cell search space of DARTS (Liu et al., ICLR 2019).

A cell reads the outputs of the two cells before it; each of its 4 nodes sums 2 of the
states before it, each through one of 7 operations, and the cell returns its nodes
concatenated. The network stacks 8 cells, reductions at the 3rd and 6th; `shared` gives
every cell of a type (normal, reduction) the same decisions, while each keeps its own
weights. The `.arch` file is examples/darts.arch.

    PYTHONPATH=. python examples/python/darts.py
"""

from archlang.dsl import block, choice, cond, module, network, shared, subset, use
from archlang.dsl.ops import (
    avgpool2d,
    batchnorm2d,
    concat,
    conv2d,
    global_avgpool,
    linear,
    maxpool2d,
    range_,
    shape,
)

ops = use("stdlib/models/darts.arch")  # sep_conv, dil_conv, skip, relu_conv_bn, ...


@block(inputs=["x"])
def edge(b, x, c: int, size: int):
    """One edge: the 7 operations of DARTS, strided where it leaves a reduction cell's input."""
    b.stride = shape(x)[1] // size
    b.ops = [
        maxpool2d(3, stride=b.stride, padding=1),
        avgpool2d(3, stride=b.stride, padding=1, count_include_pad=False),
        ops.skip(c, b.stride),
        ops.sep_conv(c, 3, b.stride),
        ops.sep_conv(c, 5, b.stride),
        ops.dil_conv(c, 3, b.stride),
        ops.dil_conv(c, 5, b.stride),
    ]
    b.op = choice(*b.ops)                         # choice(*ops): one of the list's layers
    return x >> b.op


@block(inputs=["s0", "s1"])
def cell(b, s0, s1, c: int, reduce: bool, reduce_prev: bool):
    """A searched cell: node i reads 2 of the 2 + i states before it."""
    b.p0 = s0 >> cond(reduce_prev, ops.factorized_reduce(c), ops.relu_conv_bn(c))
    b.states = [b.p0, s1 >> ops.relu_conv_bn(c)]
    b.size = cond(reduce, shape(s1)[1] // 2, shape(s1)[1])
    with b.loop("i", range_(4)):
        b.node = subset(2, b.states)
        b.states = b.states + [(b.node[0] >> edge(c, b.size)) + (b.node[1] >> edge(c, b.size))]
    return (s1, b.states[2:] >> concat())


@network(inputs={"x": [3, 32, 32]}, name="darts")
def darts(b, x, c: int = 16, cells: int = 8, classes: int = 10):
    b.s = x >> conv2d(3 * c, 3, padding=1, bias=False) >> batchnorm2d()
    b["s0", "s1"] = (b.s, b.s)
    b.width = c
    b.reduce_prev = False
    with b.loop("i", range_(cells)) as i:
        b.reduce = i.eq(cells // 3) | i.eq(2 * cells // 3)
        b.width = cond(b.reduce, b.width * 2, b.width)
        b.kind = cond(b.reduce, "reduction", "normal")
        b["s0", "s1"] = (b.s0, b.s1) >> shared(b.kind, cell(b.width, b.reduce, b.reduce_prev))
        b.reduce_prev = b.reduce
    return b.s1 >> global_avgpool() >> linear(classes)


MODULE = module(darts)

if __name__ == "__main__":
    print(darts.to_arch(), end="")

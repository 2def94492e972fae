"""examples/nb201_cell.arch in Python: a NAS-Bench-201-style cell space (5^6 cells).

    PYTHONPATH=. python examples/python/nb201_cell.py
"""

from archlang.dsl import Layer, block, choice, cond, module, network, repeat
from archlang.dsl.ops import (
    avgpool2d,
    batchnorm2d,
    channels,
    conv2d,
    global_avgpool,
    identity,
    linear,
    relu,
    zero,
)


@block(inputs=["x"])
def relu_conv_bn(b, x, k: int, stride: int = 1, out: int = None):
    b.c = cond(out.eq(None), channels(x), out)
    b.h = x >> relu() >> conv2d(b.c, k, stride=stride, padding=k // 2, bias=False)
    return b.h >> batchnorm2d()


@block(inputs=["x"])
def conv1x1(b, x):
    return x >> relu_conv_bn(1)


@block(inputs=["x"])
def conv3x3(b, x):
    return x >> relu_conv_bn(3)


@block(inputs=["x"])
def avgpool3x3(b, x):
    return x >> avgpool2d(3, stride=1, padding=1)


@block(inputs=["n0"])
def cell(b, n0, e1_0: Layer, e2_0: Layer, e2_1: Layer, e3_0: Layer, e3_1: Layer,
         e3_2: Layer):
    """The cell DAG: each edge is a layer argument; node j sums its incoming edges."""
    b.n1 = n0 >> e1_0
    b.n2 = (n0 >> e2_0) + (b.n1 >> e2_1)
    b.n3 = (n0 >> e3_0) + (b.n1 >> e3_1) + (b.n2 >> e3_2)
    return b.n3


@block(inputs=["x"])
def reduction(b, x, out: int):
    b.h = x >> relu_conv_bn(3, stride=2, out=out) >> relu_conv_bn(3)
    b.skip = x >> avgpool2d(2) >> conv2d(out, 1, bias=False)
    return b.h + b.skip


EDGES = ("e1_0", "e2_0", "e2_1", "e3_0", "e3_1", "e3_2")


@network(inputs={"x": [3, 32, 32]})
def nb201(b, x, classes: int = 10, c: int = 16, n: int = 1):
    for e in EDGES:  # the six edges: decided once, shared by every cell
        b[e] = choice(zero(), identity(), conv1x1(), conv3x3(), avgpool3x3())
    b.h = x >> conv2d(c, 3, padding=1, bias=False) >> batchnorm2d()
    with b.loop(("stage", "width"), [(0, c), (1, 2 * c), (2, 4 * c)]) as (stage, width):
        with b.when(stage > 0):
            b.h = b.h >> reduction(width)
        b.h = b.h >> repeat(n, cell(*(b[e] for e in EDGES)))
    return b.h >> batchnorm2d() >> relu() >> global_avgpool() >> linear(classes)


MODULE = module(nb201)

if __name__ == "__main__":
    print(nb201.to_arch(), end="")

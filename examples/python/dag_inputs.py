"""examples/dag_inputs.arch in Python: a DAG whose wiring is searched (input choices).

    PYTHONPATH=. python examples/python/dag_inputs.py
"""

from archlang.dsl import block, choice, module, network, subset
from archlang.dsl.ops import (
    add,
    batchnorm2d,
    conv2d,
    global_avgpool,
    identity,
    linear,
    maxpool2d,
    relu,
)


@block
def conv(b, c: int, k: int):
    b.then(conv2d(c, k, padding=k // 2, bias=False), batchnorm2d(), relu())


@block
def sep_conv(b, c: int, k: int):
    """depthwise-separable: per-channel k x k, then 1x1."""
    b.then(conv2d(c, k, padding=k // 2, groups=c, bias=False), conv2d(c, 1, bias=False),
           batchnorm2d(), relu())


@block
def max_pool(b):
    b.then(maxpool2d(3, stride=1, padding=1))


def ops(c):
    """The candidate operations of a node (a fresh choice each call)."""
    return choice(conv(c, 3), sep_conv(c, 5), max_pool(), identity())


@network(inputs={"x": [1, 8, 8]})
def dag(b, x, classes: int = 10, c: int = 32):
    b.n0 = x >> conv(c, 3)
    b.op1 = ops(c)
    b.n1 = b.n0 >> b.op1
    b.in2 = choice(b.n0, b.n1)
    b.op2 = ops(c)
    b.n2 = b.in2 >> b.op2
    b.in3 = choice(b.n0, b.n1, b.n2)
    b.op3 = ops(c)
    b.n3 = b.in3 >> b.op3
    b.in4 = subset(2, b.n0, b.n1, b.n2, b.n3)
    b.op4 = ops(c)
    b.n4 = b.in4 >> add() >> b.op4
    return b.n4 >> global_avgpool() >> linear(classes)


MODULE = module(dag)

if __name__ == "__main__":
    print(dag.to_arch(), end="")

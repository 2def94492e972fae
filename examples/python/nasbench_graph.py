"""examples/nasbench_graph.arch in Python: the NAS-Bench-Graph space (4 GNN nodes, 9 ops).

The stand-in operations, the `gnn` switch on an op name, the `cell` whose `if`s wire the
nodes and sum only the leaves, and the network that declares the decisions (see the .arch
file for what each part means).

    PYTHONPATH=. python examples/python/nasbench_graph.py
"""

from archlang.dsl import block, choice, module, network
from archlang.dsl.ops import add, concat, linear, mean, relu, reshape

#: the benchmark's op list, in its order
OPS = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")


@block
def gat(b, d: int):
    """GAT with 2 heads: one projection per head, averaged."""
    b.then(linear(2 * d, bias=False), reshape([2, d]), mean(0))


@block
def gcn(b, d: int):
    b.then(linear(d, bias=False))


@block
def gin(b, d: int):
    b.then(linear(d), relu(), linear(d))


@block(inputs=["x"])
def cheb(b, x, d: int):
    return (x, x, x) >> concat() >> linear(d)


@block(inputs=["x"])
def sage(b, x, d: int):
    return (x, x) >> concat() >> linear(d)


@block(inputs=["x"])
def arma(b, x, d: int):
    return (x >> linear(d, bias=False), x >> linear(d)) >> add() >> relu()


@block(inputs=["x"])
def graph(b, x, d: int):
    return (x, x) >> add() >> linear(d)


@block
def fc(b, d: int):
    b.then(linear(d))


@block(inputs=["x"])
def gnn(b, x, op: str, d: int):
    """One node's operation, by name; `skip` passes its input on unchanged."""
    with b.when(op.eq("gat")):
        b.h = x >> gat(d)
    with b.elif_(op.eq("gcn")):
        b.h = x >> gcn(d)
    with b.elif_(op.eq("gin")):
        b.h = x >> gin(d)
    with b.elif_(op.eq("cheb")):
        b.h = x >> cheb(d)
    with b.elif_(op.eq("sage")):
        b.h = x >> sage(d)
    with b.elif_(op.eq("arma")):
        b.h = x >> arma(d)
    with b.elif_(op.eq("graph")):
        b.h = x >> graph(d)
    with b.elif_(op.eq("fc")):
        b.h = x >> fc(d)
    with b.otherwise():
        b.h = x
    return b.h


@block(inputs=["x"])
def cell(b, x, d: int, op1: str, in2: int, op2: str, in3: int, op3: str, in4: int,
         op4: str):
    """The 4-node cell, given every decision (`in_i`: 0 = x, j = node j)."""
    b.n1 = x >> gnn(op1, d)
    b.h = x
    with b.when(in2.eq(1)):
        b.h = b.n1
    b.n2 = b.h >> gnn(op2, d)
    b.h = x
    with b.when(in3.eq(1)):
        b.h = b.n1
    with b.elif_(in3.eq(2)):
        b.h = b.n2
    b.n3 = b.h >> gnn(op3, d)
    b.h = x
    with b.when(in4.eq(1)):
        b.h = b.n1
    with b.elif_(in4.eq(2)):
        b.h = b.n2
    with b.elif_(in4.eq(3)):
        b.h = b.n3
    b.n4 = b.h >> gnn(op4, d)

    # raw_i: node i only passes the raw input on (a chain of skips from x)
    b.raw1 = op1.eq("skip")
    b.raw2 = op2.eq("skip") & (in2.eq(0) | b.raw1)
    b.raw3 = op3.eq("skip") & (in3.eq(0) | in3.eq(1) & b.raw1 | in3.eq(2) & b.raw2)
    b.raw4 = op4.eq("skip") & (in4.eq(0) | in4.eq(1) & b.raw1 | in4.eq(2) & b.raw2
                               | in4.eq(3) & b.raw3)
    # leaf_i: no later node reads node i, and it carries more than the raw input
    b.leaf1 = in2.ne(1) & in3.ne(1) & in4.ne(1) & ~b.raw1
    b.leaf2 = in3.ne(2) & in4.ne(2) & ~b.raw2
    b.leaf3 = in4.ne(3) & ~b.raw3
    b.leaf4 = ~b.raw4

    # the output sums the leaves, starting from the last one
    with b.when(b.leaf4):
        b.out = b.n4
    with b.elif_(b.leaf3):
        b.out = b.n3
    with b.elif_(b.leaf2):
        b.out = b.n2
    with b.otherwise():
        b.out = b.n1
    with b.when(b.leaf3 & b.leaf4):
        b.out = b.out + b.n3
    with b.when(b.leaf2 & (b.leaf3 | b.leaf4)):
        b.out = b.out + b.n2
    with b.when(b.leaf1 & (b.leaf2 | b.leaf3 | b.leaf4)):
        b.out = b.out + b.n1
    return b.out


@network(inputs={"x": [32]})
def nasbench_graph(b, x, d: int = 64, classes: int = 7):
    b.op1 = choice(*OPS)
    b.in2 = choice(0, 1)
    b.op2 = choice(*OPS)
    b.in3 = choice(0, 1, 2)
    b.op3 = choice(*OPS)
    b.in4 = choice(0, 1, 2, 3)
    b.op4 = choice(*OPS)
    b.h = x >> cell(d, b.op1, b.in2, b.op2, b.in3, b.op3, b.in4, b.op4)
    return b.h >> relu() >> linear(classes)  # post-processing to class scores


MODULE = module(nasbench_graph)

if __name__ == "__main__":
    print(nasbench_graph.to_arch(), end="")

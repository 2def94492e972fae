"""examples/gnn/gnn.arch in Python: the NAS-Bench-Graph wiring space with PyTorch Geometric
layers (registered by gnn_ops.py, imported first), over unbatched inputs.

    PYTHONPATH=. python examples/gnn/gnn.py
"""

from pathlib import Path

from archlang.ops.plugins import load_ops

load_ops([str(Path(__file__).with_name("gnn_ops.py"))])  # registers gcn, gat, ... first

from archlang.dsl import block, choice, long, module, name, network, unbatched  # noqa: E402
from archlang.dsl.ops import (  # noqa: E402
    arma,
    cheb,
    gat,
    gcn,
    gin,
    graph_conv,
    linear,
    relu,
    sage,
)

OPS = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc")


@block(inputs=["h", "edge_index"])
def layer(b, h, edge_index, op: str, d: int):
    """One node's operation, by name; every graph layer reads the edge list."""
    with b.when(op.eq("gat")):
        b.out = (h, edge_index) >> gat(d // 2, heads=2)
    with b.elif_(op.eq("gcn")):
        b.out = (h, edge_index) >> gcn(d)
    with b.elif_(op.eq("gin")):
        b.out = (h, edge_index) >> gin(d, 1)
    with b.elif_(op.eq("cheb")):
        b.out = (h, edge_index) >> cheb(d, 2)
    with b.elif_(op.eq("sage")):
        b.out = (h, edge_index) >> sage(d)
    with b.elif_(op.eq("arma")):
        b.out = (h, edge_index) >> arma(d)
    with b.elif_(op.eq("graph")):
        b.out = (h, edge_index) >> graph_conv(d)
    with b.elif_(op.eq("fc")):
        b.out = h >> linear(d)
    with b.otherwise():
        b.out = h
    return b.out


@network(inputs={"x": unbatched([name("N"), 16]),
                 "edge_index": unbatched(long[2, name("E")])})
def gnn(b, x, edge_index, d: int = 32, classes: int = 4):
    b.op1 = choice(*OPS)
    b.in2 = choice(0, 1)
    b.op2 = choice(*OPS, "skip")
    b.in3 = choice(0, 1, 2)
    b.op3 = choice(*OPS, "skip")
    b.in4 = choice(0, 1, 2, 3)
    b.op4 = choice(*OPS)
    b.h0 = x >> linear(d) >> relu()
    b.n1 = (b.h0, edge_index) >> layer(b.op1, d) >> relu()
    b.a2 = b.h0
    with b.when(b.in2.eq(1)):
        b.a2 = b.n1
    b.n2 = (b.a2, edge_index) >> layer(b.op2, d) >> relu()
    b.a3 = b.h0
    with b.when(b.in3.eq(1)):
        b.a3 = b.n1
    with b.elif_(b.in3.eq(2)):
        b.a3 = b.n2
    b.n3 = (b.a3, edge_index) >> layer(b.op3, d) >> relu()
    b.a4 = b.h0
    with b.when(b.in4.eq(1)):
        b.a4 = b.n1
    with b.elif_(b.in4.eq(2)):
        b.a4 = b.n2
    with b.elif_(b.in4.eq(3)):
        b.a4 = b.n3
    b.out = (b.a4, edge_index) >> layer(b.op4, d)
    with b.when(b.in2.ne(1) & b.in3.ne(1) & b.in4.ne(1)):
        b.out = b.out + b.n1
    with b.when(b.in3.ne(2) & b.in4.ne(2)):
        b.out = b.out + b.n2
    with b.when(b.in4.ne(3)):
        b.out = b.out + b.n3
    return b.out >> relu() >> linear(classes)


MODULE = module(gnn)

if __name__ == "__main__":
    print(gnn.to_arch())

"""examples/nasbench_graph_proteins.arch in Python: NAS-Bench-Graph's space for proteins.

The cell and its stand-in operations come from examples/nasbench_graph.arch, imported as
the .arch file imports it (`import "nasbench_graph.arch"`); only the op list is smaller.

    PYTHONPATH=. python examples/python/nasbench_graph_proteins.py
"""

from pathlib import Path

from archlang.dsl import Library, choice, module, network
from archlang.dsl.ops import linear, relu

# `import "nasbench_graph.arch"`, read from examples/ (the folder of the .arch files)
graph = Library("nasbench_graph.arch", Path(__file__).resolve().parents[1])

#: the op list the benchmark used for proteins
OPS = ("gcn", "sage", "arma", "fc", "skip")


@network(inputs={"x": [32]})
def nasbench_graph_proteins(b, x, d: int = 64, classes: int = 2):
    b.op1 = choice(*OPS)
    b.in2 = choice(0, 1)
    b.op2 = choice(*OPS)
    b.in3 = choice(0, 1, 2)
    b.op3 = choice(*OPS)
    b.in4 = choice(0, 1, 2, 3)
    b.op4 = choice(*OPS)
    b.h = x >> graph.cell(d, b.op1, b.in2, b.op2, b.in3, b.op3, b.in4, b.op4)
    return b.h >> relu() >> linear(classes)


MODULE = module(nasbench_graph_proteins)

if __name__ == "__main__":
    print(nasbench_graph_proteins.to_arch(), end="")

"""The PyTorch Geometric layers of examples/gnn/gnn.arch, registered as archlang ops.

    archlang search examples/gnn/gnn.arch --ops examples/gnn/gnn_ops.py --task sbm --budget 20

Each op takes node features ``x: [N, F]`` and an edge list ``edge_index: [2, E]``; its
``in_channels`` is derived from ``x``, so the `.arch` text writes only the output width.
Message passing depends on the edges (PyG drops self-loops with a boolean mask), which the
meta device cannot run, so each op gives its shape rule: ``[N, out]``.
"""

from __future__ import annotations

import archlang

try:
    from torch_geometric import nn as gnn
except ModuleNotFoundError as exc:  # pragma: no cover - said once, where it is needed
    raise ModuleNotFoundError("examples/gnn/gnn_ops.py needs PyTorch Geometric: "
                              "pip install 'archlang[gnn]'  (or: pip install torch_geometric)"
                              ) from exc

IN = {"in_channels": lambda x, edge_index: x[-1]}


def _nodes(out: str):
    return lambda x, edge_index, **args: (x[0], args[out] or args["hidden_channels"])


archlang.op(gnn.GCNConv, name="gcn", derive=IN, shape=_nodes("out_channels"))
archlang.op(gnn.GATConv, name="gat", derive=IN,
            shape=lambda x, e, **a: (x[0], a["out_channels"] * (a["heads"] if a["concat"] else 1)))
archlang.op(gnn.SAGEConv, name="sage", derive=IN, shape=_nodes("out_channels"))
archlang.op(gnn.GraphConv, name="graph_conv", derive=IN, shape=_nodes("out_channels"))
archlang.op(gnn.ChebConv, name="cheb", derive=IN, shape=_nodes("out_channels"))
archlang.op(gnn.ARMAConv, name="arma", derive=IN, shape=_nodes("out_channels"))
# GIN: a sum aggregation, then a two-layer MLP (PyG's GIN model with one layer)
archlang.op(gnn.GIN, name="gin", derive=IN, shape=_nodes("out_channels"))

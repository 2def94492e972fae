"""The `sbm` task: node classification on a graph generated on the machine, nothing downloaded.

A stochastic-block-model graph (`make_graph`, fixed seed): `NODES` nodes in `CLASSES`
classes, an edge between two nodes of one class with probability `P_IN` and of two classes
with `P_OUT`, and node features ``[N, FEATURES]`` whose mean depends on the class, with noise
that leaves them ambiguous alone, so a network does better by reading its neighbours.
Masks split the nodes 50 / 25 / 25 into train, validation and test. A network takes
``(x: [N, 16] unbatched, edge_index: long[2, E] unbatched)`` and returns class scores
``[N, 4]`` (`examples/gnn.arch`); it is trained full batch with Adam for ``10 * epochs``
steps, and scored by accuracy on the validation nodes (test accuracy reported beside).
"""

from __future__ import annotations

import functools
from typing import Any

NODES, CLASSES, FEATURES = 240, 4, 16
P_IN, P_OUT = 0.08, 0.01
NOISE = 2.0
OBJECTIVE, DIRECTION = "val_accuracy", "maximize"
STEPS_PER_EPOCH = 10


@functools.cache
def make_graph(seed: int = 0) -> dict[str, Any]:
    """The graph: ``x``, ``edge_index`` (both directions), ``y`` and the three masks."""
    import torch

    g = torch.Generator().manual_seed(seed)
    y = torch.arange(NODES) % CLASSES
    y = y[torch.randperm(NODES, generator=g)]
    same = y[:, None] == y[None, :]
    p = torch.where(same, torch.tensor(P_IN), torch.tensor(P_OUT))
    upper = torch.triu(torch.rand(NODES, NODES, generator=g) < p, diagonal=1)
    src, dst = upper.nonzero(as_tuple=True)
    edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
    means = torch.randn(CLASSES, FEATURES, generator=g)
    x = means[y] + NOISE * torch.randn(NODES, FEATURES, generator=g)
    order = torch.randperm(NODES, generator=g)
    masks = {name: torch.zeros(NODES, dtype=torch.bool) for name in ("train", "val", "test")}
    masks["train"][order[: NODES // 2]] = True
    masks["val"][order[NODES // 2: 3 * NODES // 4]] = True
    masks["test"][order[3 * NODES // 4:]] = True
    return {"x": x, "edge_index": edge_index, "y": y, **masks}


def evaluate(arch: Any, *, epochs: int | None = None, seed: int | None = None,
             lr: float | None = None, **options: Any) -> dict[str, Any]:
    """Train `arch` full batch on the graph; validation and test accuracy."""
    import torch
    import torch.nn.functional as F

    data = make_graph()
    torch.manual_seed(int(seed or 0))
    model = arch.compile()
    opt = torch.optim.Adam(model.parameters(), lr=lr or 0.01, weight_decay=5e-4)
    for _ in range(STEPS_PER_EPOCH * int(epochs or 8)):
        model.train()
        opt.zero_grad()
        out = model(data["x"], data["edge_index"])
        F.cross_entropy(out[data["train"]], data["y"][data["train"]]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(data["x"], data["edge_index"]).argmax(-1)

    def accuracy(mask: Any) -> float:
        return float((pred[mask] == data["y"][mask]).float().mean())

    return {"val_accuracy": accuracy(data["val"]), "test_accuracy": accuracy(data["test"]),
            "params": arch.params}

"""The `nasbench-graph:DATASET` task: NAS-Bench-Graph's table, looked up, never trained.

NAS-Bench-Graph (Qin et al., NeurIPS 2022; ``pip install nas-bench-graph``, or
``pip install 'archlang[nasbench]'``) trained every network of a 4-node GNN space on nine
datasets (`DATASETS`). `examples/nasbench_graph.arch` writes that space in archlang: node i
reads ``in{i}`` (0 = the input, j = node j; node 1 always reads the input) and applies
``op{i}``; the output sums the leaves. `benchmark_arch` reads an Arch's assignment back into
the benchmark's encoding, a link list and an op list::

    {"nasbench_graph.op1": "gcn", "nasbench_graph.in2": 0, ...}  ->  ([0, 0, 1, 2], ["gcn", ...])

and `evaluate` returns the table's figures for it:

=================  ===========================================================
``val_accuracy``   the benchmark's ``valid_perf`` (the objective, maximized)
``test_accuracy``  its ``perf`` (reported beside, never used to choose)
``latency``        its ``latency`` (seconds per inference, as the table stores it)
``params``         its ``para`` (millions in the table) as a parameter count
=================  ===========================================================

The lookup trains nothing: ``epochs``, ``seed``, ``lr``, ``batch_size``, ``device`` and
``amp`` are accepted and ignored, and a query takes microseconds, so algorithms are
compared on real numbers in seconds. The proteins dataset has its own op list (gcn, sage,
arma, fc, skip): search `examples/nasbench_graph_proteins.arch` for it.

Equal networks. The table is keyed by ``Arch(link, ops).valid_hash()``, the benchmark's own
canonical form: its 157,464 raw assignments (24 link lists x 9^4 ops) fall into 26,206
keys. archlang's `Arch.hash` identifies networks from the compiled graph instead (node
order, the order and grouping of summed leaves, `skip` = identity looked through); the
example writes the benchmark's model exactly (a leaf that only carries the raw input is not
summed), and over the whole space the two notions agree network for network: 26,207
archlang hashes for 26,207 benchmark keys (the 26,206 table entries and the all-skip
network, which the table lacks), no hash spanning two keys and no key two hashes; 2,022 and
2,022 for proteins' 15,000 assignments (`benchmarks/bench_nasbench_graph.py --count-hashes`).
"""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

from archlang.tasks.base import Task, TaskError

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv",
            "proteins")
OPS = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
OPS_PROTEINS = ("gcn", "sage", "arma", "fc", "skip")
NODES = 4
OBJECTIVE = "val_accuracy"
DIRECTION = "maximize"
INSTALL = "pip install 'archlang[nasbench]'  (or: pip install nas-bench-graph)"


def make_task(dataset: str) -> Task:
    """The lookup task for `dataset`; `TaskError` for an unknown dataset or a missing package."""
    if dataset not in DATASETS:
        import difflib

        close = difflib.get_close_matches(dataset, DATASETS, n=1)
        raise TaskError(f"NAS-Bench-Graph has no dataset {dataset!r}; it has "
                        f"{', '.join(DATASETS)}",
                        hint=f"did you mean `nasbench-graph:{close[0]}`?" if close else None)
    _require_package()
    ops = OPS_PROTEINS if dataset == "proteins" else OPS

    def evaluate(arch: Any, **options: Any) -> dict[str, Any]:
        return lookup(dataset, *benchmark_arch(arch.space, arch.assignment, ops))

    return Task(f"nasbench-graph:{dataset}",
                f"NAS-Bench-Graph {dataset}: table lookup (ops {', '.join(ops)})",
                evaluate, OBJECTIVE, DIRECTION, info={"dataset": dataset, "ops": ops})


def _require_package() -> None:
    if importlib.util.find_spec("nas_bench_graph") is None:
        raise TaskError("the nasbench-graph task needs the NAS-Bench-Graph tables, which are "
                        "not installed", hint=INSTALL)


@functools.cache
def load_table(dataset: str) -> dict[int, dict[str, Any]]:
    """The benchmark's table for `dataset`: ``valid_hash -> {valid_perf, perf, latency, para}``."""
    _require_package()
    from nas_bench_graph import light_read

    return light_read(dataset)


def benchmark_arch(space: Any, assignment: dict[str, Any],
                   ops: tuple[str, ...] = OPS) -> tuple[list[int], list[str]]:
    """An assignment of the example's space -> the benchmark's ``(link, ops)``.

    Raises ValueError when the space is not shaped like `examples/nasbench_graph.arch`
    (op-name decisions ``*.op1``..``*.op4``, link decisions ``*.in2``..``*.in4``) or uses an
    op the dataset's list lacks.
    """
    roles = _roles(space)
    link = [0] + [int(assignment[roles[f"in{i}"].key]) for i in range(2, NODES + 1)]
    names = []
    for i in range(1, NODES + 1):
        d = roles[f"op{i}"]
        name = assignment[d.key]
        if name not in ops:
            raise ValueError(f"`{d.key}` chose `{name}`, which this dataset's op list lacks "
                             f"({', '.join(ops)}); for proteins, search "
                             f"examples/nasbench_graph_proteins.arch")
        names.append(name)
    return link, names


def _roles(space: Any) -> dict[str, Any]:
    """``{"op1": decision, ..., "in2": decision, ...}`` by the last part of the keys."""
    found = {d.key.rsplit(".", 1)[-1]: d for d in space.decisions}
    wanted = [f"op{i}" for i in range(1, NODES + 1)] + [f"in{i}" for i in range(2, NODES + 1)]
    missing = [w for w in wanted if w not in found]
    if missing:
        raise ValueError(f"the nasbench-graph task searches the space of "
                         f"examples/nasbench_graph.arch; `{space.name}` has no decision "
                         f"{', '.join(missing)}")
    return {w: found[w] for w in wanted}


def lookup(dataset: str, link: list[int], ops: list[str]) -> dict[str, Any]:
    """The table's figures for one network, as metrics; ValueError when it is not in the table."""
    from nas_bench_graph import Arch

    entry = load_table(dataset).get(Arch(list(link), list(ops)).valid_hash())
    if entry is None:
        raise ValueError(f"NAS-Bench-Graph has no entry for link {link}, ops {ops} on "
                         f"{dataset} (the benchmark leaves out networks that are only skips)")
    return {
        "val_accuracy": float(entry["valid_perf"]),
        "test_accuracy": float(entry["perf"]),
        "latency": float(entry["latency"]),
        "params": int(round(float(entry["para"]) * 1e6)),
    }


def top_threshold(dataset: str, fraction: float = 0.01) -> float:
    """The validation performance a network needs to be in the table's top `fraction`."""
    values = sorted((float(e["valid_perf"]) for e in load_table(dataset).values()),
                    reverse=True)
    return values[max(0, int(len(values) * fraction) - 1)]

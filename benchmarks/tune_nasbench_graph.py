"""Tune and compare archlang's searchers on NAS-Bench-Graph's tables, with no training.

The space is NAS-Bench-Graph's: 4 nodes, each reading the raw input or an earlier node and
applying one of 9 GNN ops (5 for proteins): 157,464 raw assignments, 26,206 distinct
networks. It is written as an archlang space of value choices (keys `nbg.in1`, `nbg.op1`,
..., declared node by node, the input first, as DeepArchitect's search space does), and
each searcher is driven through `propose`/`observe` against a lookup of the table's
validation accuracy. As in `archlang.search.run_search`, a proposal equal to a network
already evaluated (same `Arch(link, ops).valid_hash()`) reuses its result and costs
nothing; the budget counts distinct networks.

Reported per dataset and algorithm, over the seeds: mean ± std of the best validation
accuracy, the test accuracy of that network, the share of seeds that reached the space's
top 1% by validation within the budget and the mean number of queries that took (a seed
that never got there counts as budget + 1), and the CPU milliseconds spent per query
inside the searcher (propose + observe).

    PYTHONPATH=. python benchmarks/tune_nasbench_graph.py --seeds 20 --budget 100
    PYTHONPATH=. python benchmarks/tune_nasbench_graph.py --algorithms mcts \\
        --set mcts.exploration=0.5 --datasets cora

    PYTHONPATH=. python benchmarks/tune_nasbench_graph.py --overhead 10000

`--overhead N` instead times each archlang searcher alone (propose + observe, CPU per
trial) over N trials of the same space with a dummy score, no table.

Needs `pip install nas-bench-graph`; `optuna` for `tpe`, `pyglove` for `pyglove-evolution`.
"""

from __future__ import annotations

import argparse
import statistics
import time
import zlib
from collections.abc import Callable
from typing import Any

import archlang
from archlang.search import get_searcher

OPS = ["gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip"]
OPS_PROTEINS = ["gcn", "sage", "arma", "fc", "skip"]


def space_text(ops: list[str]) -> str:
    lines = []
    for i in range(4):
        if i:
            lines.append(f"    in{i} = choice({', '.join(str(j) for j in range(i + 1))})")
        names = ", ".join(f'"{o}"' for o in ops)
        lines.append(f"    op{i} = choice({names})")
    # the table has no network whose every op is skip: rule it out where searchers see it
    lines.append('    require not (op0 == "skip" and op1 == "skip" and op2 == "skip" and '
                 'op3 == "skip")')
    body = "\n".join(lines)
    return f"network nbg() (x: [8]) {{\n{body}\n    return x -> linear(2)\n}}\n"


class Table:
    """One dataset's lookup: assignment -> (hash, validation, test)."""

    def __init__(self, dataset: str) -> None:
        from nas_bench_graph import light_read

        self.bench = light_read(dataset)
        self.ops = OPS_PROTEINS if dataset == "proteins" else OPS
        vals = sorted((r["valid_perf"] for r in self.bench.values()), reverse=True)
        self.top1 = vals[max(0, len(vals) // 100 - 1)]
        self.best = vals[0]

    def lookup(self, a: dict[str, Any]) -> tuple[int, float | None, float | None]:
        """The network's hash, validation and test accuracy (None: not in the table)."""
        from nas_bench_graph import Arch

        link = [0] + [a[f"nbg.in{i}"] for i in (1, 2, 3)]
        ops = [a[f"nbg.op{i}"] for i in range(4)]
        h = Arch(link, ops).valid_hash()
        r = self.bench.get(h)
        return (h, None, None) if r is None else (h, r["valid_perf"], r["perf"])


Ask = Callable[[], tuple[dict[str, Any], Any]]
Tell = Callable[[Any, dict[str, Any], float | None], None]


def drive(table: Table, budget: int, ask: Ask, tell: Tell) -> dict[str, Any]:
    """Ask and tell until `budget` distinct networks are evaluated; CPU counted in both."""
    seen: set[int] = set()
    trace: list[tuple[float | None, float | None]] = []
    cpu = 0.0
    for _ in range(20 * budget):
        if len(seen) >= budget:
            break
        t0 = time.process_time()
        a, token = ask()
        cpu += time.process_time() - t0
        h, val, test = table.lookup(a)
        if h not in seen:
            seen.add(h)
            trace.append((val, test))
        t0 = time.process_time()
        tell(token, a, val)
        cpu += time.process_time() - t0
    return summarize(trace, table, cpu)


def run_archlang(name: str, options: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    def run(table: Table, space: Any, seed: int, budget: int) -> dict[str, Any]:
        searcher = get_searcher(name, seed=seed)
        for k, v in options.items():
            setattr(searcher, k, v)
        searcher.setup(space)

        def tell(_: Any, a: dict[str, Any], val: float | None) -> None:
            searcher.observe(a, {"state": "failed" if val is None else "complete",
                                 "metrics": {}, "score": val})
        return drive(table, budget, lambda: (searcher.propose(), None), tell)
    return run


def run_optuna_tpe(table: Table, space: Any, seed: int, budget: int) -> dict[str, Any]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=seed))

    def ask() -> tuple[dict[str, Any], Any]:
        trial = study.ask()
        a = {f"nbg.op{i}": trial.suggest_categorical(f"op{i}", table.ops) for i in range(4)}
        a.update({f"nbg.in{i}": trial.suggest_categorical(f"in{i}", list(range(i + 1)))
                  for i in (1, 2, 3)})
        return a, trial

    def tell(trial: Any, _: dict[str, Any], val: float | None) -> None:
        if val is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, val)
    return drive(table, budget, ask, tell)


def run_pyglove_evolution(table: Table, space: Any, seed: int, budget: int) -> dict[str, Any]:
    import pyglove as pg

    hyper = pg.Dict(**{f"op{i}": pg.oneof(table.ops) for i in range(4)},
                    **{f"in{i}": pg.oneof(list(range(i + 1))) for i in (1, 2, 3)})
    algo = pg.evolution.regularized_evolution(population_size=20, tournament_size=5,
                                              seed=seed)
    samples = iter(pg.sample(hyper, algo, num_examples=20 * budget))

    def ask() -> tuple[dict[str, Any], Any]:
        x, feedback = next(samples)
        return {f"nbg.{k}": v for k, v in x.items()}, feedback

    def tell(feedback: Any, _: dict[str, Any], val: float | None) -> None:
        feedback(val if val is not None else 0.0)  # PyGlove's evolution has no failure
    return drive(table, budget, ask, tell)


def summarize(trace: list[tuple[float, float]], table: Table, cpu: float) -> dict[str, Any]:
    best_val, best_test = max((vt for vt in trace if vt[0] is not None), key=lambda vt: vt[0])
    hit = next((i + 1 for i, (v, _) in enumerate(trace) if v is not None and v >= table.top1),
               None)
    return {"val": best_val, "test": best_test, "hit": hit, "queries": len(trace),
            "ms": 1000 * cpu / max(1, len(trace))}


def overhead(trials: int, algorithms: list[str]) -> None:
    """CPU µs per propose + observe over `trials` trials, with a cheap deterministic score."""
    space = archlang.parse(space_text(OPS)).network()
    for name in algorithms:
        searcher = get_searcher(name, seed=0)
        searcher.setup(space)
        t0 = time.process_time()
        for _ in range(trials):
            a = searcher.propose()
            score = float(zlib.crc32(repr(sorted(a.items())).encode()) % 1000)
            searcher.observe(a, {"state": "complete", "metrics": {}, "score": score})
        us = 1e6 * (time.process_time() - t0) / trials
        print(f"{name:10} {us:8.0f} µs per trial over {trials} trials", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", default="cora,citeseer,pubmed,proteins")
    p.add_argument("--algorithms", default="random,evolution,mcts,tpe")
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--budget", type=int, default=100)
    p.add_argument("--set", action="append", default=[],
                   help="ALGO.ATTR=VALUE: override a searcher attribute")
    p.add_argument("--overhead", type=int, metavar="N",
                   help="time random, evolution and mcts alone over N trials instead")
    args = p.parse_args()
    if args.overhead:
        return overhead(args.overhead, ["random", "evolution", "mcts"])
    options: dict[str, dict[str, Any]] = {}
    for item in args.set:
        target, value = item.split("=", 1)
        algo, attr = target.split(".", 1)
        options.setdefault(algo, {})[attr] = int(value) if value.isdigit() else float(value)
    runners: dict[str, Callable[..., dict[str, Any]]] = {
        "tpe": run_optuna_tpe, "pyglove-evolution": run_pyglove_evolution}
    print(f"budget {args.budget}, {args.seeds} seeds; mean ± std; hit = seeds reaching the "
          "top 1% by validation; q = mean queries to it (misses count budget + 1)")
    print(f"{'dataset':9} {'algorithm':18} {'best val':>15} {'test':>15} {'hit':>5} "
          f"{'q':>6} {'ms/q':>6}")
    for dataset in args.datasets.split(","):
        table = Table(dataset)
        space = archlang.parse(space_text(table.ops)).network()
        for algo in args.algorithms.split(","):
            run = runners.get(algo) or run_archlang(algo, options.get(algo, {}))
            rows = [run(table, space, seed, args.budget) for seed in range(args.seeds)]
            print(format_row(dataset, algo, rows, args.budget), flush=True)
        print(f"{dataset:9} {'(space best)':18} {100 * table.best:15.2f}")


def format_row(dataset: str, algo: str, rows: list[dict[str, Any]], budget: int) -> str:
    def ms(key: str) -> str:
        xs = [100 * r[key] for r in rows]
        return f"{statistics.mean(xs):6.2f} ± {statistics.pstdev(xs):5.2f}"
    hits = [r["hit"] for r in rows if r["hit"] is not None]
    q = statistics.mean(r["hit"] if r["hit"] is not None else budget + 1 for r in rows)
    cpu = statistics.mean(r["ms"] for r in rows)
    return (f"{dataset:9} {algo:18} {ms('val'):>15} {ms('test'):>15} "
            f"{len(hits):2}/{len(rows):<2} {q:6.1f} {cpu:6.2f}")


if __name__ == "__main__":
    main()

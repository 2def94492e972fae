"""NAS-Bench-Graph: archlang's search algorithms beside PyGlove's and Optuna's, by table lookup.

Every algorithm searches the same space (`examples/nasbench_graph.arch`: 4 nodes, each an
input among the earlier ones and one of 9 ops, 5 for proteins) with the same budget of
queries, and is scored by the benchmark's table:

* archlang's algorithms (whatever `archlang.search.searcher_names()` lists, so evolution and
  MCTS join when they land) run through the real `run_search` with the task's lookup
  evaluator: a proposal binds the network, and one whose `Arch.hash` was seen reuses the
  result without spending a query;
* PyGlove's regularized evolution (population 20, tournament 5: its default population of
  100 is a random search at this budget) and Optuna's TPE and GPSampler see 7 categorical
  parameters and pay a query for every proposal (duplicates included), looked up directly.

Per budget, algorithm and dataset, over the seeds: mean ± standard error of the best
validation performance found (the objective) and of the test performance of that network,
the mean number of queries to first reach the table's top 1% by validation (over the runs
that reached it; how many did), the distinct networks (table entries) among the queries,
and CPU milliseconds per query (the whole run: proposal, bind, hash, lookup).

    python benchmarks/bench_nasbench_graph.py                        # cora citeseer pubmed proteins
    python benchmarks/bench_nasbench_graph.py --datasets all --seeds 20 --gp-seeds 5
    python benchmarks/bench_nasbench_graph.py --budgets 30 300 --gp-seeds 0
    python benchmarks/bench_nasbench_graph.py --count-hashes         # equal networks, whole space

GPSampler costs far more CPU per trial than the others: `--gp-seeds` runs it (and `archlang
gp`, the same sampler behind archlang's interface) on fewer seeds (the table says how
many). PyGlove and Optuna are benchmark-only dependencies; a peer whose package is missing
is skipped with a note.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import archlang  # noqa: E402
from archlang.diagnostics import ArchError  # noqa: E402
from archlang.search import (  # noqa: E402
    SearcherUnavailable,
    get_searcher,
    run_search,
    searcher_names,
)
from archlang.tasks import get_task  # noqa: E402
from archlang.tasks import nasbench_graph as nbg  # noqa: E402

EXAMPLES = ROOT / "examples"
DEFAULT_DATASETS = ("cora", "citeseer", "pubmed", "proteins")

#: (link list, op names) -> metrics; a run's queries in order
Query = Callable[[list[int], list[str]], float]


def network_for(dataset: str) -> Any:
    name = "nasbench_graph_proteins" if dataset == "proteins" else "nasbench_graph"
    return archlang.load(EXAMPLES / f"{name}.arch").network()


# ------------------------------------------------------------------ one run of each kind

def run_archlang(algorithm: str, dataset: str, seed: int, budget: int) -> list[tuple]:
    """Queries of an archlang searcher, through `run_search`: [(val, test, key), ...]."""
    space = network_for(dataset)
    task = get_task(f"nasbench-graph:{dataset}")
    ops = task.info["ops"]
    keys: list[Any] = []

    def evaluate(arch: Any) -> dict[str, Any]:
        keys.append(_key(*nbg.benchmark_arch(arch.space, arch.assignment, ops)))
        return task.evaluate(arch)

    study = run_search(space, evaluate, get_searcher(algorithm, seed=seed), budget,
                       objective=task.objective, direction=task.direction)
    counted = [t for t in study.trials if t.duplicate_of is None]
    out, k = [], iter(keys)
    for t in counted:
        key = next(k) if t.hash is not None else None
        out.append((t.metrics.get("val_accuracy", 0.0) if t.ok else 0.0,
                    t.metrics.get("test_accuracy", 0.0) if t.ok else 0.0, key if t.ok else None))
    return out


def _choices(dataset: str) -> dict[str, list[Any]]:
    ops = list(nbg.OPS_PROTEINS if dataset == "proteins" else nbg.OPS)
    out: dict[str, list[Any]] = {}
    for i in range(1, nbg.NODES + 1):
        if i > 1:
            out[f"in{i}"] = list(range(i))
        out[f"op{i}"] = ops
    return out


def _lookup(dataset: str, params: dict[str, Any]) -> tuple:
    link = [0] + [int(params[f"in{i}"]) for i in range(2, nbg.NODES + 1)]
    ops = [params[f"op{i}"] for i in range(1, nbg.NODES + 1)]
    try:
        m = nbg.lookup(dataset, link, ops)
    except ValueError:  # the all-skip network is not in the table: a wasted query
        return 0.0, 0.0, None
    return m["val_accuracy"], m["test_accuracy"], _key(link, ops)


def _key(link: list[int], ops: list[str]) -> int:
    from nas_bench_graph import Arch

    return Arch(list(link), list(ops)).valid_hash()


def run_pyglove(dataset: str, seed: int, budget: int) -> list[tuple]:
    import pyglove as pg

    space = pg.Dict({k: pg.oneof(v) for k, v in _choices(dataset).items()})
    algo = pg.evolution.regularized_evolution(  # the mutator has its own generator: seed it
        pg.evolution.mutators.Uniform(seed=seed), population_size=20, tournament_size=5,
        seed=seed)
    out = []
    for params, feedback in pg.sample(space, algo, num_examples=budget):
        result = _lookup(dataset, dict(params))
        out.append(result)
        feedback(result[0])
    return out


def run_optuna(sampler_name: str, dataset: str, seed: int, budget: int) -> list[tuple]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (optuna.samplers.TPESampler(seed=seed) if sampler_name == "tpe"
               else optuna.samplers.GPSampler(seed=seed))
    choices = _choices(dataset)
    out = []

    def objective(trial: Any) -> float:
        params = {k: trial.suggest_categorical(k, v) for k, v in choices.items()}
        result = _lookup(dataset, params)
        out.append(result)
        return result[0]

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optuna.create_study(direction="maximize", sampler=sampler).optimize(
            objective, n_trials=budget)
    return out


# ------------------------------------------------------------------ scoring

def score(queries: list[tuple], threshold: float) -> dict[str, Any]:
    best = max(queries, key=lambda q: q[0])
    first = next((i + 1 for i, q in enumerate(queries) if q[0] >= threshold), None)
    return {"best_val": best[0], "test": best[1], "to_top": first,
            "distinct": len({q[2] for q in queries if q[2] is not None})}


def algorithms(include_gp: bool) -> list[tuple[str, Callable[[str, int, int], list]]]:
    algos: list[tuple[str, Callable[[str, int, int], list]]] = []
    for name in searcher_names():
        if name == "gp" and not include_gp:
            continue
        try:
            get_searcher(name).check_available()
        except SearcherUnavailable as exc:
            print(f"note: skipping archlang {name}: {exc}", file=sys.stderr)
            continue
        algos.append((f"archlang {name}", lambda d, s, b, name=name: run_archlang(name, d, s, b)))
    for module, label, fn in (
            ("pyglove", "PyGlove evolution (20, 5)", run_pyglove),
            ("optuna", "Optuna TPE", lambda d, s, b: run_optuna("tpe", d, s, b)),
            ("optuna", "Optuna GPSampler", lambda d, s, b: run_optuna("gp", d, s, b))):
        if label == "Optuna GPSampler" and not include_gp:
            continue
        try:
            __import__(module)
        except ImportError:
            print(f"note: {module} is not installed; skipping {label}", file=sys.stderr)
            continue
        algos.append((label, fn))
    return algos


def is_gp(label: str) -> bool:
    """GP runs (Optuna's own and archlang's wrapper of it) take `--gp-seeds` seeds."""
    return "GPSampler" in label or label == "archlang gp"


def bench(datasets: list[str], seeds: int, gp_seeds: int, budget: int,
          only: list[str] | None = None) -> list[dict]:
    rows: list[dict] = []
    for dataset in datasets:
        threshold = nbg.top_threshold(dataset)
        space_best = max(float(e["valid_perf"]) for e in nbg.load_table(dataset).values())
        for label, fn in algorithms(gp_seeds > 0):
            if only and not any(o.lower() in label.lower() for o in only):
                continue
            n = gp_seeds if is_gp(label) else seeds
            scores, cpu = [], 0.0
            for seed in range(n):
                start = time.process_time()
                queries = fn(dataset, seed, budget)
                cpu += time.process_time() - start
                scores.append(score(queries, threshold))
            rows.append(_row(dataset, label, scores, cpu / (n * budget) * 1e3, space_best))
            rows[-1]["budget"] = budget
            print(_format(rows[-1]), flush=True)
    return rows


def _row(dataset: str, label: str, scores: list[dict], ms: float, space_best: float) -> dict:
    def ms_(key: str) -> tuple[float, float]:
        """Mean and standard error (of the mean) over the seeds, in percent."""
        v = [100 * s[key] for s in scores]
        se = statistics.stdev(v) / len(v) ** 0.5 if len(v) > 1 else 0.0
        return statistics.mean(v), se

    reached = [s["to_top"] for s in scores if s["to_top"] is not None]
    return {"dataset": dataset, "algorithm": label, "seeds": len(scores),
            "best_val": ms_("best_val"), "test": ms_("test"),
            "to_top": (statistics.mean(reached) if reached else None, len(reached)),
            "distinct": statistics.mean(s["distinct"] for s in scores),
            "ms": ms, "space_best": 100 * space_best}


def _format(r: dict) -> str:
    top, reached = r["to_top"]
    top_text = f"{top:.1f} ({reached}/{r['seeds']})" if top is not None else \
        f"- (0/{r['seeds']})"
    return (f"| {r['dataset']} | {r.get('budget', '')} | {r['algorithm']} | {r['seeds']} | "
            f"{r['best_val'][0]:.2f} ± {r['best_val'][1]:.2f} | "
            f"{r['test'][0]:.2f} ± {r['test'][1]:.2f} | {top_text} | {r['distinct']:.1f} | "
            f"{r['ms']:.2f} |")


HEADER = ("| dataset | budget | algorithm | seeds | best val % (± s.e.) | test % of it (± s.e.) "
          "| queries to top 1% (runs reaching it) | distinct networks | CPU ms / query |\n"
          "|---|---|---|---|---|---|---|---|---|")


# ------------------------------------------------------------------ equal networks

def count_hashes(dataset: str) -> None:
    """Over every assignment of the space: distinct archlang hashes vs the table's keys."""
    from archlang.search import iter_assignments

    space = network_for(dataset)
    ops = nbg.OPS_PROTEINS if dataset == "proteins" else nbg.OPS
    by_hash: dict[str, set] = {}
    by_key: dict[Any, set] = {}
    total, ruled_out, start = 0, 0, time.perf_counter()
    for assignment in iter_assignments(space.tree):
        total += 1
        try:
            arch = space.bind(assignment)
        except ArchError:  # the `require` that rules out the all-skip network
            ruled_out += 1
            continue
        key = _key(*nbg.benchmark_arch(space, assignment, ops))
        by_hash.setdefault(arch.hash, set()).add(key)
        by_key.setdefault(key, set()).add(arch.hash)
    table = nbg.load_table(dataset)
    seconds = time.perf_counter() - start
    print(f"{dataset}: {total:,} assignments ({ruled_out} ruled out by `require`); "
          f"{len(by_hash):,} distinct archlang hashes; "
          f"{len(by_key):,} distinct benchmark keys ({sum(k in table for k in by_key):,} "
          f"in the table of {len(table):,}); {seconds:.0f} s "
          f"({seconds / total * 1e6:.0f} us per bind + hash)")
    merged = [h for h, keys in by_hash.items() if len(keys) > 1]
    split = [k for k, hashes in by_key.items() if len(hashes) > 1]
    print(f"  archlang hashes that join several benchmark keys: {len(merged):,}")
    print(f"  benchmark keys that archlang splits into several hashes: {len(split):,}")
    for label, groups in (("joined", merged[:3]), ("split", split[:3])):
        for g in groups:
            print(f"  e.g. {label}: {sorted(by_hash[g]) if label == 'joined' else g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DEFAULT_DATASETS),
                        help="datasets, or `all` for the nine")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--gp-seeds", type=int, default=5,
                        help="seeds for GP runs, Optuna's GPSampler and archlang gp (slow); "
                             "0 leaves them out")
    parser.add_argument("--budgets", nargs="+", type=int, default=[100],
                        help="queries per run; several budgets run one after another")
    parser.add_argument("--only", nargs="+", default=None,
                        help="run only the algorithms whose label contains one of these texts")
    parser.add_argument("--count-hashes", action="store_true",
                        help="count equal networks over the whole space instead")
    args = parser.parse_args()
    datasets = list(nbg.DATASETS) if args.datasets == ["all"] else args.datasets
    if args.count_hashes:
        for d in datasets:
            count_hashes(d)
        return
    print(HEADER)
    for budget in args.budgets:
        bench(datasets, args.seeds, args.gp_seeds, budget, args.only)


if __name__ == "__main__":
    main()

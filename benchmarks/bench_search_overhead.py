"""The cost of the search loop itself: propose + bind + hash + observe + storage, per trial.

A dummy evaluator (a number derived from the network's hash, no training) makes the loop
the only cost. The space is NAS-Bench-Graph-like: 4 nodes, each reading one of the earlier
tensors (an input choice) through one of 9 ops, 157,464 assignments. Every searcher
registered in `archlang.search.searcher_names()` runs in memory and with a SQLite storage
file (but `tpe` and `gp`, whose cost is Optuna's sampler's); beside them, in the same
process and on the same space written their way, Optuna (random and TPE; in memory and
with its SQLite storage) and PyGlove (random and regularized evolution, population 20,
tournament 5; in memory, PyGlove has no storage; driven at the DNA level: propose,
materialize, feedback). The slow peers run fewer trials
(``--slow-peer-trials``); the table says how many.

µs per trial is wall time over every trial the loop handled: archlang's loop runs exactly
``--trials`` trials, including proposals that turned out to be an equal network (answered
without evaluating; "distinct" says how many networks were new). CPU µs is the process's
CPU time over the same trials (lower than wall time when the machine is shared).

    python benchmarks/bench_search_overhead.py                 # 10,000 trials each
    python benchmarks/bench_search_overhead.py --trials 2000 --slow-peer-trials 100
    python benchmarks/bench_search_overhead.py --searcher-cost 100 --no-peers   # that table only
    python benchmarks/bench_search_overhead.py --split 3000   # where random+SQLite's CPU goes

Model-based searchers (`bo`) run ``--model-trials`` trials (their cost grows with the
history). A second table, ``--searcher-cost N``, is the searchers' own CPU: the time spent in
``propose`` and ``observe`` (the loop's bind, hash and bookkeeping left out) over an
N-trial search of the same space, per proposal. ``--split N``: the loop's CPU per trial
(random search with SQLite, or ``--split-searchers``) split into bind, hash, storage,
searcher, evaluate and the rest of the loop, each part timed around its calls (no profiler).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import archlang
from archlang.search import get_searcher, run_search, searcher_names
from archlang.search.executors import InProcessExecutor
from archlang.search.optuna_search import OptunaSearch
from archlang.search.resume import prepare_study
from archlang.search.storage import Storage, StudyStore

OPS = ["linear(16)", "relu()", "tanh()", "gelu()", "sigmoid()", "silu()", "layernorm()",
       "relu6()", "identity()"]
SPACE = f"""network graph4() (x: [16]) {{
    h0 = x -> linear(16)
    h1 = choice(h0) -> choice({", ".join(OPS)})
    h2 = choice(h0, h1) -> choice({", ".join(OPS)})
    h3 = choice(h0, h1, h2) -> choice({", ".join(OPS)})
    h4 = choice(h0, h1, h2, h3) -> choice({", ".join(OPS)})
    return h4 -> linear(4)
}}
"""


def score_of(text: str) -> float:
    """A deterministic pseudo-accuracy of anything that prints the same way."""
    return (zlib.crc32(text.encode()) % 10_000) / 10_000


class Row:
    def __init__(self, system: str, algorithm: str, storage: str, trials: int,
                 distinct: int | str, wall: float, cpu: float) -> None:
        self.cells = [system, algorithm, storage, f"{trials:,}",
                      f"{distinct:,}" if isinstance(distinct, int) else distinct,
                      f"{wall / trials * 1e6:,.0f}", f"{cpu / trials * 1e6:,.0f}"]


def timed(fn: Callable[[], tuple[int, int | str]]) -> tuple[int, int | str, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    trials, distinct = fn()
    return trials, distinct, time.perf_counter() - wall, time.process_time() - cpu


def stop_after(n: int) -> Callable[..., None]:
    """An `on_trial` that ends the loop after exactly `n` trials (duplicates included), as
    Ctrl-C would: the space holds fewer distinct networks than assignments, so a budget of
    distinct networks would make the trial count depend on the algorithm."""
    def on_trial(trial, study) -> None:
        if len(study.trials) >= n:
            raise KeyboardInterrupt
    return on_trial


MODEL_BASED = ("bo",)


def evaluate(arch):
    return {"val_accuracy": score_of(arch.hash)}


def archlang_rows(budget: int, tmp: Path, model_budget: int) -> list[Row]:
    space = archlang.parse(SPACE).network()
    rows = []
    for name in searcher_names():
        if isinstance(get_searcher(name), OptunaSearch):
            continue  # tpe and gp cost what Optuna's sampler costs: the peer rows measure it
        n = model_budget if name in MODEL_BASED else budget
        for where in ("memory", "sqlite"):
            def run(name: str = name, where: str = where, n: int = n) -> tuple[int, int]:
                kwargs = {}
                if where == "sqlite":
                    storage = Storage(tmp / f"archlang-{name}.db")
                    kwargs["recorder"] = prepare_study(storage, name, space).store
                study = run_search(space, evaluate, get_searcher(name, seed=0), n,
                                   stop_after(n), max_duplicates=100 * n, **kwargs)
                return len(study.trials), study.spent
            rows.append(Row("archlang", name, where, *timed(run)))
            print("  done:", " | ".join(rows[-1].cells), flush=True)
    return rows


def searcher_cost(name: str, trials: int) -> tuple[float, float, int]:
    """CPU ms per proposal of `name`'s own propose + observe over a `trials`-trial search
    (first import of what the searcher loads included); (mean, of the last tenth, distinct)."""
    space = archlang.parse(SPACE).network()
    searcher = get_searcher(name, seed=0)
    spent: list[float] = []
    propose, observe = searcher.propose, searcher.observe

    def timed_propose():
        start = time.process_time()
        try:
            return propose()
        finally:
            spent.append(time.process_time() - start)

    def timed_observe(assignment, result):
        start = time.process_time()
        observe(assignment, result)
        spent[-1] += time.process_time() - start

    searcher.propose, searcher.observe = timed_propose, timed_observe  # type: ignore[method-assign]
    study = run_search(space, evaluate, searcher, trials, stop_after(trials),
                       max_duplicates=100 * trials)
    tail = spent[-max(1, len(spent) // 10):]
    return sum(spent) / len(spent) * 1e3, sum(tail) / len(tail) * 1e3, study.spent


def optuna_rows(trials: int, slow_trials: int, tmp: Path) -> list[Row]:
    try:
        import optuna
    except ImportError:
        return []
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial) -> float:
        cells = [(trial.suggest_categorical(f"in{i}", list(range(i + 1))),
                  trial.suggest_categorical(f"op{i}", OPS)) for i in range(4)]
        return score_of(repr(cells))

    rows = []
    for label, make in (("random", lambda: optuna.samplers.RandomSampler(seed=0)),
                        ("TPE", lambda: optuna.samplers.TPESampler(seed=0))):
        for where in ("memory", "sqlite"):
            n = trials if (label == "random" and where == "memory") else slow_trials

            def run(make=make, where=where, n=n, label=label) -> tuple[int, str]:
                storage = (f"sqlite:///{tmp / f'optuna-{label}.db'}" if where == "sqlite"
                           else None)
                study = optuna.create_study(direction="maximize", sampler=make(),
                                            storage=storage)
                study.optimize(objective, n_trials=n)
                return n, "-"
            rows.append(Row(f"Optuna {optuna.__version__}", label, where, *timed(run)))
            print("  done:", " | ".join(rows[-1].cells), flush=True)
    return rows


def pyglove_rows(trials: int) -> list[Row]:
    """PyGlove's own loop (propose a DNA, materialize the object, feed back the reward):
    the parts that match archlang's propose + bind + observe."""
    try:
        import pyglove as pg
    except ImportError:
        return []
    space = pg.List([pg.Dict(input=pg.oneof(list(range(i + 1))), op=pg.oneof(OPS))
                     for i in range(4)])
    spec = pg.dna_spec(space)
    rows = []
    for label, make in (("random", lambda: pg.geno.Random(seed=0)),
                        ("evolution (20, 5)", lambda: pg.evolution.regularized_evolution(
                            population_size=20, tournament_size=5, seed=0))):
        def run(make=make) -> tuple[int, str]:
            algorithm = make()
            algorithm.setup(spec)
            for _ in range(trials):
                dna = algorithm.propose()
                algorithm.feedback(dna, score_of(repr(pg.materialize(space, dna))))
            return trials, "-"
        rows.append(Row(f"PyGlove {pg.__version__}", label, "memory", *timed(run)))
        print("  done:", " | ".join(rows[-1].cells), flush=True)
    return rows


class HeldStore:
    """NOT how archlang stores trials (a kill loses what it holds), only for
    ``--split-held``: a trial that evaluated nothing (an equal network, an infeasible one)
    is held in memory and written in one transaction with the next commit (an evaluated
    trial's start or finish) or when the search ends, instead of committed when it ends.
    What archlang's promise (every finished trial committed when it ends) costs."""

    def __init__(self, store: StudyStore) -> None:
        self.store, self.held = store, []

    def next_number(self) -> int:
        return self.store.next_number()

    def start(self, trial) -> None:
        self.commit(trial)

    def finish(self, trial) -> None:
        if trial.duplicate_of is not None or trial.state == "infeasible":
            self.held.append(trial)
        else:
            self.commit(trial)

    def commit(self, trial=None) -> None:
        store, held = self.store, self.held
        if not held:
            if trial is not None:
                store.finish(trial)
            return
        store.db.execute("BEGIN")
        for t in (*held, trial) if trial is not None else held:
            store.finish(t)  # (one statement each, inside the transaction)
        store.db.execute("COMMIT")
        held.clear()


def loop_split(name: str, trials: int, tmp: Path, *, held: bool = False) -> dict[str, float]:
    """CPU µs per trial of a `trials`-trial search by `name` with SQLite storage, split into
    bind, hash, storage (the recorder's start and finish: JSON and the commits), searcher
    (propose + observe), evaluate (the in-process executor's `wait`: the dummy evaluator,
    its metrics cleaned, torch's thread count set and restored; only the trials not equal to
    an earlier network) and the rest of the loop. Each part is timed around its calls
    (``time.process_time``), no profiler; the timers' own cost (about 1 µs a call) lands in
    the parts."""
    space = archlang.parse(SPACE).network()
    spent = dict.fromkeys(("bind", "hash", "storage", "searcher", "evaluate"), 0.0)
    clock = time.process_time

    def timed_call(part: str, fn: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object) -> object:
            start = clock()
            try:
                return fn(*args)
            finally:
                spent[part] += clock() - start
        return call

    space_type = type(space)
    real_bind = space_type.bind

    def bind(self, assignment=None):
        start = clock()
        arch = real_bind(self, assignment)
        bound = clock()
        _ = arch.hash  # cached on the Arch: the loop's own read then costs nothing
        spent["bind"] += bound - start
        spent["hash"] += clock() - bound
        return arch

    store = prepare_study(Storage(tmp / f"split-{name}-{held}.db"), name, space).store
    if held:
        store = HeldStore(store)  # type: ignore[assignment]
    store.start = timed_call("storage", store.start)  # type: ignore[method-assign]
    store.finish = timed_call("storage", store.finish)  # type: ignore[method-assign]
    searcher = get_searcher(name, seed=0)
    searcher.propose = timed_call("searcher", searcher.propose)  # type: ignore[method-assign]
    searcher.observe = timed_call("searcher", searcher.observe)  # type: ignore[method-assign]
    executor = InProcessExecutor(evaluate)
    executor.wait = timed_call("evaluate", executor.wait)  # type: ignore[method-assign]
    space_type.bind = bind  # type: ignore[method-assign]
    try:
        start = clock()
        study = run_search(space, evaluate, searcher, trials, stop_after(trials),
                           max_duplicates=100 * trials, recorder=store, executor=executor)
        if held:
            timed_call("storage", store.commit)()  # type: ignore[attr-defined]
        total = clock() - start
    finally:
        space_type.bind = real_bind  # type: ignore[method-assign]
    n = len(study.trials)
    out = {part: value / n * 1e6 for part, value in spent.items()}
    out["other"] = total / n * 1e6 - sum(out.values())
    out["total"] = total / n * 1e6
    return out


def plain_total(name: str, trials: int, tmp: Path) -> float:
    """CPU µs per trial of the same search with nothing timed inside it: beside the split's
    total, what its timers cost."""
    space = archlang.parse(SPACE).network()
    store = prepare_study(Storage(tmp / f"plain-{name}.db"), name, space).store
    start = time.process_time()
    study = run_search(space, evaluate, get_searcher(name, seed=0), trials, stop_after(trials),
                       max_duplicates=100 * trials, recorder=store)
    return (time.process_time() - start) / len(study.trials) * 1e6


def bind_breakdown(n: int = 1000) -> str:
    """Where an archlang trial's time goes: bind (elaboration) and hash, per assignment."""
    space = archlang.parse(SPACE).network()
    rng = random.Random(0)
    assignments = [space.sample_assignment(rng) for _ in range(n)]
    start = time.perf_counter()
    arches = [space.bind(a) for a in assignments]
    bound = time.perf_counter()
    for a in arches:
        _ = a.hash
    hashed = time.perf_counter()
    return (f"bind {(bound - start) / n * 1e6:,.0f} µs, "
            f"hash {(hashed - bound) / n * 1e6:,.0f} µs per network (n={n})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000,
                        help="trials for archlang and for Optuna random in memory")
    parser.add_argument("--slow-peer-trials", type=int, default=300,
                        help="trials for Optuna TPE, Optuna with SQLite and PyGlove (tens "
                             "of ms per trial here)")
    parser.add_argument("--model-trials", type=int, default=1000,
                        help=f"trials for the model-based searchers ({', '.join(MODEL_BASED)})")
    parser.add_argument("--searcher-cost", type=int, default=0, metavar="N",
                        help="only the table of each searcher's own CPU per proposal over an "
                             "N-trial search (e.g. 100)")
    parser.add_argument("--split", type=int, default=0, metavar="N",
                        help="only the split of the loop's CPU per trial (bind, hash, "
                             "storage, searcher, other) over an N-trial search with SQLite "
                             "of each searcher named by --split-searchers")
    parser.add_argument("--split-searchers", default="random",
                        help="comma-separated searchers for --split (default: random)")
    parser.add_argument("--split-held", type=int, default=0, metavar="ROUNDS",
                        help="with --split: ROUNDS alternating runs in this process of the "
                             "split as it is and with the trials that evaluated nothing held "
                             "for the next commit (`HeldStore`: not durable, not archlang's)")
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    if args.split:
        parts = ("bind", "hash", "storage", "searcher", "evaluate", "other", "total")
        print(f"CPU µs per trial over a {args.split}-trial search with SQLite storage "
              f"(load average {os.getloadavg()[0]:.1f}); untimed: the same search with no "
              "timer inside\n\n| searcher | " + " | ".join(parts) + " | untimed |\n|"
              + "---|" * (len(parts) + 2))
        if args.split_held:
            with tempfile.TemporaryDirectory() as tmp:
                loop_split("random", min(args.split, 200), Path(tmp))  # warm-up
                for _ in range(args.split_held):
                    for held in (False, True):
                        split = loop_split("random", args.split, Path(tmp), held=held)
                        print(f"| random, {'held' if held else 'committed'} | " + " | ".join(
                            f"{split[p]:,.0f}" for p in parts) + " | - |", flush=True)
            return
        with tempfile.TemporaryDirectory() as tmp:
            for name in args.split_searchers.split(","):
                loop_split(name, min(args.split, 200), Path(tmp))  # warm-up: imports, caches
                split = loop_split(name, args.split, Path(tmp))
                plain = plain_total(name, args.split, Path(tmp))
                print(f"| {name} | " + " | ".join(f"{split[p]:,.0f}" for p in parts)
                      + f" | {plain:,.0f} |", flush=True)
        return
    if args.searcher_cost:
        print(f"searcher's own CPU (propose + observe) over a {args.searcher_cost}-trial "
              "search\n\n| searcher | CPU ms / proposal | of the last tenth | distinct |\n"
              "|---|---|---|---|")
        for name in searcher_names():
            if isinstance(get_searcher(name), OptunaSearch):
                continue
            mean, tail, distinct = searcher_cost(name, args.searcher_cost)
            print(f"| {name} | {mean:.2f} | {tail:.2f} | {distinct} |", flush=True)
        return
    space = archlang.parse(SPACE).network()
    print(f"space: {space.size:,} assignments; {bind_breakdown()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        rows = archlang_rows(args.trials, Path(tmp), args.model_trials)
        if not args.no_peers:
            rows += optuna_rows(args.trials, args.slow_peer_trials, Path(tmp))
            rows += pyglove_rows(args.slow_peer_trials)
    header = ["system", "algorithm", "storage", "trials", "distinct", "µs/trial",
              "CPU µs/trial"]
    print("\n| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row.cells) + " |")


if __name__ == "__main__":
    main()

"""Two revisions of archlang side by side: bind, compile and search-loop cost, interleaved.

A refactor should not cost speed. This script checks out two git revisions into temporary
worktrees and, round after round, runs the same micro-benchmarks in a fresh process for
each (who goes first alternates), so drift and other jobs on the machine hit both sides.
It reports each side's median and the ratio head/base per figure.

    python benchmarks/bench_revisions.py --base ad6f94b --head HEAD --rounds 7

Figures (each the median over the calls of one process, then over rounds):

* ``digits sample+bind``: `Space.sample` + `Arch.graph` of `examples/digits.arch`, per arch;
* ``nb-graph sample+bind``: the same on `examples/nasbench_graph.arch`;
* ``resnet18 bind+compile``: bind `resnet18` and build its `nn.Module` on the meta device
  (so weight initialisation does not drown the compiler's own cost), in the default form;
* ``resnet18 flat compile``: the same with ``compile(nested=False)``, the one-class form (a
  revision from before nested modules has only that form);
* ``loop random/evolution``: `archlang.search.search` with a constant evaluator and no
  storage, per trial (propose + bind + hash + observe).

Only public API is used (`archlang.load`, `Space.sample`, `Arch.compile`,
`archlang.search.search`), so any two revisions that have it can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs inside a fresh process whose sys.path starts at one revision's tree.
_WORKER = textwrap.dedent('''
    import json, statistics, sys, time
    import archlang
    from archlang.search import search

    def per_call(fn, n):
        fn(0)
        times = []
        for i in range(n):
            t = time.perf_counter(); fn(i); times.append(time.perf_counter() - t)
        return statistics.median(times) * 1e6

    out = {}
    for label, path in (("digits sample+bind", "examples/digits.arch"),
                        ("nb-graph sample+bind", "examples/nasbench_graph.arch")):
        space = archlang.load(path).network()
        out[label] = per_call(lambda i: space.sample(seed=i).graph, 300)

    import torch
    resnet = archlang.load("stdlib/models/resnet.arch").network("resnet18")
    def build(i):
        arch = resnet.bind({}) if hasattr(resnet, "bind") else resnet.sample(seed=0)
        with torch.device("meta"):
            arch.compile()
    out["resnet18 bind+compile"] = per_call(build, 15)

    def build_flat(i):  # the one-class form; a revision without `nested` has only that form
        arch = resnet.sample(seed=0)
        with torch.device("meta"):
            try:
                arch.compile(nested=False)
            except TypeError:
                arch.compile()
    out["resnet18 flat compile"] = per_call(build_flat, 15)

    space = archlang.load("examples/nasbench_graph.arch").network()
    for algo in ("random", "evolution"):
        t = time.perf_counter()
        study = search(space, lambda arch: {"val_accuracy": 0.5}, algo, budget=300, seed=1)
        out[f"loop {algo}"] = (time.perf_counter() - t) / len(study.trials) * 1e6
    print(json.dumps(out))
''')


def worktree(rev: str, path: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), rev],
                   check=True)
    return path


def run_once(tree: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", _WORKER], cwd=tree, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="git revision to compare against")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {side: worktree(rev, Path(tmp) / side) for side, rev in
                 (("base", args.base), ("head", args.head))}
        try:
            results: dict[str, list[dict[str, float]]] = {"base": [], "head": []}
            for r in range(args.rounds):
                order = ("base", "head") if r % 2 == 0 else ("head", "base")
                for side in order:
                    results[side].append(run_once(trees[side]))
                print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(tree)], check=False)
    print(f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds; base {args.base}, "
          f"head {args.head}")
    print(f"{'figure':28} {'base us':>10} {'head us':>10} {'head/base':>10}")
    summary = {}
    for key in results["base"][0]:
        base = statistics.median(r[key] for r in results["base"])
        head = statistics.median(r[key] for r in results["head"])
        summary[key] = head / base
        print(f"{key:28} {base:10.1f} {head:10.1f} {head / base:10.3f}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

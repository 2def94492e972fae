"""Diagram, --explain and report timings: what `archlang show --diagram/--explain` and
`write_report` cost on the largest inputs archlang ships.

  1. `space_dot` for every example network; `arch_dot` for resnet50 (every layer, and
     `depth=1`); rendering resnet50's diagram to SVG with Graphviz's `dot` (skipped without it);
  2. `explain` on token_transformer (14 decisions, 222,300 members) and on a repeat of 300
     ten-way choices (300 decisions, 10^300 members: the exact counts are big ints);
  3. `write_report` for a 200-trial study with two objectives (fake metrics: no training).

Each figure is the median of `--rounds` runs (after one warm-up), in milliseconds.

Run:  python benchmarks/bench_viz.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import archlang  # noqa: E402
from archlang.viz import arch_dot, render, space_dot  # noqa: E402
from archlang.viz.explain import explain  # noqa: E402
from archlang.viz.render import dot_available  # noqa: E402

ROOT = HERE.parent


def median_ms(fn, rounds: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    rounds = ap.parse_args().rounds
    rows: list[tuple[str, float]] = []

    spaces = [n for f in sorted((ROOT / "examples").glob("*.arch"))
              for n in (archlang.load(f).network(d.name) for d in archlang.load(f).networks())]
    rows.append((f"space_dot, all {len(spaces)} example networks",
                 median_ms(lambda: [space_dot(s) for s in spaces], rounds)))
    r50 = archlang.load(ROOT / "stdlib/models/resnet.arch").network("resnet50").bind()
    rows.append((f"arch_dot resnet50 ({len(r50.graph.nodes)} layers)",
                 median_ms(lambda: arch_dot(r50), rounds)))
    rows.append(("arch_dot resnet50, depth=1", median_ms(lambda: arch_dot(r50, depth=1), rounds)))
    if dot_available():
        text = arch_dot(r50)
        rows.append(("dot -Tsvg resnet50 (Graphviz)", median_ms(lambda: render(text, "svg"), 3)))

    tt = archlang.load(ROOT / "examples/transformer.arch").network("token_transformer")
    rows.append((f"explain token_transformer ({len(tt.decisions)} decisions)",
                 median_ms(lambda: explain(tt), rounds)))
    big = archlang.parse("network n() (x: [4]) { return x -> repeat(300) { "
                         "linear(choice(2, 3, 4, 5, 6, 7, 8, 9, 10, 11)) } }").network()
    rows.append((f"explain 10^300 space ({len(big.decisions)} decisions)",
                 median_ms(lambda: explain(big), rounds)))

    from archlang.report import write_report
    from archlang.search.study import COMPLETE, Study, Trial

    digits = archlang.load(ROOT / "examples/digits.arch").network()
    rng = random.Random(0)
    study = Study()
    for i in range(200):
        a = digits.sample_assignment(rng)
        study.trials.append(Trial(i, a, state=COMPLETE, seconds=1.0, metrics={
            "val_accuracy": rng.random(), "params": digits.bind(a).params}))
    study.objectives = [("val_accuracy", "maximize"), ("params", "minimize")]
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("write_report, 200 trials, 2 objectives",
                     median_ms(lambda: write_report(study, digits, tmp), 3)))

    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name.ljust(width)}  {ms:9.1f} ms")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

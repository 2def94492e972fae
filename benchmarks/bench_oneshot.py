"""One-shot search against a ground truth: does the shared model rank members the way
standalone training does, and what does a one-shot search cost against training them all?

  1. Read the committed ground truth (benchmarks/oneshot/truth.json: 200 members of
     benchmarks/oneshot/space.arch, each trained standalone on digits with 3 seeds; rebuild
     it with benchmarks/build_oneshot_truth.py) and check it against the space.
  2. Train `--candidates` members standalone here, one after another on one thread, with
     the truth's settings: the cost of searching them the usual way, on this machine, now
     (half before the one-shot searches and half after, so drift in the machine's speed
     falls on both sides).
  3. For the supernet and the hypernetwork, one whole one-shot search, timed from start to
     end (`run_weight_sharing_search` with the defaults: build, train the shared model,
     random search over `--candidates` members scored with shared weights, retrain the
     best `--retrain-top` standalone). Then score every member of the truth with the
     trained shared model and report Kendall's tau-b against the multi-seed mean, next to
     the seed-to-seed tau (the ceiling).
  4. With `--ablation`, the levers one at a time (sampling, schedule, distillation, steps,
     batch-norm recalibration): tau and training seconds of each.

Everything runs on one torch thread. The last line printed is one JSON object with the keys
tau_supernet, tau_hypernet, tau_seed_to_seed and time_ratio (the larger of the two kinds').

Run:  python benchmarks/bench_oneshot.py [--candidates 100] [--steps 200] [--ablation]
          [--truth FILE] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import torch  # noqa: E402

import archlang  # noqa: E402
from archlang.oneshot import (  # noqa: E402
    WeightSharingEvaluator,
    build_shared_model,
    run_weight_sharing_search,
    train_shared,
)
from archlang.oneshot.truth import GroundTruth  # noqa: E402
from archlang.search import get_searcher  # noqa: E402
from archlang.tasks import digits  # noqa: E402

TRUTH = HERE / "oneshot" / "truth.json"
KINDS = ("supernet", "hypernet")
#: the ablation: each row changes the default training in one way
ABLATION = [
    {"name": "default (fair, constant rate)"},
    {"name": "uniform sampling", "sampling": "uniform"},
    {"name": "sandwich sampling", "sampling": "sandwich"},
    {"name": "sandwich + in-place distillation", "sampling": "sandwich", "distill": True},
    {"name": "cosine schedule", "schedule": "cosine"},
    {"name": "half the steps", "steps": 0.5},
    {"name": "twice the steps", "steps": 2.0},
    {"name": "no batch-norm recalibration", "recalibration_batches": 0},
]


def score(model, data, truth: GroundTruth, space, **options) -> float:
    """Kendall tau of `model`'s scores of every truth member against their seed means."""
    evaluate = WeightSharingEvaluator(model, data, **options)
    scores = [evaluate(space.bind(m.assignment))["val_accuracy"] for m in truth.members]
    return truth.tau(scores)


def standalone_seconds(truth: GroundTruth, space, members: range) -> float:
    """Wall seconds to train `members` of the truth standalone (seed 0, its options)."""
    start = time.perf_counter()
    for i in members:
        digits.evaluate(space.bind(truth.members[i].assignment), seed=0, **truth.options)
    return time.perf_counter() - start


def one_shot_search(space, kind: str, args, truth: GroundTruth, data) -> dict[str, object]:
    start = time.perf_counter()
    result = run_weight_sharing_search(
        space, "digits", get_searcher("random", seed=args.seed), args.candidates, kind=kind,
        retrain_top=args.retrain_top, steps=args.steps, seed=args.seed,
        retrain_options=dict(truth.options))
    seconds = time.perf_counter() - start
    tau = score(result.model, data, truth, space)
    best = result.best.metrics["val_accuracy"] if result.best else float("nan")
    return {"tau": tau, "seconds": seconds, "phases": result.seconds,
            "best_retrained_val": best}


def ablation(space, kind: str, args, truth: GroundTruth, data) -> list[dict[str, object]]:
    rows = []
    for row in ABLATION:
        options = {k: v for k, v in row.items()
                   if k in ("sampling", "schedule", "distill")}
        steps = int(args.steps * row.get("steps", 1.0))
        model = build_shared_model(space, kind, seed=args.seed)
        log = train_shared(model, data, steps=steps, seed=args.seed, **options)
        recal = {k: row[k] for k in ("recalibration_batches",) if k in row}
        tau = score(model, data, truth, space, **recal)
        rows.append({"kind": kind, "name": row["name"], "steps": steps, "tau": tau,
                     "train_seconds": log.seconds})
        print(f"  {kind:8}  {row['name']:34}  {steps:4} steps  tau {tau:.3f}  "
              f"train {log.seconds:5.1f} s", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--truth", type=Path, default=TRUTH)
    parser.add_argument("--candidates", type=int, default=100)
    parser.add_argument("--retrain-top", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    torch.set_num_threads(1)

    try:
        truth = GroundTruth.load(args.truth)
        space = truth.check(archlang.load(HERE.parent / truth.space_file).network())
    except (OSError, ValueError) as exc:  # TruthMismatch is a ValueError
        sys.exit(f"bench_oneshot.py: {args.truth}: {exc}")
    data = digits.load_data()
    taus = truth.seed_to_seed_taus()
    ceiling = truth.seed_to_seed_tau()
    print(f"ground truth: {len(truth.members)} members of {truth.network} x "
          f"{len(truth.seeds)} seeds ({truth.options}), built in {truth.build_seconds:.0f} s "
          f"on {truth.workers} workers")
    print(f"  seed-to-seed tau {', '.join(f'{t:.3f}' for t in taus)} (mean {ceiling:.3f}); "
          f"spread of the means {truth.spread():.3f} against seed noise "
          f"{truth.seed_noise():.3f}; means {min(truth.means):.3f} .. {max(truth.means):.3f}")
    figures: dict[str, object] = {"tau_seed_to_seed": ceiling, "seed_taus": taus,
                                  "spread": truth.spread(), "seed_noise": truth.seed_noise()}

    # half the standalone trainings before the one-shot searches and half after, so that a
    # machine that gets busier or quieter during the run shifts both sides alike
    half = args.candidates // 2
    standalone = standalone_seconds(truth, space, range(half))
    runs = {kind: one_shot_search(space, kind, args, truth, data) for kind in KINDS}
    standalone += standalone_seconds(truth, space, range(half, args.candidates))
    print(f"standalone: {args.candidates} members trained in {standalone:.1f} s", flush=True)
    figures["standalone_seconds"] = standalone
    for kind, run in runs.items():
        run["time_ratio"] = run["seconds"] / standalone
        figures[kind] = run
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in run["phases"].items())
        print(f"{kind}: tau {run['tau']:.3f} ({run['tau'] / ceiling:.0%} of the ceiling); "
              f"one-shot search of {args.candidates} with the top {args.retrain_top} retrained "
              f"{run['seconds']:.1f} s = {run['time_ratio']:.3f} x standalone ({phases}); "
              f"best retrained val {run['best_retrained_val']:.3f} (best in the truth "
              f"{max(truth.means):.3f})", flush=True)
    if args.ablation:
        print("ablation (each row changes the default in one way):")
        figures["ablation"] = [r for kind in KINDS for r in ablation(space, kind, args, truth,
                                                                     data)]
    figures["load"] = os.getloadavg()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    print(json.dumps({"tau_supernet": figures["supernet"]["tau"],
                      "tau_hypernet": figures["hypernet"]["tau"],
                      "tau_seed_to_seed": ceiling,
                      "time_ratio": max(figures[k]["time_ratio"] for k in KINDS)}))


if __name__ == "__main__":
    main()

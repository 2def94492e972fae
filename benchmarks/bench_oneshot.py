"""One-shot search on examples/digits.arch: does the shared model rank like training does,
and what does it cost?

  1. Sample `--archs` distinct architectures (seeded) and train each on its own with the
     digits task's evaluator (8 epochs, Adam): their validation accuracies are the truth,
     and the total wall time is the cost of searching them the usual way.
  2. For the supernet and for the hypernetwork, run a whole one-shot search with
     `run_weight_sharing_search`: build + train the shared model for `--steps` batches +
     random search over `--budget` Arches scored with the shared weights + retrain the top
     `--retrain-top` with the task's evaluator. Timed from start to end.
  3. Score the sampled architectures with each trained shared model (batch-norm
     recalibrated per Arch) and report Kendall's tau-b against their standalone accuracy,
     the mean over `--truth-seeds` trainings (one training of one seed ranks the 30 only
     loosely: the tau between two seeds is printed as well).

Everything runs on one thread (torch.set_num_threads(1)), the standalone trainings too.

Run:  python benchmarks/bench_oneshot.py [--archs 30] [--steps 400] [--budget 30]
          [--shared-seeds 3] [--truth-seeds 2] [--truth FILE]
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
from scipy.stats import kendalltau  # noqa: E402

import archlang  # noqa: E402
from archlang.oneshot import WeightSharingEvaluator, run_weight_sharing_search  # noqa: E402
from archlang.search import get_searcher  # noqa: E402
from archlang.tasks import digits  # noqa: E402


def distinct_archs(space: archlang.Space, n: int, seed: int) -> list[archlang.Arch]:
    out, seen, s = [], set(), seed
    while len(out) < n:
        arch = space.sample(seed=s)
        s += 1
        if arch.hash not in seen:
            seen.add(arch.hash)
            out.append(arch)
    return out


def standalone_runs(archs: list[archlang.Arch], seeds: int,
                    cache: Path | None) -> tuple[list[list[float]], float]:
    """Each arch's validation accuracy trained with seeds 0..seeds-1, and the wall time of
    the seed-0 trainings. `cache` keeps them by arch hash and seed across runs."""
    saved = json.loads(cache.read_text()) if cache and cache.exists() else {"val": {}}
    seconds = saved.get("seconds")
    for seed in range(seeds):
        start = time.perf_counter()
        for a in archs:
            key = f"{a.hash}:{seed}"
            if key not in saved["val"]:
                saved["val"][key] = digits.evaluate(a, seed=seed)["val_accuracy"]
        if seed == 0 and seconds is None:
            seconds = time.perf_counter() - start
    runs = [[saved["val"][f"{a.hash}:{s}"] for s in range(seeds)] for a in archs]
    if cache:
        cache.write_text(json.dumps({"seconds": seconds, "val": saved["val"]}))
    return runs, float(seconds)  # type: ignore[arg-type]


def one_shot(space: archlang.Space, kind: str, seed: int, args: argparse.Namespace,
             archs: list[archlang.Arch], runs: list[list[float]], standalone: float,
             data: dict) -> dict[str, object]:
    """One whole one-shot search, timed; then tau of its shared model on the sampled archs."""
    start = time.perf_counter()
    result = run_weight_sharing_search(
        space, "digits", get_searcher("random", seed=seed), args.budget, kind=kind,
        retrain_top=args.retrain_top, steps=args.steps, sampling=args.sampling, seed=seed)
    total = time.perf_counter() - start
    evaluate = WeightSharingEvaluator(result.model, data)
    scores = [evaluate(a)["val_accuracy"] for a in archs]
    tau = kendalltau(scores, [sum(r) / len(r) for r in runs]).statistic
    tau0 = kendalltau(scores, [r[0] for r in runs]).statistic
    best = result.best.metrics["val_accuracy"] if result.best else float("nan")
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    print(f"{kind} seed {seed}: tau {tau:.3f} (against standalone seed 0 alone {tau0:.3f}); "
          f"one-shot search {total:.1f} s = {total / standalone:.3f} x standalone ({phases}); "
          f"best retrained val {best:.3f}", flush=True)
    return {"tau": tau, "tau_seed0": tau0, "seconds": total, "ratio": total / standalone,
            "phases": result.seconds, "best_retrained_val": best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", type=int, default=30)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--retrain-top", type=int, default=3)
    parser.add_argument("--sampling", default="uniform")
    parser.add_argument("--seed", type=int, default=0, help="the first shared-model seed")
    parser.add_argument("--shared-seeds", type=int, default=3,
                        help="one-shot searches per kind, with seeds seed, seed+1, ...")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--truth-seeds", type=int, default=2,
                        help="train each of the 30 with this many seeds; the truth is the "
                             "mean accuracy (the cost counted is one seed's training)")
    parser.add_argument("--truth", type=Path,
                        help="a JSON file of standalone accuracies from an earlier run "
                             "(read if it exists, else written): skips step 1's training")
    args = parser.parse_args()
    torch.set_num_threads(1)
    space = archlang.load(HERE.parent / "examples" / "digits.arch").network()
    archs = distinct_archs(space, args.archs, 1000)
    data = digits.load_data()

    runs, standalone = standalone_runs(archs, args.truth_seeds, args.truth)
    truth = [sum(r) / len(r) for r in runs]
    print(f"standalone: {len(archs)} archs trained in {standalone:.1f} s (one seed); "
          f"val accuracy {min(truth):.3f} .. {max(truth):.3f}")
    figures: dict[str, object] = {"archs": len(archs), "standalone_seconds": standalone}
    for i in range(1, args.truth_seeds):
        tau = kendalltau([r[0] for r in runs], [r[i] for r in runs]).statistic
        figures[f"tau_seed0_seed{i}"] = tau
        print(f"standalone seed 0 vs seed {i}: tau {tau:.3f}", flush=True)
    for kind in ("supernet", "hypernet"):
        for seed in range(args.seed, args.seed + args.shared_seeds):
            figures[f"{kind}/{seed}"] = one_shot(space, kind, seed, args, archs, runs,
                                                 standalone, data)
    figures["load"] = os.getloadavg()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

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
     recalibrated per Arch) and report Kendall's tau-b against their standalone accuracy.

Everything runs on one thread (torch.set_num_threads(1)), the standalone trainings too.

Run:  python benchmarks/bench_oneshot.py [--archs 30] [--steps 400] [--budget 30]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", type=int, default=30)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--retrain-top", type=int, default=3)
    parser.add_argument("--sampling", default="uniform")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--ceiling", action="store_true",
                        help="also train the 30 again with another seed and report tau "
                             "between the two standalone runs (how far a ranking can agree)")
    parser.add_argument("--only-ceiling", action="store_true", help="stop after the ceiling")
    parser.add_argument("--truth", type=Path,
                        help="a JSON file of standalone accuracies from an earlier run "
                             "(read if it exists, else written): skips step 1's training")
    args = parser.parse_args()
    torch.set_num_threads(1)
    space = archlang.load(HERE.parent / "examples" / "digits.arch").network()
    archs = distinct_archs(space, args.archs, 1000 + args.seed)
    data = digits.load_data()

    if args.truth and args.truth.exists():
        saved = json.loads(args.truth.read_text())
        truth, standalone = [saved["val"][a.hash] for a in archs], saved["seconds"]
    else:
        start = time.perf_counter()
        truth = [digits.evaluate(a)["val_accuracy"] for a in archs]
        standalone = time.perf_counter() - start
        if args.truth:
            args.truth.write_text(json.dumps({"seconds": standalone, "val": {
                a.hash: v for a, v in zip(archs, truth)}}))
    print(f"standalone: {len(archs)} archs trained in {standalone:.1f} s "
          f"(val accuracy {min(truth):.3f} .. {max(truth):.3f})")

    figures = {"archs": len(archs), "standalone_seconds": standalone, "load": os.getloadavg()}
    if args.ceiling or args.only_ceiling:
        again = [digits.evaluate(a, seed=1)["val_accuracy"] for a in archs]
        figures["ceiling_tau"] = kendalltau(again, truth).statistic
        print(f"standalone seed 0 vs seed 1: tau {figures['ceiling_tau']:.3f}")
        if args.only_ceiling:
            return
    for kind in ("supernet", "hypernet"):
        start = time.perf_counter()
        result = run_weight_sharing_search(
            space, "digits", get_searcher("random", seed=args.seed), args.budget, kind=kind,
            retrain_top=args.retrain_top, steps=args.steps, sampling=args.sampling,
            seed=args.seed)
        total = time.perf_counter() - start
        evaluate = WeightSharingEvaluator(result.model, data)
        scores = [evaluate(a)["val_accuracy"] for a in archs]
        tau = kendalltau(scores, truth).statistic
        best = result.best
        figures[kind] = {
            "tau": tau, "seconds": total, "ratio": total / standalone,
            "phases": result.seconds,
            "best_retrained_val": best.metrics["val_accuracy"] if best else None,
            "final_loss": sum(result.train_log.losses[-20:]) / 20}
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        print(f"{kind}: tau {tau:.3f}; one-shot search {total:.1f} s = "
              f"{total / standalone:.3f} x standalone ({phases}); best retrained val "
              f"{figures[kind]['best_retrained_val']:.3f}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

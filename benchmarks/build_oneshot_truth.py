"""Build the ground truth of bench_oneshot.py: members of benchmarks/oneshot/space.arch, each
trained standalone on the digits task with several seeds.

    python benchmarks/build_oneshot_truth.py            # 200 members x 3 seeds, 16 epochs
    python benchmarks/build_oneshot_truth.py --archs 20 --out /tmp/truth.json   # a try-out

The members are the first `--archs` distinct networks drawn with seeds 0, 1, 2, ... (so the
same arguments always draw the same ones). Each (member, seed) is one call of the digits
evaluator (`archlang.tasks.digits.evaluate(arch, epochs=..., seed=...)`) on one torch
thread, spread over `--workers` processes. The table is written after every finished
training, so a killed build resumes where it stopped when rerun with the same arguments.
The wall time of the whole build and each training's own seconds are stored with it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SPACE = HERE / "oneshot" / "space.arch"
TRUTH = HERE / "oneshot" / "truth.json"


def _train(space_file: str, assignment: dict, seed: int, epochs: int) -> tuple[float, float]:
    """One standalone training in a worker: (validation accuracy, seconds)."""
    import torch

    import archlang
    from archlang.tasks import digits

    torch.set_num_threads(1)
    arch = archlang.load(space_file).network().bind(assignment)
    start = time.perf_counter()
    metrics = digits.evaluate(arch, epochs=epochs, seed=seed)
    return metrics["val_accuracy"], time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=TRUTH)
    args = parser.parse_args()

    import archlang
    from archlang.oneshot.truth import GroundTruth, Member, distinct_members

    space = archlang.load(SPACE).network()
    archs = distinct_members(space, args.archs)
    settings = {"network": space.name, "space_file": str(SPACE.relative_to(HERE.parent)),
                "task": "digits", "objective": "val_accuracy",
                "options": {"epochs": args.epochs}, "seeds": list(range(args.seeds)),
                "decisions": GroundTruth.describe(space)}
    truth = GroundTruth(members=[Member(dict(a.assignment), a.hash, [float("nan")] * args.seeds,
                                        [0.0] * args.seeds) for a in archs],
                        workers=args.workers, **settings)
    if args.out.exists():  # resume what an earlier run of the same settings finished
        old = GroundTruth.load(args.out)
        done = {m.hash: m for m in old.members}
        if all(getattr(old, k) == v for k, v in settings.items()):
            for m in truth.members:
                if m.hash in done:
                    m.values, m.seconds = done[m.hash].values, done[m.hash].seconds
            truth.build_seconds = old.build_seconds
    truth.command = "python benchmarks/build_oneshot_truth.py " + shlex.join(sys.argv[1:])
    todo = [(i, s) for i, m in enumerate(truth.members) for s in range(args.seeds)
            if m.values[s] != m.values[s]]  # NaN: not trained yet
    print(f"{len(archs)} members of {space.name} x {args.seeds} seeds, {args.epochs} epochs: "
          f"{len(todo)} trainings to run on {args.workers} workers", flush=True)
    start = time.perf_counter()
    before = truth.build_seconds
    with ProcessPoolExecutor(args.workers) as pool:
        futures = {pool.submit(_train, str(SPACE), archs[i].assignment, s, args.epochs): (i, s)
                   for i, s in todo}
        for n, future in enumerate(as_completed(futures), 1):
            i, s = futures[future]
            value, seconds = future.result()
            truth.members[i].values[s] = value
            truth.members[i].seconds[s] = seconds
            truth.build_seconds = before + time.perf_counter() - start
            truth.save(args.out)
            if n % 20 == 0 or n == len(todo):
                print(f"  {n}/{len(todo)} trained, {truth.build_seconds:.0f} s", flush=True)
    taus = truth.seed_to_seed_taus()
    print(f"wrote {args.out}: {truth.build_seconds:.0f} s of wall time, "
          f"{sum(sum(m.seconds) for m in truth.members):.0f} s of training")
    print(f"seed-to-seed tau {min(taus):.3f} .. {max(taus):.3f} "
          f"(mean {truth.seed_to_seed_tau():.3f}); spread of the means {truth.spread():.3f} "
          f"against seed noise {truth.seed_noise():.3f}; "
          f"means {min(truth.means):.3f} .. {max(truth.means):.3f}")


if __name__ == "__main__":
    main()

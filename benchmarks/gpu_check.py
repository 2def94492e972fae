"""Does training on CUDA agree with the CPU, and how much faster is it? (issue 15 item 4)

On a machine with a GPU, runs the same two short jobs on the CPU and on CUDA:

1. a seeded random search of ``examples/digits.arch`` on the digits task (``--trials``
   networks, ``--epochs`` each), through `run_search` with the task's evaluator given
   ``device=`` (what ``archlang search --device`` does);
2. ``--steps`` steps of supernet training of the same space (`train_shared`), then the
   one-shot validation accuracy of a few networks (`WeightSharingEvaluator`).

Checks: the search evaluates the same networks on both devices, and each network's
validation accuracy, like each one-shot score, agrees within ``--tolerance`` (GPU kernels
round differently, so figures differ in the last digits, not more); the supernet's mean
loss over its last tenth of steps agrees within the same tolerance. Prints the seconds of
each job on each device and the speedup; with ``--amp`` the CUDA runs use mixed precision.
Exits 1 when a check fails. On a machine without CUDA it says so and exits 0.

    python benchmarks/gpu_check.py                      # 6 trials x 2 epochs, 200 steps
    python benchmarks/gpu_check.py --amp --device cuda:1
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from pathlib import Path

import archlang
from archlang.search import get_searcher, run_search
from archlang.tasks import get_task
from archlang.tasks.device import DeviceError, cuda_count, resolve

ROOT = Path(__file__).resolve().parent.parent


def search_job(device: str, trials: int, epochs: int, amp: bool) -> tuple[float, dict]:
    space = archlang.load(ROOT / "examples" / "digits.arch").network()
    task = get_task("digits")
    evaluate = functools.partial(task.evaluate, epochs=epochs, seed=0, device=device,
                                 **({"amp": True} if amp else {}))
    start = time.perf_counter()
    study = run_search(space, evaluate, get_searcher("random", seed=0), trials)
    seconds = time.perf_counter() - start
    return seconds, {t.hash: t.metrics["val_accuracy"] for t in study.trials if t.ok}


def oneshot_job(device: str, steps: int, amp: bool, networks: int = 5) -> tuple[float, dict]:
    from archlang.oneshot.evaluate import WeightSharingEvaluator
    from archlang.oneshot.supernet import Supernet
    from archlang.oneshot.train import train_shared
    from archlang.tasks.digits import load_data

    space = archlang.load(ROOT / "examples" / "digits.arch").network()
    model = Supernet(space, seed=0)
    data = load_data()
    start = time.perf_counter()
    log = train_shared(model, data, steps=steps, seed=0, device=device, amp=amp)
    evaluate = WeightSharingEvaluator(model, data, amp=amp)
    scores = {}
    for seed in range(networks):
        arch = space.sample(seed=seed)
        scores[arch.hash] = evaluate(arch)["val_accuracy"]
    seconds = time.perf_counter() - start
    tail = log.losses[-max(1, steps // 10):]
    return seconds, {"loss": statistics.fmean(tail), "scores": scores}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--device", default="cuda", help="the CUDA device (cuda or cuda:I)")
    parser.add_argument("--amp", action="store_true", help="mixed precision on CUDA")
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--tolerance", type=float, default=0.05,
                        help="largest difference of an accuracy (or the loss) CPU vs CUDA")
    args = parser.parse_args()
    if cuda_count() == 0:
        print("no CUDA device on this machine: nothing to check (run this where a GPU is)")
        return 0
    try:
        device = resolve(args.device, args.amp)
    except DeviceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failures: list[str] = []
    report: dict = {"device": device, "amp": args.amp}

    cpu_s, cpu = search_job("cpu", args.trials, args.epochs, False)
    gpu_s, gpu = search_job(device, args.trials, args.epochs, args.amp)
    if set(cpu) != set(gpu):
        failures.append(f"the search evaluated other networks on {device}")
    worst = max((abs(cpu[h] - gpu[h]) for h in set(cpu) & set(gpu)), default=0.0)
    if worst > args.tolerance:
        failures.append(f"a search trial's val_accuracy differs by {worst:.4f}")
    print(f"search  {len(cpu)} trials x {args.epochs} epochs: cpu {cpu_s:.1f}s, {device} "
          f"{gpu_s:.1f}s, speedup {cpu_s / gpu_s:.2f}x; largest accuracy difference "
          f"{worst:.4f}")
    report["search"] = {"cpu_s": cpu_s, "gpu_s": gpu_s, "speedup": cpu_s / gpu_s,
                        "max_diff": worst}

    cpu_s, cpu1 = oneshot_job("cpu", args.steps, False)
    gpu_s, gpu1 = oneshot_job(device, args.steps, args.amp)
    loss_diff = abs(cpu1["loss"] - gpu1["loss"])
    worst = max(abs(cpu1["scores"][h] - gpu1["scores"][h]) for h in cpu1["scores"])
    if loss_diff > args.tolerance:
        failures.append(f"the supernet's final loss differs by {loss_diff:.4f}")
    if worst > args.tolerance:
        failures.append(f"a one-shot score differs by {worst:.4f}")
    print(f"supernet {args.steps} steps: cpu {cpu_s:.1f}s, {device} {gpu_s:.1f}s, speedup "
          f"{cpu_s / gpu_s:.2f}x; loss {cpu1['loss']:.4f} vs {gpu1['loss']:.4f}; largest "
          f"one-shot score difference {worst:.4f}")
    report["supernet"] = {"cpu_s": cpu_s, "gpu_s": gpu_s, "speedup": cpu_s / gpu_s,
                          "loss_diff": loss_diff, "max_diff": worst}
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    report["ok"] = not failures
    print(json.dumps(report))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

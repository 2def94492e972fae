"""Compiler benchmarks: build time and forward latency of stdlib models vs hand-written PyTorch.

Measures, side by side in one process (ratios, not absolute times, are what we compare):
  1. parse + elaborate + compile + instantiate `resnet50` from `.arch`, relative to
     constructing the hand-written equivalent (benchmarks/reference_models.py);
  2. forward latency (CPU, eval, no grad) of compiled `resnet18` and `mobilenet_v2` relative to
     the hand-written modules, at batch 1 and 32.

Run:  python benchmarks/bench_compile.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import reference_models  # noqa: E402

import archlang  # noqa: E402
from archlang.ir.program import Program  # noqa: E402
from archlang.resources import stdlib_root  # noqa: E402
from archlang.source import Source  # noqa: E402


def _build_from_arch(name: str, text: str, base: Path) -> torch.nn.Module:
    program = Program.from_source(Source(text, f"stdlib/models/{name}.arch"), base)
    return program.network(name).bind().compile()


def bench_build(repeats: int) -> tuple[float, float]:
    path = stdlib_root() / "models" / "resnet.arch"
    text = path.read_text()
    _build_from_arch("resnet50", text, path.parent)  # warm: parser tables, op registry
    reference_models.resnet50()
    ours, theirs = [], []
    for _ in range(repeats):  # interleaved, so drift hits both sides alike
        t = time.perf_counter()
        _build_from_arch("resnet50", text, path.parent)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        reference_models.resnet50()
        theirs.append(time.perf_counter() - t)
    return statistics.median(ours), statistics.median(theirs)


def _latency(model: torch.nn.Module, x: torch.Tensor, repeats: int) -> float:
    times = []
    with torch.inference_mode():
        for _ in range(3):
            model(x)
        for _ in range(repeats):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_forward(name: str, file: str, batch: int, repeats: int) -> tuple[float, float]:
    torch.manual_seed(0)
    ours = archlang.load(stdlib_root() / "models" / file).network(name).bind().compile().eval()
    ref = getattr(reference_models, name)().eval()
    x = torch.randn(batch, 3, 224, 224)
    a, b = [], []
    for _ in range(3):  # alternate whole rounds to spread noise over both
        a.append(_latency(ours, x, repeats))
        b.append(_latency(ref, x, repeats))
    return min(a), min(b)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    ours, ref = bench_build(args.repeats)
    print(f"build resnet50: archlang {ours * 1e3:.0f} ms, hand-written {ref * 1e3:.0f} ms, "
          f"ratio {ours / ref:.2f}")
    for name, file in (("resnet18", "resnet.arch"), ("mobilenet_v2", "mobilenet_v2.arch")):
        for batch in (1, 32):
            reps = args.repeats if batch == 32 else args.repeats * 4
            ours, ref = bench_forward(name, file, batch, reps)
            print(f"forward {name} batch {batch}: archlang {ours * 1e3:.2f} ms, hand-written "
                  f"{ref * 1e3:.2f} ms, ratio {ours / ref:.3f}")


if __name__ == "__main__":
    main()

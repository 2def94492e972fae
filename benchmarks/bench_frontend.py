"""Front-end benchmarks: parser throughput and sample + bind + print per architecture.

  1. parse a generated 10,000-line `.arch` file (lines per second);
  2. for 10,000 architectures of examples/digits.arch: sample an assignment, bind it, print the
     decided network back as `.arch` (microseconds each, and each stage alone).

Run:  python benchmarks/bench_frontend.py [--archs N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import archlang  # noqa: E402
from archlang.syntax.parser import parse_text  # noqa: E402


def generated_program(lines: int) -> str:
    """A file of blocks, each a dozen lines of typical statements."""
    out: list[str] = []
    i = 0
    while len(out) + 12 <= lines:
        out += [
            f"# block {i}",
            f"block b{i}(out: int, k: int = 3, stride: int = 1) {{",
            "    conv2d(out, k, stride = stride, padding = k // 2, bias = false)",
            "    batchnorm2d()",
            "    relu()",
            "}",
            f"block r{i}(c: int) (x) {{",
            f"    h = x -> b{i}(c) -> b{i}(c, k = choice(3, 5))",
            "    if channels(x) != c { x = x -> conv2d(c, 1) }",
            "    return h + x",
            "}",
            "",
        ]
        i += 1
    return "\n".join(out) + "\n"


def bench_parse(lines: int) -> float:
    text = generated_program(lines)
    parse_text("block warm() { relu() }")
    t = time.perf_counter()
    parse_text(text, "gen.arch")
    return lines / (time.perf_counter() - t)


def bench_archs(n: int) -> dict[str, float]:
    space = archlang.load(HERE.parent / "examples" / "digits.arch").network()
    rng = random.Random(0)
    space.bind(space.sample_assignment(rng)).to_arch()  # warm
    t_sample = t_bind = t_print = 0.0
    for _ in range(n):
        t0 = time.perf_counter()
        a = space.sample_assignment(rng)
        t1 = time.perf_counter()
        arch = space.bind(a)
        t2 = time.perf_counter()
        arch.to_arch()
        t3 = time.perf_counter()
        t_sample, t_bind, t_print = t_sample + t1 - t0, t_bind + t2 - t1, t_print + t3 - t2
    scale = 1e6 / n
    return {"sample": t_sample * scale, "bind": t_bind * scale, "print": t_print * scale,
            "total": (t_sample + t_bind + t_print) * scale}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--archs", type=int, default=10_000)
    args = ap.parse_args()
    print(f"parse: {bench_parse(args.lines):,.0f} lines/s ({args.lines:,} lines)")
    r = bench_archs(args.archs)
    print(f"digits, {args.archs:,} archs: sample {r['sample']:.0f} us, bind {r['bind']:.0f} us, "
          f"print {r['print']:.0f} us, total {r['total']:.0f} us per architecture")


if __name__ == "__main__":
    main()

"""Front-end benchmarks: parser throughput and sample + bind + print per architecture.

  1. parse a generated 10,000-line `.arch` file (lines per second). A parse is the public
     `parse_text`: text -> `ast.Module` (the archlang AST, spans and comments included):
     the size and nesting limits, the fast path's tokenizer and recursive descent (which
     builds the AST directly: no Lark tree, no `ToAst`), and the garbage collection the
     parse leaves due: the timing ends after one more allocation of a tracked object, which
     runs it (before 2026-12-03 17:50 UTC it ended before that allocation, so the young
     collection over the new nodes ran after the timing: a third of the cost). The parser
     caches trees by text, so the cache is emptied before each of `--parse-rounds` parses;
     lark's tables are built once, before timing. Reported: the median rate (and the best),
     and the median rate per second of this process's CPU time; then the same for the Lark
     path alone (`parse_lark`: Lark LALR's tree, then `ToAst`; the reference and the parser
     before the fast path), in `--lark-rounds` parses interleaved with as many more of the
     fast path, and the ratio of the two medians.
  2. for 10,000 architectures of examples/digits.arch: sample an assignment, bind it, print the
     decided network back as `.arch` (microseconds each, and each stage alone). The 10,000
     are timed in `--rounds` consecutive chunks; reported: the median over chunks of the
     mean time per architecture (and the best chunk).

Run:  python benchmarks/bench_frontend.py [--lines N] [--parse-rounds N] [--lark-rounds N]
      [--archs N] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import archlang  # noqa: E402
from archlang.source import Source  # noqa: E402
from archlang.syntax.parser import _parse_cached, parse_lark, parse_text  # noqa: E402


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


def bench_parse(lines: int, rounds: int, lark: bool = False) -> tuple[int, list[float],
                                                                     list[float]]:
    """(lines in the file, lines per second of each parse, lines per CPU second of each);
    `lark`: of the Lark path alone."""
    text = generated_program(lines)
    n = text.count("\n")
    parse_lark(Source("block warm() { relu() }"))  # builds lark's tables
    rates, cpu_rates = [], []
    for _ in range(rounds):
        _parse_cached.cache_clear()
        t, c = time.perf_counter(), time.process_time()
        if lark:
            parse_lark(Source(text, "gen.arch"))
        else:
            parse_text(text, "gen.arch")
        _Probe()  # runs the collection the parse left due, which the next allocation would
        rates.append(n / (time.perf_counter() - t))
        cpu_rates.append(n / max(time.process_time() - c, 1e-9))
    return n, rates, cpu_rates


class _Probe:
    """An object the garbage collector tracks: making one runs a young collection if the
    allocations so far have made one due (a list or a tuple can come from a free list and
    not count)."""


def bench_parse_paths(lines: int, rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    """The fast path and the Lark path, one parse each in turn, `rounds` times."""
    out: dict[str, tuple[list[float], list[float]]] = {"fast": ([], []), "lark": ([], [])}
    for _ in range(rounds):
        for name in out:
            _, rates, cpu_rates = bench_parse(lines, 1, lark=name == "lark")
            out[name][0].extend(rates)
            out[name][1].extend(cpu_rates)
    return out


def bench_archs(n: int, rounds: int) -> list[dict[str, float]]:
    """Per chunk of n // rounds architectures: mean microseconds per stage."""
    space = archlang.load(HERE.parent / "examples" / "digits.arch").network()
    rng = random.Random(0)
    space.bind(space.sample_assignment(rng)).to_arch()  # warm
    chunks = []
    for _ in range(rounds):
        size = n // rounds
        t_sample = t_bind = t_print = 0.0
        for _ in range(size):
            t0 = time.perf_counter()
            a = space.sample_assignment(rng)
            t1 = time.perf_counter()
            arch = space.bind(a)
            t2 = time.perf_counter()
            arch.to_arch()
            t3 = time.perf_counter()
            t_sample, t_bind, t_print = t_sample + t1 - t0, t_bind + t2 - t1, t_print + t3 - t2
        scale = 1e6 / size
        chunks.append({"sample": t_sample * scale, "bind": t_bind * scale,
                       "print": t_print * scale, "total": (t_sample + t_bind + t_print) * scale})
    return chunks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--parse-rounds", type=int, default=5)
    ap.add_argument("--lark-rounds", type=int, default=3)
    ap.add_argument("--archs", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    print(f"load average (1, 5, 15 min) at start: {_load()}")
    n, rates, cpu_rates = bench_parse(args.lines, args.parse_rounds)
    print(f"parse: {statistics.median(rates):,.0f} lines/s median of {args.parse_rounds} parses "
          f"(best {max(rates):,.0f}) of a {n:,}-line file; per CPU second (what a shared "
          f"machine's load does not inflate): {statistics.median(cpu_rates):,.0f} lines/s")
    if args.lark_rounds:
        paths = bench_parse_paths(args.lines, args.lark_rounds)
        med = {k: (statistics.median(r), statistics.median(c)) for k, (r, c) in paths.items()}
        print(f"parse, interleaved {args.lark_rounds} times: fast path {med['fast'][0]:,.0f} "
              f"lines/s, Lark path alone {med['lark'][0]:,.0f} lines/s, ratio "
              f"{med['fast'][0] / med['lark'][0]:.1f}x; per CPU second {med['fast'][1]:,.0f} "
              f"and {med['lark'][1]:,.0f}, ratio {med['fast'][1] / med['lark'][1]:.1f}x")
    chunks = bench_archs(args.archs, args.rounds)
    med = {k: statistics.median(c[k] for c in chunks) for k in chunks[0]}
    best = min(c["total"] for c in chunks)
    print(f"digits, {args.archs:,} archs in {args.rounds} chunks, median of chunk means: "
          f"sample {med['sample']:.0f} us, bind {med['bind']:.0f} us, print {med['print']:.0f} us, "
          f"total {med['total']:.0f} us per architecture (best chunk {best:.0f} us)")
    print(f"load average at end: {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()

"""Compiler benchmarks: build time and forward latency of stdlib models vs hand-written PyTorch.

Ratios measured side by side in one run are what we compare, never absolute times from
different runs (the machine is shared and noisy):

  1. build: parse + elaborate + compile + instantiate `resnet50` from `.arch`, relative to
     constructing the hand-written equivalent (benchmarks/reference_models.py). Both sides
     alternate in one process, `--build-rounds` times. Reported: the median of each side and
     the ratio of medians (the headline), plus the ratio of minimums. Also shown: where
     archlang's time goes, and the same comparison on the `meta` device, where no weights
     are allocated or initialised, which isolates the compiler's own overhead, and the first
     build in a fresh process (imports and lark's parser included), `--cold-rounds` pairs.
     `--models resnet18,mobilenet_v2` builds those too (the in-process ratio only).
  2. forward: latency (CPU, eval, inference mode) of compiled `resnet18` and `mobilenet_v2`
     relative to the hand-written modules, batch 1 and 32, both with the same weights.
     Each measurement runs in a fresh process: a forward pass at batch 32 allocates
     gigabytes, and how many of those allocations fault in new pages depends on what the
     process allocated before (glibc's malloc adapts its thresholds), so timing both models
     in one process lets one model's history speed up or slow down the other by 2-4x.
     `--rounds` rounds alternate an archlang process and a hand-written one (which goes
     first alternates too). Each process warms up, then times `--calls` calls and reports
     their median. Reported: the median of the per-round ratios (the headline), the median
     latency of each side, the minor page faults per call, and how far the resident set
     grew above its size before the first (warm-up) call: the memory a pass needs.

On the 2-core VM these figures were taken on, a batch-32 forward pass spends most of its time
faulting in freshly mapped pages (both sides alike); `--steady-malloc` reruns everything with
glibc told to keep freed memory, which shows the compute-only ratios.

Run:  python benchmarks/bench_compile.py [--build-rounds N] [--cold-rounds N] [--rounds N]
                                         [--calls N] [--only build|forward]
                                         [--models resnet50,resnet18,mobilenet_v2]
                                         [--steady-malloc]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import reference_models  # noqa: E402

from archlang.compile.codegen import emit_torch  # noqa: E402
from archlang.compile.load import load_class  # noqa: E402
from archlang.ir.program import Program  # noqa: E402
from archlang.resources import stdlib_root  # noqa: E402
from archlang.source import Source  # noqa: E402
from archlang.syntax.parser import _parse_cached  # noqa: E402

FORWARD = (("resnet18", "resnet.arch"), ("mobilenet_v2", "mobilenet_v2.arch"))
#: glibc malloc tuning for --steady-malloc: no mmap'd chunks, never trim the heap
STEADY_MALLOC = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


# ---------------------------------------------------------------------------- build


def _build_from_arch(name: str, text: str, base: Path, stages: dict[str, float] | None = None):
    """parse -> elaborate the space -> bind -> generate source -> exec -> instantiate.

    The parser caches trees by text; the cache is emptied first so that every build really
    parses resnet.arch and the stdlib/blocks.arch it imports (lark's tables stay built)."""
    _parse_cached.cache_clear()
    marks = [time.perf_counter()]
    program = Program.from_source(Source(text, f"stdlib/models/{name}.arch"), base)
    marks.append(time.perf_counter())
    arch = program.network(name).bind()
    marks.append(time.perf_counter())
    gen = emit_torch(arch.graph, f"stdlib/models/{name}.arch")
    marks.append(time.perf_counter())
    cls = load_class(gen)
    marks.append(time.perf_counter())
    module = cls()
    marks.append(time.perf_counter())
    if stages is not None:
        for key, a, b in zip(("parse", "elaborate+bind", "codegen", "exec", "instantiate"),
                             marks, marks[1:]):
            stages.setdefault(key, []).append(b - a)
    return module


def _timed(fn, faults: list[int]) -> float:
    gc.collect()
    f = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t = time.perf_counter()
    fn()
    dt = time.perf_counter() - t
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f)
    return dt


#: the models `--models` may name, and the stdlib file each is written in
BUILD_FILES = {"resnet50": "resnet.arch", "resnet18": "resnet.arch",
               "mobilenet_v2": "mobilenet_v2.arch"}


def bench_build(rounds: int, device: str | None = None, model: str = "resnet50") -> dict:
    path = stdlib_root() / "models" / BUILD_FILES[model]
    text = path.read_text()

    def ours(stages=None):
        with torch.device(device) if device else _null():
            _build_from_arch(model, text, path.parent, stages)

    def theirs():
        with torch.device(device) if device else _null():
            getattr(reference_models, model)()

    ours()  # warm: lark tables, the op registry, torch's lazy imports
    theirs()
    a, b, fa, fb, stages = [], [], [], [], {}
    for i in range(rounds):  # alternate, and alternate who goes first, so drift hits both
        if i % 2 == 0:
            a.append(_timed(lambda: ours(stages), fa))
            b.append(_timed(theirs, fb))
        else:
            b.append(_timed(theirs, fb))
            a.append(_timed(lambda: ours(stages), fa))
    return {"ours": a, "ref": b, "faults": (statistics.median(fa), statistics.median(fb)),
            "stages": {k: statistics.median(v) for k, v in stages.items()},
            # issue 16's "bind + compile + instantiate": each round's build less its parse
            "unparsed": [t - p for t, p in zip(a, stages["parse"])]}


_COLD = {
    "ours": "import archlang\nfrom archlang.resources import stdlib_root\n"
            "archlang.load(stdlib_root() / 'models' / 'resnet.arch')"
            ".network('resnet50').bind().compile()",
    "ref": "import reference_models\nreference_models.resnet50()",
}


def bench_build_cold(rounds: int) -> dict:
    """The first build in a fresh process, after `import torch`: archlang's side includes
    importing the compiler and loading lark's parser, as `archlang compile` pays them."""
    code = ("import sys, time, torch\nsys.path.insert(0, {here!r})\n"
            "t = time.perf_counter()\n{body}\nprint(time.perf_counter() - t)")
    out: dict[str, list[float]] = {"ours": [], "ref": []}
    for i in range(rounds):
        for side in (("ours", "ref") if i % 2 == 0 else ("ref", "ours")):
            src = code.format(here=str(HERE), body=_COLD[side])
            run = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True,
                                 check=True, cwd=HERE.parent)
            out[side].append(float(run.stdout.strip().splitlines()[-1]))
    return out


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --------------------------------------------------------------------------- forward


def _models(net: str, file: str) -> dict[str, torch.nn.Module]:
    """Both models, with the oracle's weights in both (loaded by position: the tests check
    the layouts agree), so both sides compute the same numbers. Each worker builds both, so
    both sides' processes have the same allocation history before timing."""
    from archlang.api import load

    torch.manual_seed(0)
    ref = getattr(reference_models, net)().eval()
    ours = load(stdlib_root() / "models" / file).network(net).bind().compile().eval()
    ours.load_state_dict(dict(zip(ours.state_dict().keys(), ref.state_dict().values())))
    return {"ours": ours, "ref": ref}


def worker(net: str, file: str, side: str, batch: int, calls: int) -> None:
    """In a fresh process: warm up, time `calls` forward calls, print one JSON line."""
    model = _models(net, file)[side]
    gc.collect()
    torch.manual_seed(1)
    x = torch.randn(batch, 3, 224, 224)
    times = []
    rss = _reset_peak_rss()
    with torch.inference_mode():
        for _ in range(3):
            model(x)
        peak = _status_kib("VmHWM") - rss if rss is not None else float("nan")
        faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(calls):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0
    print(json.dumps({"median": statistics.median(times), "min": min(times),
                      "faults": faults / calls, "peak_mib": peak / 1024}))


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _reset_peak_rss() -> int | None:
    """Reset the process's peak RSS (Linux: /proc/self/clear_refs) and return the current RSS
    in KiB, so that the peak after a forward pass minus it is what the pass itself needed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kib("VmRSS")
    except (OSError, KeyError):
        return None


def _run_worker(net: str, file: str, side: str, batch: int, calls: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", side, "--net", net, "--file", file,
           "--batch", str(batch), "--calls", str(calls)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_forward(net: str, file: str, batch: int, rounds: int, calls: int) -> dict:
    ours, ref, ratios = [], [], []
    for i in range(rounds):
        order = ("ours", "ref") if i % 2 == 0 else ("ref", "ours")
        got = {side: _run_worker(net, file, side, batch, calls) for side in order}
        ours.append(got["ours"])
        ref.append(got["ref"])
        ratios.append(got["ours"]["median"] / got["ref"]["median"])
    return {"ours": ours, "ref": ref, "ratios": ratios}


# ------------------------------------------------------------------------------ main


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _ms(xs) -> str:
    return f"{statistics.median(xs) * 1e3:.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-rounds", type=int, default=11)
    ap.add_argument("--cold-rounds", type=int, default=5, help="build: fresh-process pairs")
    ap.add_argument("--rounds", type=int, default=5, help="forward: process pairs per case")
    ap.add_argument("--calls", type=int, default=0,
                    help="forward: timed calls per process (default 40 at batch 1, 5 at 32)")
    ap.add_argument("--only", choices=("build", "forward"), default=None)
    ap.add_argument("--models", default="resnet50",
                    help="build: comma-separated, of " + ", ".join(BUILD_FILES) +
                    " (resnet50 also gets the meta-device and fresh-process rows)")
    ap.add_argument("--worker", choices=("ours", "ref"), help=argparse.SUPPRESS)
    ap.add_argument("--net", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--steady-malloc", action="store_true",
                    help=f"rerun with {' '.join(f'{k}={v}' for k, v in STEADY_MALLOC.items())}: "
                         "glibc then never returns freed memory to the kernel, so warm "
                         "forward passes and builds reuse pages instead of faulting in new ones")
    args = ap.parse_args()
    if args.steady_malloc and any(os.environ.get(k) != v for k, v in STEADY_MALLOC.items()):
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]],
                  {**os.environ, **STEADY_MALLOC})
    if args.worker:
        worker(args.net, args.file, args.worker, args.batch, args.calls)
        return

    print(f"machine: {os.cpu_count()} CPUs, {_cpu_model()}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')}")
    malloc = " ".join(f"{k}={os.environ[k]}" for k in STEADY_MALLOC if k in os.environ)
    print(f"malloc: {malloc or 'glibc defaults'}")
    print(f"load average (1, 5, 15 min) at start: {_load()}")

    for model in [m for m in args.models.split(",") if m != "resnet50"]:
        if args.only not in (None, "build"):
            break
        r = bench_build(args.build_rounds, model=model)
        a, b = r["ours"], r["ref"]
        print(f"build {model} ({args.build_rounds} alternating rounds): archlang median "
              f"{_ms(a)}, hand-written median {_ms(b)}; ratio of medians "
              f"{statistics.median(a) / statistics.median(b):.2f} (without the parse "
              f"{statistics.median(r['unparsed']) / statistics.median(b):.2f}); archlang "
              "stages (medians): " + ", ".join(f"{k} {v * 1e3:.1f} ms"
                                               for k, v in r["stages"].items()))
    if args.only in (None, "build") and "resnet50" in args.models.split(","):
        r = bench_build(args.build_rounds)
        a, b = r["ours"], r["ref"]
        print(f"build resnet50 ({args.build_rounds} alternating rounds): archlang median "
              f"{_ms(a)}, hand-written median {_ms(b)}; ratio of medians "
              f"{statistics.median(a) / statistics.median(b):.2f}, ratio of minimums "
              f"{min(a) / min(b):.2f}; minor page faults per build (medians) "
              f"{r['faults'][0]:.0f} vs {r['faults'][1]:.0f}")
        print("  archlang stages (medians): " + ", ".join(
            f"{k} {v * 1e3:.1f} ms" for k, v in r["stages"].items()))
        m = bench_build(args.build_rounds, device="meta")
        a, b = m["ours"], m["ref"]
        print(f"build resnet50 on the meta device (no weight allocation or init): archlang "
              f"median {_ms(a)}, hand-written median {_ms(b)}; ratio of medians "
              f"{statistics.median(a) / statistics.median(b):.2f}")
        c = bench_build_cold(args.cold_rounds)
        a, b = c["ours"], c["ref"]
        print(f"first build of resnet50 in a fresh process ({args.cold_rounds} alternating "
              f"process pairs): archlang median {_ms(a)}, hand-written median {_ms(b)}; "
              f"ratio of medians {statistics.median(a) / statistics.median(b):.2f}")
        print(f"load average after build: {_load()}")

    if args.only in (None, "forward"):
        for net, file in FORWARD:
            for batch in (1, 32):
                calls = args.calls or (40 if batch == 1 else 5)
                r = bench_forward(net, file, batch, args.rounds, calls)
                ratios = r["ratios"]

                def med(key: str, side: str) -> float:
                    return statistics.median(x[key] for x in r[side])  # noqa: B023

                print(f"forward {net} batch {batch} ({args.rounds} process pairs x {calls} "
                      f"calls): archlang {med('median', 'ours') * 1e3:.1f} ms, hand-written "
                      f"{med('median', 'ref') * 1e3:.1f} ms; ratio "
                      f"{statistics.median(ratios):.3f} (median of per-round ratios; range "
                      f"{min(ratios):.3f}-{max(ratios):.3f}); minor page faults per call "
                      f"{med('faults', 'ours'):.0f} vs {med('faults', 'ref'):.0f}; memory a "
                      f"pass needs {med('peak_mib', 'ours'):.0f} vs {med('peak_mib', 'ref'):.0f}"
                      f" MiB; load {_load()}")
                sys.stdout.flush()


if __name__ == "__main__":
    main()

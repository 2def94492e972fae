"""Where the built-in trainers run: parsing a ``--device`` spec, checking it, a worker's GPU, AMP.

A device spec is ``auto`` (CUDA when present, else the CPU), ``cpu``, ``cuda`` or
``cuda:I``. `resolve(spec, amp)` checks it against this machine and returns ``"cpu"``,
``"cuda"`` or ``"cuda:I"``; it raises `DeviceError` (a ValueError with a hint) for a
malformed spec, CUDA that is not there, an index past the last GPU, or ``amp`` on the CPU
(mixed precision helps on CUDA only). The command line turns that into one message and
exit 2.

Workers. A search with ``--workers N`` forks N processes; each calls `enter_worker(i)`
(`archlang.search.isolate`), and `pick(device)` then maps an unindexed ``"cuda"`` to
``cuda:{i % GPUs}``: round-robin, one GPU per worker while there are enough. An explicit
``cuda:I`` is kept as given. A Ray actor is given its GPU by Ray (``num_gpus``, which sets
``CUDA_VISIBLE_DEVICES``), so it calls no `enter_worker` and ``"cuda"`` is its own GPU.

`autocast(device, amp)` is the context a forward pass runs in: bf16 autocast on a GPU that
supports it, else fp16 with the `grad_scaler` it returns beside, and nothing on the CPU.

The GPU count is read with `torch.cuda.device_count`, which asks NVML and so does not start
CUDA in the search process (a CUDA context does not survive a fork).

    >>> resolve("cpu")
    'cpu'
    >>> resolve("gpu")
    Traceback (most recent call last):
    archlang.tasks.device.DeviceError: unknown device 'gpu'
      hint: a device is auto, cpu, cuda or cuda:I (e.g. cuda:0)
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from archlang.tasks.base import TaskError

DEVICES_HELP = "auto, cpu, cuda or cuda:I (e.g. cuda:0)"
_SPEC = re.compile(r"^(auto|cpu|cuda)(?::(\d+))?$")

#: this process's worker index in a pool of forked workers (None in the search process)
_worker: int | None = None


class DeviceError(TaskError):
    """A ``--device``/``--amp`` this machine cannot serve."""


def cuda_count() -> int:
    """How many CUDA devices this process sees (0 without CUDA or a CUDA build of torch)."""
    import torch

    return int(torch.cuda.device_count())


def parse(spec: str) -> tuple[str, int | None]:
    """``"cuda:1"`` -> ``("cuda", 1)``; `DeviceError` for anything but `DEVICES_HELP`."""
    match = _SPEC.match(str(spec).strip().lower())
    if match is None or (match[1] != "cuda" and match[2] is not None):
        raise DeviceError(f"unknown device {spec!r}", hint=f"a device is {DEVICES_HELP}")
    return match[1], int(match[2]) if match[2] is not None else None


def resolve(spec: str, amp: bool = False) -> str:
    """`spec` checked on this machine: ``"cpu"``, ``"cuda"`` or ``"cuda:I"``."""
    kind, index = parse(spec)
    count = cuda_count() if kind != "cpu" else 0
    if kind == "auto":
        kind = "cuda" if count else "cpu"
    if kind == "cuda" and count == 0:
        raise DeviceError(f"--device {spec}: CUDA is not available on this machine",
                          hint="use --device cpu (or auto), or install a CUDA build of "
                               "torch on a machine with an NVIDIA GPU")
    if index is not None and index >= count:
        raise DeviceError(f"--device {spec}: there is no GPU {index}; this machine has "
                          f"{count} (cuda:0{f' .. cuda:{count - 1}' if count > 1 else ''})",
                          hint="use --device cuda to take the first (or each worker its own)")
    if amp and kind == "cpu":
        raise DeviceError("--amp needs a CUDA device: mixed precision does not speed up "
                          "training on the CPU",
                          hint="leave out --amp, or train with --device cuda")
    return kind if index is None else f"{kind}:{index}"


def enter_worker(index: int) -> None:
    """Mark this process as pool worker `index` (called in the forked worker)."""
    global _worker
    _worker = index


def pick(device: str | None) -> str:
    """The device this process trains on for a resolved `device` (see the module doc)."""
    if not device:
        return "cpu"
    if device == "cuda" and _worker is not None:
        count = cuda_count()
        if count > 1:
            return f"cuda:{_worker % count}"
    return device


def amp_dtype() -> Any:
    """The autocast dtype on CUDA: bf16 where the GPU supports it, else fp16."""
    import torch

    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


@contextlib.contextmanager
def autocast(device: str, amp: bool) -> Iterator[None]:
    """Autocast the forward passes in the block when `amp` is on and `device` is CUDA."""
    if not amp or not device.startswith("cuda"):
        yield
        return
    import torch

    with torch.autocast(device_type="cuda", dtype=amp_dtype()):
        yield


def grad_scaler(device: str, amp: bool) -> Any:
    """A `torch.amp.GradScaler`, enabled only for fp16 autocast (bf16 needs none)."""
    import torch

    enabled = bool(amp and device.startswith("cuda") and amp_dtype() is torch.float16)
    return torch.amp.GradScaler("cuda", enabled=enabled)

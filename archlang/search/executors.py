"""Where evaluations run: in the search process, in a pool of forked processes, or on Ray.

The search loop (`archlang.search.loop`) is the *driver*: it proposes, binds, checks
constraints and writes storage; an executor only evaluates. Its protocol is three calls:

* ``slots``: how many evaluations may be in flight at once (the driver keeps that many busy);
* ``submit(ticket, assignment, arch)``: start one; `ticket` names it in the outcome;
* ``wait()``: block until at least one evaluation ends, and return their `Outcome`s;
* ``close()``: stop every worker (an evaluation still running is abandoned).
* ``clean`` (optional, default False): True when the metrics of ``ok`` outcomes are
  `archlang.search.results.clean_metrics` output already, so the driver does not clean them
  again (every built-in executor cleans them where the evaluation runs).

An `Outcome` is ``ok`` (metrics), ``error`` (the evaluator raised: its message),
``timeout`` (it ran past ``trial_timeout`` and its worker was killed) or ``lost`` (the
worker died under it: a killed process, a lost Ray actor). The driver re-queues a lost
evaluation once and fails it the second time.

Every executor runs an evaluation with torch on ``threads`` intra-op threads (`THREADS`,
one, unless told otherwise; None leaves torch's default of one per core): in-process the
count is set around each evaluation and restored after it, a worker sets it once.

Executors:

* `InProcessExecutor`: calls the evaluator in the driver, one at a time (the default; with
  a ``trial_timeout`` it is a one-worker `PoolExecutor` instead, so the evaluation can be
  killed).
* `PoolExecutor`: ``workers`` forked processes (`archlang.search.isolate.ChildWorker`), each
  serving trial after trial (worker i trains on GPU ``i % GPUs`` when the device is CUDA),
  so a data set loads once per worker. Nothing is pickled on
  the way in (the workers inherit the space and the evaluator), only the assignment and the
  metrics cross the pipe. Needs the ``fork`` start method (Linux, macOS).
* `RayExecutor`: ``workers`` Ray actors (``num_cpus=1`` each, and ``num_gpus=gpus`` when
  the trials train on CUDA, so Ray gives each its GPU) on a local or remote cluster
  (``address``; `ray.init` is called unless Ray is already initialized). The space travels
  as its recipe (`SpaceRecipe`: the root `.arch` text, its path and the network name; imports
  are read where the actor runs, so a remote cluster needs the same files), the evaluator
  by Ray's pickling (a task's evaluator, a module-level function or a ``functools.partial``
  of one all pickle). A submitted evaluation waits in the executor for the first actor that
  is ready; an actor that dies (its process killed, its node lost) is replaced when Ray can
  place a new one, and meanwhile its trial, re-queued by the driver, runs on the actors left,
  so a cluster that lost a node finishes the search on the nodes it has. Ray is an optional
  dependency: ``pip install 'archlang[ray]'``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.decisions import Assignment
    from archlang.ir.space import Space
    from archlang.search.loop import Evaluate

EXECUTORS = ("inprocess", "pool", "ray")
OK, ERROR, TIMEOUT, LOST = "ok", "error", "timeout", "lost"
#: torch's intra-op threads per evaluation unless told otherwise: one, on every executor, so
#: the same seed gives the same metrics in-process and in a worker, and a trial's tiny
#: network does not spin-wait on a second thread when the cores are shared (figures:
#: benchmarks/README.md, "Threads per trial")
THREADS = 1
#: multiply-accumulates per example from which a network trains faster on two threads than
#: on one on this project's 2-core VM (a 3-conv net at 32x32, batch 32: 20 M even, 305 M
#: 1.6-1.8x faster; benchmarks/README.md, "Threads per trial")
LARGE_MACS = 100_000_000


def auto_threads(macs: list[int], workers: int, cores: int) -> int:
    """Threads per trial for ``--threads auto``: the cores each worker has to itself, where
    the space's networks are large (the median of `macs`, some members' multiply-accumulates
    per example, at least `LARGE_MACS`); else one. With a worker per core it is always one."""
    spare = cores // max(1, workers)
    if spare <= 1 or not macs:
        return 1
    median = sorted(macs)[len(macs) // 2]
    return spare if median >= LARGE_MACS else 1


class ExecutorError(Exception):
    """An executor cannot be used here (Ray missing, an evaluator Ray cannot send, ...)."""


@dataclass
class Outcome:
    """How one submitted evaluation ended: `kind` is ok, error, timeout or lost; `value`
    the metrics (ok) or the message."""

    ticket: int
    kind: str
    value: Any


class Executor(Protocol):
    slots: int

    def submit(self, ticket: int, assignment: Assignment, arch: Arch) -> None: ...

    def wait(self) -> list[Outcome]: ...

    def close(self) -> None: ...


def make_executor(kind: str, space: Space, evaluate: Evaluate, *, workers: int = 1,
                  trial_timeout: float | None = None, address: str | None = None,
                  gpus: float = 0, threads: int | None = THREADS) -> Executor:
    """The executor called `kind` (one of `EXECUTORS`); `gpus` is what each Ray actor
    asks for (the pool's workers find their GPU by their index); each evaluation runs with
    torch on `threads` intra-op threads (None: torch's own default, one per core)."""
    if workers < 1:
        raise ValueError(f"`workers` must be at least 1, but got {workers}")
    if threads is not None and threads < 1:
        raise ValueError(f"`threads` must be at least 1, but got {threads}")
    if kind == "inprocess":
        if trial_timeout is None:
            return InProcessExecutor(evaluate, threads=threads)
        return PoolExecutor(space, evaluate, workers=1, trial_timeout=trial_timeout,
                            threads=threads)
    if kind == "pool":
        return PoolExecutor(space, evaluate, workers=workers, trial_timeout=trial_timeout,
                            threads=threads)
    if kind == "ray":
        return RayExecutor(space, evaluate, workers=workers, trial_timeout=trial_timeout,
                           address=address, gpus=gpus, threads=threads)
    raise ValueError(f"unknown executor {kind!r}; known: {', '.join(EXECUTORS)}")


def installed_torch() -> Any:
    """torch, imported now if it is installed but not imported yet; None without it."""
    if "torch" not in sys.modules and importlib.util.find_spec("torch") is None:
        return None
    import torch

    return torch


def set_torch_threads(threads: int | None) -> int | None:
    """Give torch `threads` intra-op threads (None: leave it); the count it had before, or
    None when nothing was set. torch is imported here when installed, so that the first
    evaluation runs with the same count as the later ones."""
    torch = installed_torch() if threads is not None else None
    if torch is None:
        return None
    before = torch.get_num_threads()
    if before != threads:
        torch.set_num_threads(threads)
    return before


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with torch on `threads` intra-op threads, then restore the count."""
    before = set_torch_threads(threads)
    try:
        yield
    finally:
        if before is not None and before != threads:
            sys.modules["torch"].set_num_threads(before)


class InProcessExecutor:
    """Evaluates in the driver's own process, one trial at a time."""

    slots = 1
    clean = True

    def __init__(self, evaluate: Evaluate, *, threads: int | None = THREADS) -> None:
        self.evaluate = evaluate
        self.threads = threads
        self.queued: list[tuple[int, Arch]] = []

    def submit(self, ticket: int, assignment: Assignment, arch: Arch) -> None:
        self.queued.append((ticket, arch))

    def wait(self) -> list[Outcome]:
        from archlang.search.results import evaluate_once

        ticket, arch = self.queued.pop(0)
        with torch_threads(self.threads):
            return [Outcome(ticket, *evaluate_once(self.evaluate, arch))]

    def close(self) -> None:
        self.queued.clear()


@dataclass
class _Busy:
    ticket: int
    deadline: float


class PoolExecutor:
    """`workers` forked processes, each evaluating one trial at a time."""

    clean = True

    def __init__(self, space: Space, evaluate: Evaluate, *, workers: int,
                 trial_timeout: float | None = None, threads: int | None = THREADS) -> None:
        from archlang.search.isolate import ChildWorker

        self.slots = workers
        self.trial_timeout = trial_timeout
        self.workers = [ChildWorker(space, evaluate, index, threads=threads)
                        for index in range(workers)]
        self.busy: dict[int, _Busy] = {}  # index in `workers` -> what it runs

    def submit(self, ticket: int, assignment: Assignment, arch: Arch) -> None:
        index = next(i for i in range(len(self.workers)) if i not in self.busy)
        limit = self.trial_timeout if self.trial_timeout is not None else float("inf")
        self.workers[index].send(assignment)
        self.busy[index] = _Busy(ticket, time.monotonic() + limit)

    def wait(self) -> list[Outcome]:
        from multiprocessing.connection import wait

        from archlang.search.isolate import timeout_message

        assert self.busy, "nothing submitted"
        soonest = min(b.deadline for b in self.busy.values())
        left = max(0.0, soonest - time.monotonic()) if soonest != float("inf") else None
        conns = {self.workers[i].conn: i for i in self.busy}
        ready = wait(list(conns), timeout=left)
        out = []
        for conn in ready:
            index = conns[conn]
            kind, value = self.workers[index].receive()
            out.append(Outcome(self.busy.pop(index).ticket, kind, value))
        now = time.monotonic()
        for index, busy in list(self.busy.items()):
            if busy.deadline <= now:
                self.workers[index].close()
                del self.busy[index]
                out.append(Outcome(busy.ticket, TIMEOUT,
                                   timeout_message(self.trial_timeout)))  # type: ignore[arg-type]
        return out

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        self.busy.clear()


@dataclass(frozen=True)
class SpaceRecipe:
    """What rebuilds a `Space` in another process: `Space.to_json` (the root program as
    canonical text, the network, its parameters and fixed decisions), the folder its
    imports resolve against, and the `--ops` modules. (A `Space` itself does not pickle:
    its program keys modules by object id.)"""

    data: dict[str, Any]
    base: str | None
    #: the `--ops` modules the driver imported (`archlang.ops.plugins`): a worker imports
    #: them before it parses the space, so the user ops are registered there too
    ops: tuple[str, ...] = ()

    @classmethod
    def of(cls, space: Space) -> SpaceRecipe:
        from archlang.ops.plugins import loaded_ops

        base = space.program.base
        return cls(space.to_json(), str(base) if base else None, loaded_ops())

    def build(self) -> Space:
        import archlang
        from archlang.ops.plugins import load_ops

        load_ops(self.ops)
        data = self.data
        space = archlang.parse(data["source"], data["path"], self.base).network(
            data["network"], **data["params"])
        return space.fix(data["fixed"]) if data["fixed"] else space


class RayExecutor:
    """`workers` Ray actors, each evaluating one trial at a time, started on demand."""

    clean = True

    def __init__(self, space: Space, evaluate: Evaluate, *, workers: int,
                 trial_timeout: float | None = None, address: str | None = None,
                 gpus: float = 0, threads: int | None = THREADS) -> None:
        ray = import_ray()
        self.ray = ray
        self.started_ray = not ray.is_initialized()
        if self.started_ray:
            from archlang.search import ray_auth

            ray_auth.use_cluster_token(address)
            try:
                ray.init(address=address, log_to_driver=False, include_dashboard=False,
                         logging_level="ERROR")
            except Exception as exc:  # noqa: BLE001 - a wrong address, a dead cluster
                hint = f"\nhint: {ray_auth.HINT}" if address else ""
                raise ExecutorError(f"cannot connect to Ray"
                                    f"{f' at {address}' if address else ''}: {exc}{hint}") \
                    from None
        self.slots = workers
        self.trial_timeout = trial_timeout
        self.threads = threads
        try:
            self.recipe = ray.put(SpaceRecipe.of(space))
            self.evaluate = ray.put(evaluate)
        except Exception as exc:  # noqa: BLE001 - cloudpickle's errors vary
            self.close()
            raise ExecutorError(f"the evaluator cannot be sent to Ray workers: {exc}; use a "
                                "module-level function (or a functools.partial of one)") \
                from None
        self.actor_class = ray.remote(**actor_options(gpus))(_RayWorker)
        self.actors: list[Any] = [None] * workers
        self.starting: dict[Any, int] = {}  # an actor's ready ref -> its index
        self.idle: set[int] = set()  # started actors with nothing to run
        self.busy: dict[Any, tuple[int, int, float]] = {}  # ref -> (actor index, ticket, deadline)
        self.queued: list[tuple[int, Assignment]] = []  # waiting for a started actor

    def submit(self, ticket: int, assignment: Assignment, arch: Arch) -> None:
        self.queued.append((ticket, assignment))
        self._dispatch()

    def _dispatch(self) -> None:
        """Give queued evaluations to idle actors, and start an actor in every empty place
        while some wait: a trial goes to whichever actor is ready first, so one whose actor
        died (its node lost, say) runs on the actors left even when Ray cannot place a new
        one. Its timeout counts from there."""
        limit = self.trial_timeout if self.trial_timeout is not None else float("inf")
        while self.queued and self.idle:
            index = min(self.idle)
            self.idle.remove(index)
            ticket, assignment = self.queued.pop(0)
            ref = self.actors[index].run.remote(assignment)
            self.busy[ref] = (index, ticket, time.monotonic() + limit)
        if self.queued:
            for index, actor in enumerate(self.actors):
                if actor is None:
                    actor = self.actors[index] = self.actor_class.remote(
                        self.recipe, self.evaluate, self.threads)
                    self.starting[actor.__ray_ready__.remote()] = index

    def wait(self) -> list[Outcome]:
        from archlang.search.isolate import timeout_message

        assert self.busy or self.queued, "nothing submitted"
        ray = self.ray
        out: list[Outcome] = []
        while not out:
            soonest = min((deadline for _, _, deadline in self.busy.values()),
                          default=float("inf"))
            left = max(0.0, soonest - time.monotonic()) if soonest != float("inf") else None
            refs = [*self.busy, *self.starting]
            ready, _ = ray.wait(refs, num_returns=1, timeout=left)
            if ready:
                ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
            for ref in ready:
                if ref in self.starting:
                    out.extend(self._started(ref))
                else:
                    out.append(self._ended(ref))
            now = time.monotonic()
            for ref, (index, ticket, deadline) in list(self.busy.items()):
                if deadline <= now:
                    del self.busy[ref]
                    self._kill(index)
                    out.append(Outcome(ticket, TIMEOUT,
                                       timeout_message(self.trial_timeout)))  # type: ignore[arg-type]
            self._dispatch()
        return out

    def _started(self, ref: Any) -> list[Outcome]:
        """An actor finished starting: idle, or dead, which the first queued evaluation is
        charged with as a lost worker (so an actor that can never start fails the trials
        after their one retry instead of being restarted forever)."""
        index = self.starting.pop(ref)
        try:
            self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:
            self.actors[index] = None
            if not self.queued:
                return []
            ticket, _ = self.queued.pop(0)
            return [Outcome(ticket, LOST,
                            f"the Ray worker died while starting ({_first_line(exc)})")]
        self.idle.add(index)
        return []

    def _ended(self, ref: Any) -> Outcome:
        index, ticket, _ = self.busy.pop(ref)
        try:
            kind, value = self.ray.get(ref)
        except self.ray.exceptions.RayActorError as exc:
            self._kill(index)
            return Outcome(ticket, LOST, f"the Ray worker died ({_first_line(exc)})")
        except self.ray.exceptions.RayError as exc:
            self.idle.add(index)
            return Outcome(ticket, LOST, f"Ray lost the evaluation ({_first_line(exc)})")
        self.idle.add(index)
        return Outcome(ticket, kind, value)

    def _kill(self, index: int) -> None:
        actor, self.actors[index] = self.actors[index], None
        self.idle.discard(index)
        for ref in [r for r, i in self.starting.items() if i == index]:
            del self.starting[ref]
        if actor is not None:
            self.ray.kill(actor, no_restart=True)

    def close(self) -> None:
        for index in range(len(getattr(self, "actors", []))):
            self._kill(index)
        self.busy, self.queued = {}, []
        if self.started_ray and self.ray.is_initialized():
            self.ray.shutdown()


class _RayWorker:
    """A Ray actor: rebuilds the space once, then evaluates assignment after assignment."""

    def __init__(self, recipe: SpaceRecipe, evaluate: Evaluate, threads: int | None) -> None:
        self.space = recipe.build()
        self.evaluate = evaluate
        set_torch_threads(threads)

    def run(self, assignment: Assignment) -> tuple[str, Any]:
        from archlang.search.results import evaluate_once

        return evaluate_once(lambda a: self.evaluate(self.space.bind(a)), assignment)


def actor_options(gpus: float = 0) -> dict[str, Any]:
    """The resources a Ray worker asks for: one CPU, and `gpus` GPUs when it trains on CUDA.

        >>> actor_options(1)
        {'num_cpus': 1, 'max_restarts': 0, 'num_gpus': 1}
    """
    return {"num_cpus": 1, "max_restarts": 0, **({"num_gpus": gpus} if gpus else {})}


def import_ray() -> Any:
    """Ray, or `ExecutorError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ExecutorError("--executor ray needs Ray, which is not installed: "
                            "pip install 'archlang[ray]'") from None
    return ray


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")

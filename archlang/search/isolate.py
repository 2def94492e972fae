"""Evaluations in a forked worker process, killed when one runs past its time limit.

`ChildWorker(space, evaluate)` forks a worker on first use; the worker inherits the space
and the evaluator as they are (nothing is pickled on the way in, so any callable works).
``worker.send(assignment)`` sends the assignment through a pipe; the worker binds it in its
copy of the space, calls ``evaluate(arch)`` through `archlang.search.results.evaluate_once`
(so the metrics come back normalised, and an exception or ``sys.exit`` comes back as its
message) and sends the outcome back. The driver (`archlang.search.executors.PoolExecutor`)
waits on ``conn``, kills the worker (SIGKILL, `close`) when the trial runs past its time
limit, and reads the outcome with `receive`, which tells an evaluator's error
(``"error"``) from a dead worker (``"lost"``: ``os._exit``, a segfault, the out-of-memory
killer; the signal or exit code is named); the next trial forks a fresh worker. A worker
dies with its parent (``PR_SET_PDEATHSIG`` on Linux).

Worker `index` (its place in the pool) tells the built-in trainers which GPU is its own
(`archlang.tasks.device.enter_worker`: round-robin over the GPUs). One worker serves trial
after trial, so what an evaluator caches (a data set, a lookup
table) is loaded once, not per trial. Before the first fork the parent imports torch when
it is installed, so a worker does not spend its first trial's time limit importing it.
The worker runs torch on ``threads`` intra-op threads (`archlang.search.executors.THREADS`,
one, by default). More than one is safe only when the parent has not run torch's parallel
ops before the fork: a forked child that enters the OpenMP thread pool its parent started
hangs in its first parallel op (GNU OpenMP is not fork-safe; seen with torch 2.13 CPU).
The search command's driver runs no torch op before it forks. Whatever evaluations
allocate stays in the worker, not in the search process.

Needs the ``fork`` start method (Linux, macOS); elsewhere `ChildWorker` raises
`RuntimeError`.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from typing import TYPE_CHECKING, Any

from archlang.search.executors import installed_torch, set_torch_threads
from archlang.search.results import evaluate_once

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from archlang.ir.decisions import Assignment
    from archlang.ir.space import Space
    from archlang.search.loop import Evaluate


class ChildWorker:
    """A forked process that evaluates assignments of one space, one at a time."""

    def __init__(self, space: Space, evaluate: Evaluate, index: int = 0, *,
                 threads: int | None = 1) -> None:
        try:
            self.ctx = multiprocessing.get_context("fork")
        except ValueError:
            raise RuntimeError("--trial-timeout needs the `fork` start method, which this "
                               "platform lacks") from None
        self.space, self.evaluate, self.index = space, evaluate, index
        self.threads = threads
        self.process: Any = None
        self.conn: Connection | None = None

    def send(self, assignment: Assignment) -> None:
        """Start evaluating `assignment` (forking the worker first when there is none);
        its outcome is read by `receive` once ``conn`` is readable."""
        if self.process is None or not self.process.is_alive():
            self._start()
        assert self.conn is not None
        self.conn.send(assignment)

    def receive(self) -> tuple[str, Any]:
        """The outcome of the evaluation `send` started: ``("ok", metrics)``, ``("error",
        text)`` when the evaluator raised, or ``("lost", text)`` when the worker died (it
        is then closed, and the next `send` forks a fresh one). Blocks until it comes."""
        assert self.conn is not None
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            code = self.process.exitcode
            self.close()
            return "lost", _death(code)

    def _start(self) -> None:
        self.close()
        installed_torch()  # imported once here rather than in every worker
        parent, child = self.ctx.Pipe()
        self.process = self.ctx.Process(
            target=_serve, daemon=True,
            args=(self.space, self.evaluate, child, os.getpid(), self.index, self.threads))
        self.process.start()
        child.close()
        self.conn = parent

    def close(self) -> None:
        """Kill the worker (if any); the next `send` forks a new one."""
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join()
            self.process.close()
            self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def timeout_message(timeout: float) -> str:
    return f"timeout: the evaluation ran past {timeout:g} s and was killed"


def _serve(space: Space, evaluate: Evaluate, conn: Connection, parent: int,
           index: int = 0, threads: int | None = 1) -> None:
    """The worker's loop: an assignment in, ``("ok", metrics)`` or ``("error", text)`` out."""
    from archlang.tasks.device import enter_worker

    _die_with_parent(parent)
    set_torch_threads(threads)
    enter_worker(index)  # an unindexed "cuda" is then this worker's own GPU
    while True:
        try:
            assignment = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        try:
            message = evaluate_once(lambda a: evaluate(space.bind(a)), assignment)
        except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the driver
            message = ("error", "KeyboardInterrupt")  # stops; this trial reruns on resume
        try:
            conn.send(message)
        except Exception as exc:  # noqa: BLE001 - e.g. metrics that cannot be pickled
            conn.send(("error", f"the metrics could not be sent back: {exc}"))


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the search process dies (Linux), so that a
    search killed with SIGKILL leaves no worker training on: its trial is rerun on resume,
    never completed twice. Elsewhere the worker ends when its pipe closes."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        import signal

        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the evaluation process died ({name})"
    return f"the evaluation process exited with code {exitcode} without a result"

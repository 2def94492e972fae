"""The driver with several trials in flight: the forked pool against in-process, pending
proposals of evolution and MCTS, equal networks in flight, dead workers and timeouts."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from search_spaces import SYN, make_space, reward

from archlang.search import get_searcher, run_search
from archlang.search.executors import LOST, OK, Outcome, make_executor
from archlang.search.storage import Storage
from archlang.search.study import COMPLETE, FAILED


def evaluated(study) -> set[str]:
    return {t.hash for t in study.trials if t.counted}


@pytest.mark.parametrize("algorithm", ["grid", "random"])
def test_a_pool_of_two_evaluates_the_same_networks_as_in_process(algorithm):
    space = make_space(SYN)
    alone = run_search(space, reward, get_searcher(algorithm, seed=3), budget=12)
    pooled = run_search(space, reward, get_searcher(algorithm, seed=3), budget=12,
                        executor="pool", workers=2)
    assert pooled.spent == alone.spent == 12
    if algorithm == "grid":  # the order of observations may change; the set may not
        assert evaluated(pooled) == evaluated(alone)
    by_hash = {t.hash: t.metrics for t in alone.trials}
    assert all(t.metrics == by_hash[t.hash] for t in pooled.trials if t.hash in by_hash)


def test_one_pool_worker_is_in_process_to_the_trial():
    space = make_space(SYN)
    alone = run_search(space, reward, get_searcher("evolution", seed=1), budget=10)
    pooled = run_search(space, reward, get_searcher("evolution", seed=1), budget=10,
                        executor="pool", workers=1)
    assert [(t.number, t.assignment, t.metrics, t.state) for t in pooled.trials] == \
        [(t.number, t.assignment, t.metrics, t.state) for t in alone.trials]


class Shuffled:
    """An in-process executor with `slots` places that answers the newest trial first, so
    the searcher sees many pending proposals and results out of order."""

    def __init__(self, evaluate, slots: int) -> None:
        self.evaluate, self.slots = evaluate, slots
        self.queued: list = []
        self.most = 0
        self.calls = 0

    def submit(self, ticket, assignment, arch) -> None:
        self.queued.append((ticket, arch))
        self.most = max(self.most, len(self.queued))

    def wait(self) -> list[Outcome]:
        ticket, arch = self.queued.pop()
        self.calls += 1
        return [Outcome(ticket, OK, self.evaluate(arch))]

    def close(self) -> None:
        pass


# 256 assignments, 256 different networks
CHAIN = "network chain() (x: [4]) {\n    h = x\n" + "".join(
    "    h = h -> linear(choice(2, 3, 4, 5)) -> relu()\n" for _ in range(4)) + \
    "    return h -> linear(2)\n}\n"


@pytest.mark.parametrize("algorithm", ["evolution", "mcts", "bo", "random"])
def test_searchers_keep_proposing_while_trials_are_pending(algorithm):
    space = make_space(CHAIN)
    runner = Shuffled(reward, slots=4)
    study = run_search(space, reward, get_searcher(algorithm, seed=0), budget=15,
                       executor=runner)
    assert runner.most == 4  # four proposals were pending at once
    assert study.spent == 15 and runner.calls == 15
    assert len(evaluated(study)) == 15  # no network was evaluated twice
    assert all(t.state == COMPLETE for t in study.trials)


# `a` picks between two equal layers: two assignments, one network
TWINS = """network twins() (x: [4]) {
    a = choice(relu(), relu())
    w = choice(4, 8)
    return x -> linear(w) -> a -> linear(2)
}
"""


def test_an_equal_network_in_flight_is_waited_for_not_evaluated():
    space = make_space(TWINS)
    runner = Shuffled(reward, slots=4)
    study = run_search(space, reward, get_searcher("grid", seed=0), budget=4,
                       executor=runner)
    assert runner.most == 2  # the other two waited, outside the executor
    assert runner.calls == 2 and study.spent == 2 and len(study.trials) == 4
    reused = [t for t in study.trials if t.duplicate_of is not None]
    assert len(reused) == 2
    for t in reused:
        first = next(u for u in study.trials if u.number == t.duplicate_of)
        assert first.hash == t.hash and first.metrics == t.metrics
        assert t.assignment["twins.w"] == first.assignment["twins.w"]


def attempts(folder: Path, arch) -> int:
    """Count this evaluation of `arch` in `folder` (one file per attempt); how many so far."""
    key = "-".join(str(v) for v in sorted(map(str, arch.assignment.values())))
    n = len([p for p in folder.iterdir() if p.name.startswith(key + ".")])
    (folder / f"{key}.{n}").touch()
    return n + 1


def dies(folder: Path, always: bool):
    """An evaluator whose process kills itself (SIGKILL) on networks of width 16."""
    def evaluate(arch):
        tries = attempts(folder, arch)
        if arch.assignment["w.width"] == 16 and (always or tries == 1):
            os.kill(os.getpid(), signal.SIGKILL)
        return reward(arch)
    return evaluate


WIDTHS = """network w() (x: [4]) {
    width = choice(8, 16, 32)
    return x -> linear(width) -> relu() -> linear(2)
}
"""


@pytest.mark.parametrize("always", [False, True])
def test_a_killed_worker_gets_its_trial_requeued_once_then_failed(tmp_path, always):
    store = Storage(tmp_path / "s.db").open_study("s")
    study = run_search(make_space(WIDTHS), dies(tmp_path, always), get_searcher("grid"),
                       budget=3, executor="pool", workers=2, recorder=store)
    (victim,) = [t for t in study.trials if t.assignment["w.width"] == 16]
    assert len(list(tmp_path.glob("16.*"))) == 2  # run twice, never thrice
    if always:
        assert victim.state == FAILED and "SIGKILL" in victim.error
        assert "died once already" in victim.error
    else:
        assert victim.state == COMPLETE
    assert sum(t.state == COMPLETE for t in study.trials) == 3 - always
    assert victim.lost == 1 + always
    stored = {t.number: (t.state, t.lost) for t in store.trials()}
    assert stored == {t.number: (t.state, t.lost) for t in study.trials}
    assert sorted(lost for _, lost in stored.values()) == [0, 0, 1 + always]


class NodeLost:
    """An in-process executor with two slots whose first two evaluations are lost together,
    as when the node running both dies; a recorder of every write it sees."""

    slots = 2

    def __init__(self) -> None:
        self.running: list = []
        self.submitted: list[int] = []
        self.writes: list[tuple[int, str, int]] = []
        self.killed = False

    def submit(self, ticket, assignment, arch) -> None:
        self.running.append((ticket, arch))
        self.submitted.append(ticket)

    def wait(self) -> list[Outcome]:
        if not self.killed and len(self.running) == 2:
            self.killed, lost, self.running = True, self.running, []
            return [Outcome(ticket, LOST, "the Ray worker died (node lost)")
                    for ticket, _ in lost]
        ticket, arch = self.running.pop(0)
        return [Outcome(ticket, OK, reward(arch))]

    def close(self) -> None:
        pass

    # the recorder
    def start(self, trial) -> None:
        self.writes.append((trial.number, trial.state, trial.lost))

    finish = start

    def next_number(self) -> int:
        return 0


def test_every_trial_of_a_lost_node_is_requeued_once_and_stored_so():
    runner = NodeLost()
    study = run_search(make_space(WIDTHS), reward, get_searcher("grid"), budget=3,
                       executor=runner, recorder=runner)
    assert [t.state for t in study.trials] == [COMPLETE] * 3
    assert [t.lost for t in study.trials] == [1, 1, 0]
    assert sorted(runner.submitted) == [0, 0, 1, 1, 2]  # the two lost ones twice, no more
    assert len(evaluated(study)) == 3
    # each re-queue is on disk before the trial ends: running, lost once
    assert [w for w in runner.writes if w[0] == 0] == \
        [(0, "running", 0), (0, "running", 1), (0, COMPLETE, 1)]


def slow_on_32(arch):
    if arch.assignment["w.width"] == 32:
        time.sleep(30)
    return reward(arch)


@pytest.mark.parametrize("workers", [1, 2])
def test_trial_timeout_kills_only_the_slow_trial_in_a_pool(workers):
    start = time.monotonic()
    study = run_search(make_space(WIDTHS), slow_on_32, get_searcher("grid"), budget=3,
                       executor="pool", workers=workers, trial_timeout=1.0)
    assert time.monotonic() - start < 15
    states = {t.assignment["w.width"]: (t.state, t.error) for t in study.trials}
    assert states[32][0] == FAILED and states[32][1].startswith("timeout")
    assert states[8][0] == states[16][0] == COMPLETE


def test_make_executor_refuses_what_it_does_not_know():
    space = make_space(WIDTHS)
    with pytest.raises(ValueError, match="unknown executor 'dask'"):
        make_executor("dask", space, reward)
    with pytest.raises(ValueError, match="at least 1"):
        make_executor("pool", space, reward, workers=0)


def cli(args: list[str]):
    from click.testing import CliRunner

    from archlang.cli.search_cmd import search

    return CliRunner().invoke(search, args)


def test_the_command_says_how_to_install_ray_when_it_is_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    arch = tmp_path / "w.arch"
    arch.write_text(WIDTHS.replace("[4]", "[1, 8, 8]"), encoding="utf-8")
    result = cli([str(arch), "--task", "digits", "--executor", "ray", "--workers", "2"])
    assert result.exit_code == 2
    assert "pip install 'archlang[ray]'" in result.output and "Traceback" not in result.output
    result = cli([str(arch), "--task", "digits", "--address", "ray://h:10001",
                  "--executor", "pool"])
    assert result.exit_code == 2 and "use it with --executor ray" in result.output


def digits_space(tmp_path: Path, width: str, activation: str) -> Path:
    """A small digits space `w.w`: a linear layer of `width`, then `activation`."""
    arch = tmp_path / "w.arch"
    arch.write_text("network w() (x: [1, 8, 8]) {\n    return x -> global_avgpool() -> "
                    f"linear({width}) -> {activation} -> linear(10)\n}}\n", encoding="utf-8")
    return arch


@pytest.mark.slow
def test_the_command_runs_trials_in_a_pool_of_two(tmp_path):
    arch = digits_space(tmp_path, "choice(10, 20)", "choice(relu(), relu())")
    result = cli([str(arch), "--task", "digits", "--epochs", "1", "--budget", "2",
                  "--algorithm", "grid",
                  "--workers", "2", "--storage", str(tmp_path / "s.db")])
    assert result.exit_code == 0, result.output
    trials = Storage(tmp_path / "s.db").open_study("w.w").trials()
    assert {t.state for t in trials} == {COMPLETE}
    assert sum(t.duplicate_of is None for t in trials) == 2  # two networks, each once


def torch_threads_metric(arch) -> dict:
    import torch

    return {"val_accuracy": 1.0, "threads": torch.get_num_threads()}


@pytest.mark.parametrize("executor", ["inprocess", "pool"])
def test_every_executor_trains_on_the_threads_it_is_given(executor):
    # issue 17, item 8: one torch thread per trial unless told otherwise, on every executor
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    study = run_search(make_space(SYN), torch_threads_metric, get_searcher("random"), budget=2,
                       executor=executor)
    assert [t.metrics["threads"] for t in study.trials] == [1, 1]
    assert torch.get_num_threads() == before  # in-process: the count is restored after


def test_in_process_threads_none_leaves_torch_as_it_is():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    two = run_search(make_space(SYN), torch_threads_metric, get_searcher("random"), budget=1,
                     threads=2)
    left = run_search(make_space(SYN), torch_threads_metric, get_searcher("random"), budget=1,
                      threads=None)
    assert two.trials[0].metrics["threads"] == 2
    assert left.trials[0].metrics["threads"] == before == torch.get_num_threads()
    with pytest.raises(ValueError, match="`threads` must be at least 1"):
        run_search(make_space(SYN), torch_threads_metric, get_searcher("random"), budget=1,
                   threads=0)


#: what a trial's training computes; the timings (`train_seconds`, `latency_ms`) are measured
TRAINED = ("val_accuracy", "test_accuracy", "train_loss", "params", "flops")


@pytest.mark.slow
def test_digits_trials_are_the_same_in_process_and_in_one_pool_worker():
    # issue 17, item 8: "trial for trial", metrics included, for the same seed. This member
    # of examples/digits.arch trains to other figures on torch's 2 default threads (val
    # accuracy 0.3955 against 0.3983 on one, train loss 1.85155 against 1.85157), so the test
    # fails when in-process and the worker do not train on the same thread count.
    pytest.importorskip("torch")
    import functools

    import archlang
    from archlang.tasks import get_task

    root = Path(__file__).resolve().parents[2]
    space = archlang.load(root / "examples" / "digits.arch").network()
    evaluate = functools.partial(get_task("digits").evaluate, epochs=1, seed=4)
    runs = [run_search(space, evaluate, get_searcher("random", seed=4), budget=1,
                       executor=executor) for executor in ("inprocess", "pool")]
    alone, pooled = ([(t.assignment, {m: t.metrics[m] for m in TRAINED}) for t in run.trials]
                     for run in runs)
    assert len(alone) == 1 and alone == pooled


def trials_of(study) -> list:
    return [(t.number, t.assignment, t.metrics, t.state, t.duplicate_of) for t in study.trials]


@pytest.mark.parametrize("algorithm", ["evolution", "bo", "mcts"])
def test_rounds_give_the_same_trials_for_any_workers_and_completion_order(algorithm):
    # issue 17, item 8: `archlang search` uses several workers by default, so its trials
    # must not depend on how many there are or on which trial finishes first. Without
    # rounds, a newest-first executor with three slots gives other trials than in-process.
    space = make_space(CHAIN)
    runs = {"inprocess": run_search(space, reward, get_searcher(algorithm, seed=5),
                                    budget=14, rounds=4)}
    for slots in (1, 3, 6):
        runs[f"shuffled{slots}"] = run_search(space, reward, get_searcher(algorithm, seed=5),
                                              budget=14, rounds=4,
                                              executor=Shuffled(reward, slots=slots))
    runs["pool2"] = run_search(space, reward, get_searcher(algorithm, seed=5), budget=14,
                               rounds=4, executor="pool", workers=2)
    expected = trials_of(runs["inprocess"])
    assert runs["inprocess"].spent == 14
    assert {name: trials_of(study) == expected for name, study in runs.items()} == \
        dict.fromkeys(runs, True)


def test_rounds_of_one_are_the_serial_loop_and_rounds_must_be_positive():
    space = make_space(CHAIN)
    serial = run_search(space, reward, get_searcher("evolution", seed=2), budget=9)
    ones = run_search(space, reward, get_searcher("evolution", seed=2), budget=9, rounds=1,
                      executor=Shuffled(reward, slots=3))
    assert trials_of(ones) == trials_of(serial)
    with pytest.raises(ValueError, match="rounds must be at least 1"):
        run_search(space, reward, get_searcher("random"), budget=1, rounds=0)


def test_workers_auto_is_one_per_usable_core_at_most_a_round(tmp_path, monkeypatch):
    from archlang.cli.search_cmd import ROUND, _workers

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    assert (_workers("auto", None), _workers("auto", "pool")) == (ROUND, ROUND)
    assert _workers("auto", "inprocess") == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert (_workers("auto", None), _workers("3", None)) == (2, 3)
    arch = tmp_path / "w.arch"
    arch.write_text(WIDTHS.replace("[4]", "[1, 8, 8]"), encoding="utf-8")
    for wrong in ("0", "two", "-1"):
        result = cli([str(arch), "--task", "digits", "--workers", wrong])
        assert result.exit_code == 2, result.output
        assert "--workers" in result.output and f"'auto', not '{wrong}'" in result.output
        assert "Traceback" not in result.output


@pytest.mark.slow
def test_the_command_gives_the_same_trials_with_any_number_of_workers(tmp_path):
    # issue 17, item 8: the default (--workers auto, a pool on a machine with several
    # cores) trains the same trials to the same figures as one worker in this process
    arch = digits_space(tmp_path, "choice(8, 16, 24)", "choice(relu(), tanh())")
    stored = {}
    for workers in ("1", "3"):
        db = tmp_path / f"{workers}.db"
        result = cli([str(arch), "--task", "digits", "--epochs", "1", "--budget", "5",
                      "--algorithm", "evolution", "--workers", workers,
                      *(["--executor", "inprocess"] if workers == "1" else []),
                      "--storage", str(db)])
        assert result.exit_code == 0, result.output
        stored[workers] = [(t.number, t.assignment, t.state,
                            {m: t.metrics.get(m) for m in TRAINED})
                           for t in Storage(db).open_study("w.w").trials()]
    assert len(stored["1"]) >= 5 and stored["1"] == stored["3"]

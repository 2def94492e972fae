"""A driver killed (SIGKILL) at a random point of a trial's life: before its start commit,
while it is evaluated (between start and finish), in the middle of its finish commit.
After a resume every finished trial is kept exactly once, and never evaluated again."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import archlang
from archlang.search import get_searcher, run_search
from archlang.search.resume import prepare_study
from archlang.search.storage import Storage

ROOT = Path(archlang.__file__).resolve().parent.parent
# 12 distinct networks; the evaluator is a formula, so a trial takes microseconds
SPACE = """network k() (x: [4]) {
    w = choice(2, 3, 4, 5, 6, 7)
    act = choice(relu(), tanh())
    return x -> linear(w) -> act -> linear(2)
}
"""
BUDGET = 8
DRIVER = """import json, os, random, signal, sys
import archlang
from archlang.search import get_searcher, run_search
from archlang.search.resume import prepare_study
from archlang.search.storage import Storage

db, log, kill_at, point, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], \\
    int(sys.argv[5])
space = archlang.parse(sys.stdin.read()).network()
resumed = prepare_study(Storage(db), "s", space)
store, current = resumed.store, [None]

def die(*_):
    os.kill(os.getpid(), signal.SIGKILL)

class Killing:
    def next_number(self):
        return store.next_number()

    def start(self, trial):
        if point == "before-start" and trial.number == kill_at:
            die()
        store.start(trial)
        current[0] = trial.number

    def finish(self, trial):
        if point == "finish-commit" and trial.number == kill_at:
            steps = [random.Random(seed).randint(1, 40)]
            def tick():
                steps[0] -= 1
                if steps[0] <= 0:
                    die()
                return 0
            store.db.set_progress_handler(tick, 1)  # SQLite calls it while it writes
        store.finish(trial)

def evaluate(arch):
    with open(log, "a") as f:
        f.write(json.dumps(arch.assignment, sort_keys=True) + "\\n")
    if point == "evaluating" and current[0] == kill_at:
        die()
    return {"val_accuracy": arch.params / 100.0}

run_search(space, evaluate, get_searcher("random", seed=1), BUDGET,
           history=resumed.history, recorder=Killing())
""".replace("BUDGET", str(BUDGET))


def _finished(db: Path) -> dict[int, tuple]:
    store = Storage(db).open_study("s")
    return {t.number: (t.state, json.dumps(t.assignment, sort_keys=True), t.metrics)
            for t in store.trials() if t.state != "running"}


@pytest.mark.parametrize("point", ["before-start", "evaluating", "finish-commit"])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_driver_killed_anywhere_in_a_trial_keeps_each_finished_trial_once(
        tmp_path: Path, point: str, seed: int):
    kill_at = random.Random(f"{point}{seed}").randrange(BUDGET)
    db, log = tmp_path / "s.db", tmp_path / "evaluated.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(db), str(log), str(kill_at),
                           point, str(seed)], input=SPACE, text=True, env=env,
                          capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr  # it died where it was told to
    before = _finished(db)
    assert len(before) == kill_at or point == "finish-commit" and \
        len(before) in (kill_at, kill_at + 1)

    space = archlang.parse(SPACE).network()
    resumed = prepare_study(Storage(db), "s", space)

    def evaluate(arch):
        with log.open("a") as f:
            f.write(json.dumps(arch.assignment, sort_keys=True) + "\n")
        return {"val_accuracy": arch.params / 100.0}

    study = run_search(space, evaluate, get_searcher("random", seed=1), BUDGET,
                       history=resumed.history, recorder=resumed.store)
    after = _finished(db)
    assert {n: after[n] for n in before} == before  # every finished trial kept as it was
    assert len(after) == study.spent == BUDGET
    assignments = [a for _, a, _ in after.values()]
    assert len(set(assignments)) == len(assignments)  # each network once
    evaluated = log.read_text(encoding="utf-8").splitlines()
    for _, assignment, _ in before.values():
        assert evaluated.count(assignment) == 1  # a finished trial never runs again

"""Resuming a stored search: nothing finished runs again, the budget is reached, an edited
space keeps the trials that still fit."""

from __future__ import annotations

import pytest
from search_spaces import SYN, make_space, reward

from archlang.search import (
    SpaceExhausted,
    assignment_key,
    get_searcher,
    iter_assignments,
    run_search,
)
from archlang.search.resume import prepare_study, reconcile
from archlang.search.storage import Storage
from archlang.search.study import COMPLETE, RUNNING, Trial

WIDTHS = """network w() (x: [4]) {
    width = choice(WIDTHS)
    act = choice(relu(), tanh())
    return x -> linear(width) -> act -> linear(2)
}"""


def widths(values: str, extra: str = "") -> str:
    return WIDTHS.replace("WIDTHS", values).replace("    return", extra + "    return")


class Counting:
    """An evaluator that counts its calls by assignment, and can stop after a few."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.calls: list[dict] = []
        self.stop_after = stop_after

    def __call__(self, arch):
        if self.stop_after is not None and len(self.calls) >= self.stop_after:
            raise KeyboardInterrupt  # what Ctrl-C does mid-search
        self.calls.append(dict(arch.assignment))
        return reward(arch)


def search(storage, space, evaluate, budget, algorithm="random", name="s"):
    resumed = prepare_study(storage, name, space)
    study = run_search(space, evaluate, get_searcher(algorithm, seed=1), budget,
                       history=resumed.history, recorder=resumed.store)
    return resumed, study


@pytest.mark.parametrize("algorithm", ["random", "grid"])
def test_resume_reaches_the_budget_and_reruns_nothing(tmp_path, algorithm):
    space = make_space(SYN)
    storage = Storage(tmp_path / "s.db")
    first = Counting(stop_after=5)
    _, study = search(storage, space, first, 12, algorithm)
    assert study.stopped == "interrupted" and len(first.calls) == 5
    second = Counting()
    resumed, study = search(Storage(tmp_path / "s.db"), space, second, 12, algorithm)
    assert resumed.status == "same"
    running = [t for t in resumed.history if t.state == RUNNING]
    assert sum(t.counted for t in resumed.history) == 5 and len(running) == 1
    assert study.stopped == "budget" and study.spent == 12
    # every network was evaluated once: 5 before the interrupt, 7 after, the interrupted
    # one (its evaluation never finished) among those 7
    keys = [str(sorted(a.items())) for a in first.calls + second.calls]
    assert len(keys) == 12 and len(set(keys)) == 12
    assert second.calls[0] == running[0].assignment
    stored = Storage(tmp_path / "s.db").open_study("s").trials()
    assert [t.number for t in stored] == list(range(len(stored)))
    assert sum(t.counted for t in stored) == 12 and RUNNING not in {t.state for t in stored}


def test_a_finished_study_is_not_searched_again(tmp_path):
    space = make_space(SYN)
    storage = Storage(tmp_path / "s.db")
    search(storage, space, Counting(), 6)
    again = Counting()
    _, study = search(storage, space, again, 6)
    assert again.calls == [] and study.spent == 6 and study.stopped == "budget"


def test_the_searcher_sees_the_stored_trials_through_observe(tmp_path):
    space = make_space(widths("8, 16, 32"))
    storage = Storage()
    search(storage, space, Counting(), 4)
    seen = []
    searcher = get_searcher("random", seed=3)
    searcher.observe = lambda a, r: seen.append((a, r["state"]))  # type: ignore[method-assign]
    resumed = prepare_study(storage, "s", space)
    run_search(space, reward, searcher, 6, history=resumed.history, recorder=resumed.store)
    assert [a for a, _ in seen[:4]] == [t.assignment for t in resumed.history]
    assert len(seen) == 6 and {s for _, s in seen} == {COMPLETE}


def test_random_never_reproposes_replayed_assignments():
    space = make_space(SYN)
    every = list(iter_assignments(space.tree))
    searcher = get_searcher("random", seed=5)
    searcher.setup(space)
    for a in every[2:]:
        searcher.replay(a, {"state": COMPLETE, "metrics": {}, "score": 0.0})
    left = [searcher.propose(), searcher.propose()]
    assert sorted(map(assignment_key, left)) == sorted(map(assignment_key, every[:2]))
    with pytest.raises(SpaceExhausted):
        searcher.propose()


def test_grid_skips_replayed_assignments():
    space = make_space(SYN)
    grid = get_searcher("grid")
    grid.setup(space)
    first = [grid.propose() for _ in range(3)]
    again = get_searcher("grid")
    again.setup(space)
    for a in first:
        again.replay(a, None)
    assert again.propose() not in first


def test_an_edited_space_keeps_what_still_binds(tmp_path):
    storage = Storage(tmp_path / "s.db")
    search(storage, make_space(widths("8, 16, 32")), Counting(), 6, "grid")
    # 16 is gone, 64 is new: the trials with width 16 no longer fit
    edited = make_space(widths("8, 32, 64"))
    calls = Counting()
    resumed, study = search(storage, edited, calls, 6, "grid")
    assert resumed.status == "edited" and resumed.kept == 4 and len(resumed.dropped) == 2
    assert "kept 4, dropped 2" in resumed.summary()
    assert {c["w.width"] for c in calls.calls} == {64}  # only the new candidate ran
    assert study.spent == 6
    dropped = storage.open_study("s").trials(dropped=True)
    assert {t.assignment["w.width"] for t in dropped} == {16}
    numbers = [t.number for t in storage.open_study("s").trials()]
    assert min(numbers[4:]) == 6  # new trials never reuse a dropped trial's number


def test_a_new_require_drops_what_it_rules_out(tmp_path):
    storage = Storage()
    search(storage, make_space(widths("8, 16")), Counting(), 4, "grid")
    edited = make_space(widths("8, 16", "    require width < 16\n"))
    kept, dropped, _ = reconcile(edited, storage.open_study("s").trials())
    assert len(kept) == 2 and len(dropped) == 2
    assert {t.assignment["w.width"] for t in kept} == {8}


def test_a_new_decision_drops_every_trial(tmp_path):
    storage = Storage()
    search(storage, make_space(widths("8, 16")), Counting(), 4, "grid")
    edited = make_space(WIDTHS.replace("WIDTHS", "8, 16").replace(
        "linear(2)", "linear(choice(2, 3))"))
    resumed = prepare_study(storage, "s", edited)
    assert resumed.kept == 0 and len(resumed.dropped) == 4


def test_an_edit_that_changes_the_network_makes_the_trial_stale():
    # issue 17, item 2: the trial measured a network the edited space no longer builds
    space = make_space(widths("8, 16"))
    trial = Trial(0, {"w.width": 8, "w.act": 0}, space.bind({"w.width": 8, "w.act": 0}).hash,
                  COMPLETE, {"val_accuracy": 1.0})
    edited = make_space(widths("8, 16").replace("linear(2)", "linear(3)"))
    kept, dropped, stale = reconcile(edited, [trial])
    assert (kept, dropped, stale) == ([], [], [0])


def test_an_edit_that_keeps_the_network_keeps_the_trial():
    space = make_space(widths("8, 16"))
    trial = Trial(0, {"w.width": 8, "w.act": 0}, space.bind({"w.width": 8, "w.act": 0}).hash,
                  COMPLETE, {"val_accuracy": 1.0})
    edited = make_space(widths("8, 16, 32"))
    (kept,), dropped, stale = reconcile(edited, [trial])
    assert dropped == stale == [] and kept.hash == edited.bind(kept.assignment).hash


def test_stale_trials_are_stored_never_credited_and_rerun(tmp_path):
    storage = Storage(tmp_path / "s.db")
    search(storage, make_space(widths("8, 16")), Counting(), 4, "grid")
    edited = make_space(widths("8, 16").replace("linear(2)", "linear(3)"))
    calls = Counting()
    resumed, study = search(storage, edited, calls, 4, "grid")
    assert resumed.kept == 0 and len(resumed.stale) == 4 and resumed.dropped == []
    assert "4 stale (the edit changed the network they measured" in resumed.summary()
    assert len(calls.calls) == 4  # every network is new: all evaluated again
    assert all(t.hash == edited.bind(t.assignment).hash for t in study.trials)
    store = storage.open_study("s")
    assert [t.number for t in store.trials(stale=True)] == [0, 1, 2, 3]
    assert [t.number for t in store.trials()] == [4, 5, 6, 7]


PAIRS = """network p() (x: [4]) {
    pair = choice([0, 1], [0, 2], [1, 2])
    act = choice(relu(), tanh())
    return x -> linear(8 + 3 * pair[0] + pair[1]) -> act -> linear(2)
}"""


def test_resume_over_tuple_choices(tmp_path):
    # the stored trials hold JSON lists where the space holds tuples: they must still fit
    space = make_space(PAIRS)
    first = Counting(stop_after=3)
    search(Storage(tmp_path / "s.db"), space, first, 6, "grid")
    stored = Storage(tmp_path / "s.db").open_study("s").trials()
    assert all(isinstance(t.assignment["p.pair"], list) for t in stored)  # the round trip
    second = Counting()
    resumed, study = search(Storage(tmp_path / "s.db"), space, second, 6, "grid")
    assert resumed.status == "same" and resumed.dropped == []
    assert study.stopped == "budget" and study.spent == 6
    keys = {str(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in a.items()))
            for a in first.calls + second.calls}
    assert len(keys) == 6  # every member once: the stored lists are the tuples they stand for
    t = stored[0]
    assert space.bind(t.assignment).hash == t.hash


@pytest.mark.slow
def test_the_cli_resumes_a_search_over_tuple_choices(tmp_path):
    from test_search_cli import runner

    from archlang.cli import cli

    path = tmp_path / "pairs.arch"
    path.write_text("""network p() (x: [1, 8, 8]) {
    pair = choice([1, 2], [2, 3])
    h = x -> conv2d(pair[0] + pair[1], 3, padding = 1) -> relu()
    return h -> global_avgpool() -> linear(10)
}
""", encoding="utf-8")
    args = ["search", str(path), "--task", "digits", "--epochs", "1", "--algorithm", "grid",
            "--out", str(tmp_path / "out"), "--quiet"]
    first = runner().invoke(cli, [*args, "--budget", "1"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    second = runner().invoke(cli, [*args, "--budget", "2"], catch_exceptions=False)
    assert second.exit_code == 0, second.output  # exit 1 with E502 before
    stored = Storage(tmp_path / "out" / "study.db").open_study("pairs.p").trials()
    assert sorted(t.assignment["p.pair"] for t in stored) == [[1, 2], [2, 3]]

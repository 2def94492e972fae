"""`validate_space`, the one check behind `archlang check`, rewrites and the fuzzer."""

from __future__ import annotations

import archlang
from archlang.validate import Budget, validate_space

GOOD = '''
network net() (x: [8]) {
    width = choice(16, 32)
    return x -> linear(width) -> relu() -> linear(2)
}'''

BROKEN = '''
network net() (x: [3, 8, 8]) {
    k = choice(3, 9)
    return x -> conv2d(4, k, padding = 0) -> global_avgpool() -> linear(2)
}'''


def test_a_working_space_has_no_diagnostics_and_counts_its_binds() -> None:
    budget = Budget(max_binds=64)
    assert validate_space(archlang.parse(GOOD).network(), budget=budget) == []
    assert 1 <= budget.used <= 64


def test_a_candidate_that_never_works_is_reported_once_at_the_decision() -> None:
    diags = validate_space(archlang.parse(BROKEN).network())
    assert [d.code for d in diags if d.severity == "error"] == ["E515"]
    assert "never makes a valid network" in diags[0].message


def test_strict_stops_at_the_first_failing_member_and_calls_on_member() -> None:
    seen: list[str] = []
    space = archlang.parse(GOOD).network()
    assert validate_space(space, 2, strict=True, on_member=lambda a: seen.append(a.hash)) == []
    assert len(seen) == 2
    broken = archlang.parse(BROKEN).network()
    failures = [validate_space(broken, 8, strict=True)]
    assert failures[0] and failures[0][0].code.startswith("E4")
    # failing where `before` fails at the same seed too is not counted
    assert validate_space(broken, 8, strict=True, before=broken) == []


def test_user_facing_spaces_keep_their_class_through_edits() -> None:
    space = archlang.parse(GOOD).network()
    assert isinstance(space, archlang.Space)
    assert isinstance(space.fix({"net.width": 16}), archlang.Space)
    assert isinstance(space.copy(), archlang.Space)
    assert isinstance(space.bind({"net.width": 16}), archlang.Arch)
    assert list(space.fix({"net.width": 16}).full_tree.by_key) == ["net.width"]


def test_e515_claims_only_what_it_proved():
    from archlang.diagnostics import ArchError
    from archlang.validate import Budget, _Bad, _Check

    space = archlang.parse("""network net() (x: [3, 16, 16]) {
    k = choice(3, 9, 11, 13, 15, 17)
    h = x -> repeat(int(1, 3)) { conv2d(4, k, padding = 1) }
    return h -> global_avgpool() -> linear(2)
}""").network()
    try:
        space.bind({"net.k": 9, "net.repeat": 3})
    except ArchError as exc:
        error = exc
    check = _Check(space, 8, Budget(), None)
    check.valid = {("net.repeat", ("int", 1))}
    repeat = space.decision("net.repeat")
    sampled = check._candidate_diagnostics(_Bad(repeat, 3, [error] * 4), [], [error])[0]
    assert sampled.message == "`net.repeat` = 3 made no valid network in 4 members tried"
    assert sampled.hint is None  # no advice to shrink a range the tries did not prove
    proved = _Bad(repeat, 3, [error] * 6, exhaustive=True)
    main = check._candidate_diagnostics(proved, [], [error])[0]
    assert main.message == "`net.repeat` = 3 never makes a valid network"
    assert main.notes[0].startswith("every member with it (6) failed")
    assert main.hint == "narrow the range to leave out 3"


WIDE = '''
network net() (x: [8]) {
    h = x
    for i in range(10) {
        h = h -> linear(choice(8, 16, 24, 32, 40, 48, 56, 64))
    }
    return h -> linear(2)
}'''


def test_the_cover_proves_many_candidates_per_bind(monkeypatch) -> None:
    from archlang.validate import SAMPLES, _Check

    with_cover = Budget()
    assert validate_space(archlang.parse(WIDE).network(), budget=with_cover) == []
    monkeypatch.setattr(_Check, "_cover", lambda self: None)
    without = Budget()
    assert validate_space(archlang.parse(WIDE).network(), budget=without) == []
    # 10 choices of 8: one cover bind per candidate still unseen in the worst decision
    assert with_cover.used <= SAMPLES + 8 < without.used


def test_a_failing_cover_bind_is_forgotten_and_the_sweep_blames_as_before() -> None:
    from archlang.validate import _Check

    space = archlang.parse('''network net() (x: [3, 10, 10]) {
    a = choice(1, 3, 5, 7)
    b = choice(1, 3, 5, 7)
    return x -> conv2d(4, a) -> conv2d(4, b) -> global_avgpool() -> linear(2)
}''').network()
    check = _Check(space, 0, Budget(), None)
    for k in (1, 3, 5):
        assert check._bind({"net.a": k, "net.b": k}) is None
    check._cover()  # a = 7 with b = 7 leaves no pixel: it fails, and is forgotten
    assert check.budget.used == 3 and not check.failures
    check._report_candidates(check._sweep())  # a = 7 and b = 7 each work alone
    assert check.diagnostics == [] and ("net.a", ("int", 7)) in check.valid


def test_checking_darts_binds_the_samples_and_a_few_cover_members() -> None:
    from pathlib import Path

    from archlang.validate import SAMPLES

    darts = Path(__file__).resolve().parents[1] / "examples" / "darts.arch"
    budget = Budget()
    assert validate_space(archlang.load(darts).network("darts"), budget=budget) == []
    # 16 op choices of 7: at most 7 cover binds (the sweep alone took 33)
    assert budget.used <= SAMPLES + 7

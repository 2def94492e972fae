"""The one-shot ground truth: the committed table discriminates, files round-trip, a table
of another space is refused with what differs, and the build script builds and resumes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import archlang
from archlang.oneshot.truth import GroundTruth, Member, TruthMismatch, distinct_members

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "benchmarks" / "oneshot" / "truth.json"


def _truth(space: archlang.Space, n: int = 4) -> GroundTruth:
    archs = distinct_members(space, n)
    members = [Member(dict(a.assignment), a.hash, [0.1 * i, 0.1 * i + 0.01 * (i % 2)])
               for i, a in enumerate(archs)]
    return GroundTruth(space.name, "elastic.arch", "digits", "val_accuracy", {"epochs": 1},
                       [0, 1], GroundTruth.describe(space), members)


def test_the_committed_truth_discriminates():
    truth = GroundTruth.load(COMMITTED)
    space = truth.check(archlang.load(ROOT / truth.space_file).network())
    assert space.name == truth.network
    assert len(truth.members) >= 200 and len(truth.seeds) >= 3
    assert len({m.hash for m in truth.members}) == len(truth.members)
    assert all(len(m.values) == len(truth.seeds) for m in truth.members)
    assert min(truth.seed_to_seed_taus()) >= 0.7  # any two seeds rank alike
    assert truth.spread() > 5 * truth.seed_noise()  # the members differ far beyond the noise
    assert truth.build_seconds > 0 and truth.command.startswith("python benchmarks/")


def test_a_truth_round_trips_through_its_file(elastic, tmp_path):
    truth = _truth(elastic)
    truth.save(tmp_path / "t.json")
    again = GroundTruth.load(tmp_path / "t.json")
    assert again == truth
    assert again.check(elastic) is elastic
    assert again.seed_to_seed_tau() == pytest.approx(1.0)
    assert again.tau([4, 3, 2, 1]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="3 scores for 4 members"):
        again.tau([1, 2, 3])


def test_a_file_that_is_no_truth_is_refused(tmp_path):
    (tmp_path / "x.json").write_text('{"format": "something else"}')
    with pytest.raises(TruthMismatch, match="not a ground-truth file"):
        GroundTruth.load(tmp_path / "x.json")


def test_another_network_is_refused(elastic, elastic_text):
    other = archlang.parse(elastic_text.replace("network elastic", "network other"),
                           path="o.arch").network()
    with pytest.raises(TruthMismatch, match="of network `elastic`, not `other`"):
        _truth(elastic).check(other)


def test_other_decisions_are_named(elastic, elastic_text):
    changed = elastic_text.replace("choice(8, 16)", "choice(8, 32)").replace(
        "k = choice(1, 3)", "k = 3")
    other = archlang.parse(changed, path="elastic.arch").network()
    with pytest.raises(TruthMismatch) as info:
        _truth(elastic).check(other)
    message = str(info.value)
    assert "missing: elastic.repeat[0].conv_bn_relu.k" in message
    assert "other domain: elastic.width" in message


def test_a_member_that_now_builds_another_network_is_refused(elastic, elastic_text):
    changed = elastic_text.replace("linear(10)", "linear(10) -> relu()")
    other = archlang.parse(changed, path="elastic.arch").network()
    with pytest.raises(TruthMismatch, match="member 0 .* now builds another network"):
        _truth(elastic).check(other)


@pytest.mark.slow
def test_the_build_script_builds_and_resumes(tmp_path):
    out = tmp_path / "truth.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "build_oneshot_truth.py"),
               "--archs", "3", "--seeds", "2", "--epochs", "1", "--workers", "1",
               "--out", str(out)]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert first.returncode == 0, first.stderr
    truth = GroundTruth.load(out)
    assert len(truth.members) == 3 and truth.seeds == [0, 1]
    assert all(0.0 <= v <= 1.0 for m in truth.members for v in m.values)
    truth.check(archlang.load(ROOT / truth.space_file).network())
    again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert "0 trainings to run" in again.stdout
    assert GroundTruth.load(out).members == truth.members


def test_the_benchmark_refuses_a_truth_of_other_decisions(tmp_path):
    truth = GroundTruth.load(COMMITTED)
    truth.decisions = {**truth.decisions, "gt_cnn.width": "choice(4, 8)"}
    truth.save(tmp_path / "bad.json")
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_oneshot.py"),
                          "--truth", str(tmp_path / "bad.json")],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1
    assert "other domain: gt_cnn.width" in run.stderr
    assert "Traceback" not in run.stderr

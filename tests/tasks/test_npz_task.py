"""The `npz:PATH` task: a user's arrays, a fixed split, the shared trainer, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import archlang
from archlang.cli import cli
from archlang.tasks import TaskError, get_task
from archlang.tasks.npz import load_splits, make_task

NET = "network n() (x: [4]) {{ return x -> linear(8) -> relu() -> linear({classes}) }}"


def blobs(path: Path, n: int = 60, classes: int = 3, **extra: np.ndarray) -> str:
    """Separable blobs: class k sits around k * 3 on every feature."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % classes
    x = y[:, None] * 3.0 + rng.normal(size=(n, 4))
    np.savez(path, X=x, y=y, **extra)
    return str(path)


def net(classes: int = 3, width: int = 4):
    text = NET.format(classes=classes).replace("[4]", f"[{width}]")
    return archlang.parse(text).network().bind()


def test_a_tiny_array_trains_one_epoch_on_a_fixed_stratified_split(tmp_path: Path):
    task = get_task(f"npz:{blobs(tmp_path / 'b.npz')}")
    assert task.info["sizes"] == {"train": 36, "val": 12, "test": 12}
    assert (task.objective, task.direction) == ("val_accuracy", "maximize")
    m = task.evaluate(net(), epochs=1, seed=0)
    assert 0 <= m["val_accuracy"] <= 1 and 0 <= m["test_accuracy"] <= 1
    assert m["params"] == net().params and m["train_loss"] > 0
    assert task.evaluate(net(), epochs=1, seed=0)["val_accuracy"] == m["val_accuracy"]
    splits, classes = load_splits(str(tmp_path / "b.npz"))
    assert classes == 3
    for name in ("val", "test"):
        assert np.bincount(splits[name][1]).tolist() == [4, 4, 4]  # stratified
    tensors = task.load_data()  # what weight-sharing search trains on
    assert tuple(tensors["train"][0].shape) == (36, 4) and str(tensors["val"][1].dtype) == "torch.int64"


def test_options_change_training_and_unknown_ones_are_refused(tmp_path: Path):
    task = make_task(blobs(tmp_path / "b.npz"))
    slow = task.evaluate(net(), epochs=2, seed=0, lr=1e-6, batch_size=8)
    fast = task.evaluate(net(), epochs=2, seed=0, lr=0.05, batch_size=8)
    assert fast["train_loss"] < slow["train_loss"]
    with pytest.raises(ValueError, match="no option momentum"):
        task.evaluate(net(), epochs=1, momentum=0.9)


def test_splits_stored_in_the_file_are_used_as_they_are(tmp_path: Path):
    rng = np.random.default_rng(1)
    path = blobs(tmp_path / "b.npz", X_val=rng.normal(size=(5, 4)), y_val=np.arange(5) % 3,
                 X_test=rng.normal(size=(7, 4)), y_test=np.arange(7) % 3)
    assert make_task(path).info["sizes"] == {"train": 60, "val": 5, "test": 7}


def test_other_labels_are_numbered_in_sorted_order(tmp_path: Path):
    path = tmp_path / "s.npz"
    np.savez(path, X=np.zeros((20, 4)), y=np.array(["cat", "dog"] * 10))
    task = make_task(str(path))
    assert task.info["classes"] == 2
    assert 0 <= task.evaluate(net(classes=2), epochs=1)["val_accuracy"] <= 1


def test_a_network_that_does_not_fit_the_arrays_is_refused(tmp_path: Path):
    task = make_task(blobs(tmp_path / "b.npz"))
    with pytest.raises(ValueError, match=r"needs one input \[4\] and an output \[3\]; `n` "
                                         r"has inputs \[\[5\]\] and output \[3\]"):
        task.evaluate(net(width=5), epochs=1)
    with pytest.raises(ValueError, match=r"output \[2\]"):
        task.evaluate(net(classes=2), epochs=1)


@pytest.mark.parametrize(("arrays", "message"), [
    ({"X": np.zeros((4, 2))}, "has no array `y`"),
    ({"X": np.zeros((4, 2)), "y": np.zeros(3, dtype=int)}, r"must have shape \(4,\)"),
    ({"X": np.zeros((4, 2)), "y": np.zeros(4)}, "labels `y` are floats"),
    ({"X": np.zeros(4), "y": np.zeros(4, dtype=int)}, r"shape \(N, ...\)"),
    ({"X": np.zeros((4, 2)), "y": np.zeros(4, dtype=int), "X_val": np.zeros((2, 2))},
     "has no array `y_val`"),
    ({"X": np.zeros((4, 2)), "y": np.zeros(4, dtype=int), "X_val": np.zeros((2, 3)),
      "y_val": np.zeros(2, dtype=int)}, r"`X_val` has examples of shape \[3\]"),
    ({"X": np.zeros((2, 2)), "y": np.zeros(2, dtype=int)}, "too few examples"),
])
def test_bad_files_are_explained(tmp_path: Path, arrays: dict, message: str):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(TaskError, match=message):
        make_task(str(path))


def test_missing_and_unreadable_files(tmp_path: Path):
    with pytest.raises(TaskError, match="no such file"):
        make_task(str(tmp_path / "none.npz"))
    (tmp_path / "text.npz").write_text("not numpy", encoding="utf-8")
    with pytest.raises(TaskError, match="not a readable .npz file"):
        make_task(str(tmp_path / "text.npz"))


def test_the_command_searches_an_npz_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    blobs(tmp_path / "b.npz")
    (tmp_path / "n.arch").write_text(
        "network n() (x: [4]) { return x -> linear(choice(4, 8)) -> relu() -> linear(3) }\n",
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["search", "n.arch", "--task", "npz:b.npz", "--budget",
                                      "2", "--epochs", "1", "--lr", "0.01", "--batch-size",
                                      "16"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "val acc" in result.stdout
    bad = CliRunner().invoke(cli, ["search", "n.arch", "--task", "npz:missing.npz"])
    assert bad.exit_code == 2 and "no such file: missing.npz" in bad.stderr
    assert "Traceback" not in bad.output


@pytest.mark.parametrize("declared, message", [
    ("network n() (x: [5]) { return x -> linear(choice(4, 8)) -> relu() -> linear(3) }",
     "n.arch:1:14: error[E402]: the data of task `npz:b.npz` does not fit: it has examples "
     "of shape [4], but network `n` declares the input [5]"),
    ("network n() (x: [4]) { return x -> linear(choice(4, 8)) -> relu() -> linear(10) }",
     "n.arch:1:14: error[E402]: the data of task `npz:b.npz` does not fit: it has 3 classes, "
     "but network `n` gives an output of shape [10]"),
])
def test_data_that_cannot_fit_the_network_is_refused_once_before_any_trial(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, declared: str, message: str):
    monkeypatch.chdir(tmp_path)
    blobs(tmp_path / "b.npz")
    (tmp_path / "n.arch").write_text(declared + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["search", "n.arch", "--task", "npz:b.npz", "--budget",
                                      "30", "--epochs", "1", "--out", "runs"])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[0] == message
    assert "hint: reshape the data" in result.stderr
    assert "Traceback" not in result.output and "trial" not in result.output
    assert not (tmp_path / "runs").exists()  # refused before a study was opened


def test_a_space_whose_output_is_a_decision_is_not_refused_up_front(tmp_path: Path):
    from archlang.tasks import check_fits

    task = get_task(f"npz:{blobs(tmp_path / 'b.npz')}")
    space = archlang.parse("network n() (x: [4]) { return x -> linear(choice(3, 10)) }"
                           ).network()
    check_fits(task, space)  # some members fit: their trials decide

"""`archlang search --weight-sharing`: the three phases end to end on a tiny digits space."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import make_runner

TINY = """network tiny() (x: [1, 8, 8]) {
    c = choice(4, 8)
    return x -> conv2d(c, choice(3, 5), padding = 1) -> relu() -> global_avgpool() -> linear(10)
}
"""


def _run(*args):
    from archlang.cli import cli

    return make_runner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("kind", ["supernet", "hypernet"])
def test_weight_sharing_search_retrains_the_best(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "tiny.arch"
    path.write_text(TINY, encoding="utf-8")
    out = tmp_path / "out"
    args = ("search", path, "--task", "digits", "--weight-sharing", kind, "--budget", "3",
            "--shared-steps", "10", "--retrain-top", "1", "--epochs", "1", "--out", out)
    result = _run(*args)
    assert result.exit_code == 0, result.stderr
    assert "training the shared model (10 steps)" in result.stderr
    assert "retraining the best on their own (1 networks)" in result.stderr
    assert "one-shot val_accuracy" in result.stdout
    saved = json.loads((out / "retrained.json").read_text(encoding="utf-8"))
    assert len(saved["retrained"]) == 1 and saved["search"]["weight_sharing"] == kind
    best = saved["retrained"][0]
    assert 0 <= best["one_shot"] <= 1 and 0 <= best["metrics"]["val_accuracy"] <= 1
    assert (out / kind / "shared_model.pt").exists()  # the checkpoint a rerun resumes from
    assert "decisions" not in (out / "best.arch").read_text(encoding="utf-8")
    again = _run(*args)  # resumes: the shared model is not trained again
    assert again.exit_code == 0, again.stderr

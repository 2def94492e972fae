"""Training a shared model: the loss falls, samplers do what they say, checkpoints resume."""

from __future__ import annotations

import pytest
import torch

from archlang.oneshot import HyperNet, Supernet, get_sampler, train_shared
from archlang.oneshot.train import CHECKPOINT


@pytest.mark.parametrize("kind", [Supernet, HyperNet])
def test_training_steps_reduce_the_loss(kind, elastic, digits_data):
    model = kind(elastic)
    log = train_shared(model, digits_data, steps=80, lr=1e-2, seed=0)
    first, last = log.losses[:10], log.losses[-10:]
    assert len(log.losses) == 80
    assert sum(last) / 10 < 0.9 * sum(first) / 10  # measured: 2.30 -> 1.94 and 2.33 -> 1.53


def test_sandwich_trains_the_largest_and_the_smallest(elastic):
    sampler = get_sampler("sandwich", Supernet(elastic), seed=0)
    archs = sampler()
    params = sorted(a.params for a in sampler.model.layout.archs)
    assert [archs[0].params, archs[1].params] == [params[-1], params[0]]
    assert len(archs) == 3


def test_fair_sampling_covers_every_candidate_once_per_step(elastic):
    sampler = get_sampler("fair", Supernet(elastic), seed=3)
    for _ in range(3):
        archs = sampler()
        assert len(archs) == 3  # the repeat count has the most candidates
        assert sorted(a.assignment["elastic.repeat"] for a in archs) == [1, 2, 3]
        widths = [a.assignment["elastic.width"] for a in archs]
        assert set(widths) == {8, 16}


def test_unknown_sampling_is_named(elastic):
    with pytest.raises(ValueError, match="known: uniform, sandwich, fair"):
        get_sampler("greedy", Supernet(elastic))


def test_a_killed_run_resumes_from_its_checkpoint(elastic, digits_data, tmp_path):
    torch.manual_seed(0)
    unbroken = Supernet(elastic)
    state = {k: v.clone() for k, v in unbroken.state_dict().items()}
    whole = train_shared(unbroken, digits_data, steps=12, seed=1,
                         checkpoint_dir=tmp_path / "a", checkpoint_every=5)

    first = Supernet(elastic)
    first.load_state_dict(state)
    train_shared(first, digits_data, steps=7, seed=1, checkpoint_dir=tmp_path / "b",
                 checkpoint_every=5)  # "killed" after step 7: the checkpoint holds step 5
    second = Supernet(elastic)
    log = train_shared(second, digits_data, steps=12, seed=1, checkpoint_dir=tmp_path / "b",
                       checkpoint_every=5)
    assert (tmp_path / "b" / CHECKPOINT).exists()
    assert log.resumed_from == 7  # the end of a run is checkpointed too
    assert log.losses == pytest.approx(whole.losses)
    for key, value in unbroken.state_dict().items():
        torch.testing.assert_close(second.state_dict()[key], value)


def test_a_checkpoint_with_other_settings_is_refused(elastic, digits_data, tmp_path):
    train_shared(Supernet(elastic), digits_data, steps=2, checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="other settings"):
        train_shared(Supernet(elastic), digits_data, steps=2, lr=0.1, checkpoint_dir=tmp_path)

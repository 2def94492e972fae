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


class Killed(Exception):
    pass


def _kill_at(step: int):
    def on_step(done: int, total: int, loss: float) -> None:
        if done == step:
            raise Killed

    return on_step


def test_a_killed_run_resumes_from_its_checkpoint(elastic, digits_data, tmp_path):
    torch.manual_seed(0)
    unbroken = Supernet(elastic)
    state = {k: v.clone() for k, v in unbroken.state_dict().items()}
    whole = train_shared(unbroken, digits_data, steps=12, seed=1,
                         checkpoint_dir=tmp_path / "a", checkpoint_every=5)

    first = Supernet(elastic)
    first.load_state_dict(state)
    with pytest.raises(Killed):  # killed after step 7: the checkpoint holds step 5
        train_shared(first, digits_data, steps=12, seed=1, checkpoint_dir=tmp_path / "b",
                     checkpoint_every=5, on_step=_kill_at(7))
    second = Supernet(elastic)
    log = train_shared(second, digits_data, steps=12, seed=1, checkpoint_dir=tmp_path / "b",
                       checkpoint_every=5)
    assert (tmp_path / "b" / CHECKPOINT).exists()
    assert log.resumed_from == 5
    assert log.losses == pytest.approx(whole.losses)
    for key, value in unbroken.state_dict().items():
        torch.testing.assert_close(second.state_dict()[key], value)


def test_cosine_schedule_anneals_to_zero_and_constant_keeps_the_rate():
    from archlang.oneshot.train import _rate

    rates = [_rate(0.01, "cosine", s, 10) for s in range(10)]
    assert rates[0] == pytest.approx(0.01)
    assert all(a > b for a, b in zip(rates, rates[1:]))
    assert rates[-1] < 0.0003
    assert {_rate(0.01, "constant", s, 10) for s in range(10)} == {0.01}


def test_training_options_are_checked(elastic, digits_data):
    with pytest.raises(ValueError, match="known: constant, cosine"):
        train_shared(Supernet(elastic), digits_data, steps=1, schedule="step")
    with pytest.raises(ValueError, match="needs sampling='sandwich'"):
        train_shared(Supernet(elastic), digits_data, steps=1, sampling="fair", distill=True)


def test_distillation_trains_the_others_on_the_largest_predictions(elastic, digits_data):
    plain = train_shared(Supernet(elastic), digits_data, steps=3, sampling="sandwich")
    distilled = train_shared(Supernet(elastic), digits_data, steps=3, sampling="sandwich",
                             distill=True)
    # the first step's largest Arch has the same cross-entropy in both; the other two
    # score a KL divergence to its predictions instead of a cross-entropy to the labels
    assert distilled.losses[0] < plain.losses[0] - 0.5


def test_a_checkpoint_with_other_settings_is_refused(elastic, digits_data, tmp_path):
    train_shared(Supernet(elastic), digits_data, steps=2, checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="other settings"):
        train_shared(Supernet(elastic), digits_data, steps=2, lr=0.1, checkpoint_dir=tmp_path)

"""The digits task: a fixed split of bundled data, and an evaluator that trains on the CPU."""

from __future__ import annotations

import pytest

import archlang
from archlang.tasks import digits, get_task, task_names

TINY = """network tiny() (x: [1, 8, 8]) {
    h = x -> conv2d(4, 3, padding = 1) -> batchnorm2d() -> relu() -> global_avgpool()
    return h -> dropout(0.1) -> linear(10)
}"""


def test_the_split_is_fixed_stratified_and_scaled():
    data = digits.load_data()
    sizes = {k: len(y) for k, (_, y) in data.items()}
    assert sizes == {"train": 1078, "val": 359, "test": 360}
    for x, y in data.values():
        assert tuple(x.shape[1:]) == (1, 8, 8) and x.dtype.is_floating_point
        assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
        assert set(y.tolist()) == set(range(10))
    digits.load_data.cache_clear()
    again = digits.load_data()
    assert all((again[k][1] == data[k][1]).all() for k in data)


def test_a_tiny_arch_trains_one_epoch():
    arch = archlang.parse(TINY).network().bind()
    m = digits.evaluate(arch, epochs=1)
    for key in ("val_accuracy", "test_accuracy"):
        assert 0.0 <= m[key] <= 1.0
    assert m["params"] == arch.params and m["flops"] == arch.flops
    assert m["latency_ms"] > 0 and m["train_seconds"] > 0 and m["train_loss"] > 0
    assert digits.evaluate(arch, epochs=1)["val_accuracy"] == m["val_accuracy"]  # seeded


def test_a_network_of_the_wrong_shape_is_refused():
    arch = archlang.parse("network n() (x: [64]) { return x -> linear(10) }").network().bind()
    with pytest.raises(ValueError, match=r"one input \[1, 8, 8\] and an output \[10\]"):
        digits.evaluate(arch, epochs=1)


def test_the_registry():
    assert "digits" in task_names()
    task = get_task("digits")
    assert task.evaluate is digits.evaluate
    assert (task.objective, task.direction) == ("val_accuracy", "maximize")
    with pytest.raises(ValueError, match="known: digits"):
        get_task("cifar")

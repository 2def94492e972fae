"""Shared fixtures for the one-shot tests: one thread, the digits data, small spaces."""

from __future__ import annotations

import pytest
import torch

import archlang

#: a space whose choices differ only in size: widths, kernels, a repeat count
ELASTIC = """
import "stdlib/blocks.arch"

network elastic() (x: [1, 8, 8]) {
    width = choice(8, 16)
    h = x -> conv_bn_relu(width, k = choice(3, 5))
    h = h -> repeat(int(1, 3)) {
        conv_bn_relu(width, k = choice(1, 3))
    }
    return h -> global_avgpool() -> linear(10)
}
"""


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def elastic() -> archlang.Space:
    return archlang.parse(ELASTIC, path="elastic.arch").network()


@pytest.fixture(scope="session")
def digits_data():
    from archlang.tasks.digits import load_data

    return load_data()


@pytest.fixture(scope="session")
def elastic_text() -> str:
    """The source of `elastic`, for tests that build variants of it."""
    return ELASTIC

"""Fixtures shared by the ir tests."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["tree", "text"])
def check(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """`to_arch`'s check both ways: binding the printed tree, and (``ARCHLANG_VERIFY=1``)
    binding the printed text parsed back."""
    if request.param == "text":
        monkeypatch.setenv("ARCHLANG_VERIFY", "1")
    else:
        monkeypatch.delenv("ARCHLANG_VERIFY", raising=False)
    return str(request.param)

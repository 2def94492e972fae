"""Generated modules: tracebacks point at the .arch source, identifiers are sanitised."""

from __future__ import annotations

import traceback

import pytest
import torch

import archlang


def test_runtime_error_in_forward_shows_the_arch_line() -> None:
    text = "network n() (x: [4]) {\n    h = x -> linear(8)\n    return h -> relu()\n}\n"
    model = archlang.parse(text, path="net.arch").network().bind().compile()
    with pytest.raises(RuntimeError) as exc:
        model(torch.randn(2, 5))  # the wrong width: linear expects 4 features
    frames = traceback.extract_tb(exc.value.__traceback__)
    ours = [f for f in frames if f.filename.startswith("<archlang:")]
    assert ours, [f.filename for f in frames]
    assert ours[-1].line is not None and ours[-1].line.endswith("# net.arch:2:14")


def test_identifiers_that_are_python_keywords_or_module_names_are_sanitised() -> None:
    text = """
block lambda(out: int) { linear(out) }
block forward() { relu() }
network class(training: int = 3) (self: [4], def: [4]) {
    import_ = (self, def) -> add()
    return import_ -> lambda(training) -> forward()
}
"""
    arch = archlang.parse(text).network().bind()
    model = arch.compile()
    out = model(torch.randn(2, 4), torch.randn(2, 4))
    assert out.shape == (2, 3)
    src = arch.source()
    compile(src, "<check>", "exec")  # valid Python
    assert "def forward(self, self_" in src

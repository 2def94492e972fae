"""Generated modules: tracebacks point at the .arch source, identifiers are sanitised."""

from __future__ import annotations

import ast
import builtins
import keyword
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


_SHADOWABLE = sorted(set(dir(builtins)) | set(keyword.kwlist) | {"torch", "nn", "F", "f"})


def _bound_names(src: str) -> set[str]:
    """Every name the generated source binds, other than by its imports."""
    bound: set[str] = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return bound


@pytest.mark.parametrize("name", _SHADOWABLE)
def test_no_network_block_or_layer_name_shadows_torch_nn_f_or_a_builtin(name: str) -> None:
    # `name` as a block, its layer and the network's input; then as the network itself
    as_block = f"""
block {name}(c: int) (x) {{
    {name} = x -> linear(c)
    return {name} -> relu()
}}
network n(k: int = 3) ({name}: [4]) {{
    return {name} -> {name}(k) -> softmax()
}}
"""
    as_network = f"""
network {name}() ({name}: [4]) {{
    {name} = {name} -> linear(3)
    return {name} -> relu()
}}
"""
    for text in (as_block, as_network):
        try:
            arch = archlang.parse(text).network().bind()
        except archlang.ArchError as exc:
            # a word the language keeps for itself is refused, located, before any codegen;
            # `int`/`float` called as a block read as the range primitives
            assert keyword.iskeyword(name) or name in ("int", "float"), str(exc)
            assert exc.diagnostics[0].code in ("E110", "E503"), str(exc)
            continue
        src = arch.source()
        shadowing = _bound_names(src) & (set(dir(builtins)) | {"torch", "nn", "F"})
        assert not shadowing, src
        out = arch.compile()(torch.randn(2, 4))
        assert out.shape == (2, 3)


def test_the_class_keeps_the_network_name_where_that_is_safe() -> None:
    def class_of(name: str) -> str:
        text = f"network {name}() (x: [4]) {{\n    return x -> linear(2)\n}}\n"
        return archlang.parse(text).network().bind().source().split("class ")[1].split("(")[0]

    assert class_of("digits_cnn") == "DigitsCnn"
    assert class_of("f") == "FNet"
    assert class_of("valueError") == "ValueErrorNet"

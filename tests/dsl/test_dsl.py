"""The DSL builds exactly the nodes the parser builds, and refuses what has no `.arch` form."""

from __future__ import annotations

import pytest

import archlang
import archlang.dsl.ops
from archlang.dsl import (
    Layer,
    Library,
    and_,
    block,
    choice,
    cond,
    const,
    float_range,
    int_range,
    long,
    module,
    name,
    network,
    not_,
    repeat,
    subset,
)
from archlang.dsl.ops import add, channels, conv2d, linear, range_, relu, shape
from archlang.syntax.format import format_module

x, y, h, k = name("x"), name("y"), name("h"), name("k")


def parsed(expr_text: str):
    """The AST the parser makes of an expression (as the value of an assignment)."""
    prog = archlang.parse(f"block b() (x, y) {{ v = {expr_text}\n return x }}")
    return prog.root.tree.items[0].body[0].value


@pytest.mark.parametrize("built, text", [
    (x >> relu() >> linear(4), "x -> relu() -> linear(4)"),
    ((x >> relu()).then(relu()), "x -> relu() -> relu()"),
    (h + x >> relu(), "h + x -> relu()"),
    (h + (x >> relu()) >> relu(), "h + (x -> relu()) -> relu()"),
    ((x, y) >> add(), "(x, y) -> add()"),
    (2 * k + 1, "2 * k + 1"),
    (k // 2 - 3 % k, "k // 2 - 3 % k"),
    (k ** 2 / 4, "k ** 2 / 4"),
    (-k, "-k"),
    (shape(x)[-1], "shape(x)[-1]"),
    (x.shape, "x.shape"),
    (x.channels, "x.channels"),
    ((k < 3) | k.ne(5), "k < 3 or k != 5"),
    (and_(k >= 1, not_(k.eq(2))), "k >= 1 and not k == 2"),
    (~(k <= 1) & (k > 0), "not k <= 1 and k > 0"),
    (cond(k.eq(None), channels(x), k), "channels(x) if k == none else k"),
    (conv2d(16, 3, stride=2, bias=False), "conv2d(16, 3, stride = 2, bias = false)"),
    (choice(16, 32, 64), "choice(16, 32, 64)"),
    (choice(relu(), conv2d(8, 1) >> relu()), "choice(relu(), conv2d(8, 1) -> relu())"),
    (int_range(1, 4), "int(1, 4)"),
    (float_range(1e-4, 0.1, log=True), "float(1e-4, 0.1, log = true)"),
    (subset(2, x, y, h) >> add(), "subset(2, x, y, h) -> add()"),
    (repeat(int_range(1, 3), relu(), linear(4)), "repeat(int(1, 3)) { relu()\n linear(4) }"),
    (range_(3), "range(3)"),
    (choice([1, 2], (3, 4), "s", None, True, 0.5), 'choice([1, 2], (3, 4), "s", none, true, 0.5)'),
])
def test_python_expressions_build_the_parsed_nodes(built, text):
    assert built.node == parsed(text)
    assert parsed(built.to_arch()) == built.node


def test_repeat_body_function_names_things():
    def body(b):
        b.heads = choice(1, 2)
        b.then(linear(b.heads))

    assert repeat(2, body).node == parsed("repeat(2) { heads = choice(1, 2)\n linear(heads) }")


def test_statements_loops_ifs_and_require():
    @network(inputs={"x": [4]})
    def net(b, x, n: int = 2):
        b.h = x
        with b.loop("i", range_(n)) as i:
            with b.when(i.eq(0)):
                b.h = b.h >> linear(8)
            with b.elif_(i.eq(1)):
                b.h = b.h >> relu()
            with b.otherwise():
                b.then(relu())
        with b.loop(("a", "c"), [(1, 2)]) as (a, c):
            b.require(a < c)
        return b.h >> linear(2)

    text = """network net(n: int = 2) (x: [4]) {
    h = x
    for i in range(n) {
        if i == 0 {
            h = h -> linear(8)
        } elif i == 1 {
            h = h -> relu()
        } else {
            relu()
        }
    }
    for (a, c) in [(1, 2)] {
        require a < c
    }
    return h -> linear(2)
}
"""
    assert net.to_arch() == text
    assert archlang.parse(text).root.tree == module(net)
    assert net.space().bind().output_shape == (2,)


def test_block_parameters_types_defaults_and_inputs():
    @block(inputs=["a"])
    def unit(b, a, out: int, act: Layer = relu(), p: float = 0.5, tag: str = None):  # noqa: B008
        return a >> linear(out) >> act

    item = unit.item
    assert [(p.name, p.type) for p in item.params] == [
        ("out", "int"), ("act", "layer"), ("p", "float"), ("tag", "str")]
    assert [i.name for i in item.inputs] == ["a"]
    assert unit(8, act=relu()).node == parsed("unit(8, act = relu())")


def test_constants_and_token_inputs():
    widths = const("widths", [16, 32])

    @network(inputs={"tokens": long[8]})
    def tok(b, tokens):
        b.h = tokens >> archlang.dsl.call("embedding", 10, widths[0])
        with b.loop("w", widths):
            b.then(linear(name("w")))
        return b.h

    text = format_module(module(tok))
    assert text.startswith("widths = [16, 32]\n")
    assert "(tokens: long[8])" in text
    assert archlang.parse(text).root.tree == module(tok)


def test_a_python_network_uses_a_relative_arch_file(tmp_path):
    (tmp_path / "mine.arch").write_text("block twice(c: int) { linear(c)\n linear(c) }\n")
    lib = Library("mine.arch", tmp_path)

    @network(inputs={"x": [4]})
    def uses_file(b, x):
        return x >> lib.twice(choice(2, 3))

    assert format_module(module(uses_file)).startswith('import "mine.arch"\n')
    assert uses_file.space().size == 2


def test_mistakes_fail_in_python_with_a_hint():
    with pytest.raises(AttributeError, match="did you mean `conv2d`"):
        archlang.dsl.ops.conv2  # noqa: B018
    with pytest.raises(AttributeError, match="did you mean `conv_bn`"):
        archlang.dsl.use("stdlib/blocks.arch").conv_bnn  # noqa: B018
    with pytest.raises(TypeError, match="no truth value"):
        bool(k < 3)
    with pytest.raises(TypeError, match="no archlang literal"):
        choice({1, 2})

    @block
    def odd(b, c: dict):
        b.then(relu())

    with pytest.raises(TypeError, match="parameter `c` has annotation"):
        odd.item  # noqa: B018
    with pytest.raises(TypeError, match="only blocks can be used as layers"):
        network(inputs={"x": [1]})(lambda b, x: x)()


def test_language_errors_point_at_the_printed_arch_line():
    @network(inputs={"x": [4]})
    def broken(b, x):
        return x >> archlang.dsl.call("conv3d", 4)

    with pytest.raises(archlang.ArchError) as err:
        broken.space().bind()
    text = err.value.render()
    assert "<python broken from test_dsl.py>:2:" in text and "unknown op or block `conv3d`" in text

"""The DSL writes issue 13's constructs as `.arch` text does: lists of tensors, slices,
``*`` spreads, ``sum``, subsets over lists, tuple returns and unpacking, ``repeat ... as i``,
``shared(name, block(...))``.

Each case is a `.arch` program and its Python twin; they must give the same program tree
and the same space (keys, kinds, candidates, conditions, size, sampled networks).
"""

from __future__ import annotations

import pytest

import archlang
from archlang.dsl import (
    block,
    choice,
    cond,
    const,
    module,
    name,
    network,
    repeat,
    shared,
    subset,
)
from archlang.dsl.ops import (
    concat,
    conv2d,
    global_avgpool,
    identity,
    linear,
    range_,
    relu,
    sum_,
)


def _lists():
    @network(inputs={"x": [4]})
    def lists(b, x):
        b.states = [x, x >> linear(4)]
        with b.loop("i", range_(2)) as i:
            b.states = b.states + [b.states[i] >> linear(choice(4, 8)) >> linear(4)]
        b.t = b.states[-1]
        with b.loop("s", b.states[1:3]) as s:
            b.t = b.t + s
        b.u = [b.t] + b.states[:2] >> concat()
        return (sum_(b.states[2:]) >> relu(), b.u) >> concat()

    return lists, """
network lists() (x: [4]) {
    states = [x, x -> linear(4)]
    for i in range(2) {
        states = states + [states[i] -> linear(choice(4, 8)) -> linear(4)]
    }
    t = states[-1]
    for s in states[1:3] {
        t = t + s
    }
    u = [t] + states[:2] -> concat()
    return (sum(states[2:]) -> relu(), u) -> concat()
}
"""


def _spreads():
    widths = const("WIDTHS", [4, 8, 16])

    @network(inputs={"x": [4]})
    def spreads(b, x):
        b.states = [x >> linear(4), x >> linear(4) >> relu()]
        b.h = choice(*b.states) >> linear(choice(*widths))
        b.g = subset(2, *b.states, x) >> concat()
        return (b.h, b.g) >> concat()

    return spreads, """
WIDTHS = [4, 8, 16]

network spreads() (x: [4]) {
    states = [x -> linear(4), x -> linear(4) -> relu()]
    h = choice(*states) -> linear(choice(*WIDTHS))
    g = subset(2, *states, x) -> concat()
    return (h, g) -> concat()
}
"""


def _choices_over_slices():
    @network(inputs={"x": [4]})
    def slices(b, x):
        b.states = [x, x >> linear(4)]
        with b.loop("i", range_(2, 4)) as i:
            b.pick = choice(b.states[:i])
            b.states = b.states + [(sum_(subset(2, b.states[:i])) >> linear(4)) + b.pick]
        return b.states[-1]

    return slices, """
network slices() (x: [4]) {
    states = [x, x -> linear(4)]
    for i in range(2, 4) {
        pick = choice(states[:i])
        states = states + [(sum(subset(2, states[:i])) -> linear(4)) + pick]
    }
    return states[-1]
}
"""


def _tuples():
    @block(inputs=["s0", "s1"])
    def cell(b, s0, s1, c: int):
        b.h = (s0 + s1) >> choice(conv2d(c, 3, padding=1), identity())
        return (s1, b.h)

    def stage(b, k):
        b.then(cell(cond(k.eq(0), 4, 4)))

    @network(inputs={"x": [4, 8, 8]})
    def tuples(b, x):
        b.s = x >> conv2d(4, 1)
        b["a", "c"] = (b.s, b.s) >> cell(4)
        b["p", "q"] = (b.a, b.c) >> repeat(2, stage)
        b["r",] = (b.q,)
        return b.r + b.p >> global_avgpool()

    return tuples, """
block cell(c: int) (s0, s1) {
    h = s0 + s1 -> choice(conv2d(c, 3, padding = 1), identity())
    return (s1, h)
}

network tuples() (x: [4, 8, 8]) {
    s = x -> conv2d(4, 1)
    (a, c) = (s, s) -> cell(4)
    (p, q) = (a, c) -> repeat(2) as k {
        cell(4 if k == 0 else 4)
    }
    (r,) = (q,)
    return r + p -> global_avgpool()
}
"""


def _copy_index():
    def down(b, i):
        b.then(conv2d(4 * (i + 1), 3, stride=cond(i.eq(0), 2, 1), padding=1))

    @network(inputs={"x": [4, 16, 16]})
    def copies(b, x):
        b.h = x >> repeat(3, down)
        b.h = b.h >> global_avgpool()
        return b.h >> repeat(choice(1, 2), relu(), linear(name("j") + 2), index="j")

    return copies, """
network copies() (x: [4, 16, 16]) {
    h = x -> repeat(3) as i {
        conv2d(4 * (i + 1), 3, stride = 2 if i == 0 else 1, padding = 1)
    }
    h = h -> global_avgpool()
    return h -> repeat(choice(1, 2)) as j {
        relu()
        linear(j + 2)
    }
}
"""


def _shared():
    @block(inputs=["s0", "s1"])
    def unit(b, s0, s1, c: int):
        b.pair = subset(2, [s0, s1, s0 + s1])
        return (s1, sum_(b.pair) >> choice(conv2d(c, 3, padding=1), identity()))

    @network(inputs={"x": [4, 8, 8]})
    def sharing(b, x):
        b["a", "c"] = (x, x)
        with b.loop("i", range_(3)) as i:
            b["a", "c"] = (b.a, b.c) >> shared(cond(i.eq(1), "odd", "even"), unit(4))
        b.h = (b.c, b.a) >> shared("last", unit(4))
        return b.h[1] >> global_avgpool()

    return sharing, """
block unit(c: int) (s0, s1) {
    pair = subset(2, [s0, s1, s0 + s1])
    return (s1, sum(pair) -> choice(conv2d(c, 3, padding = 1), identity()))
}

network sharing() (x: [4, 8, 8]) {
    (a, c) = (x, x)
    for i in range(3) {
        (a, c) = (a, c) -> shared("odd" if i == 1 else "even", unit(4))
    }
    h = (c, a) -> shared("last", unit(4))
    return h[1] -> global_avgpool()
}
"""


CASES = {"lists": _lists, "spreads": _spreads, "choices_over_slices": _choices_over_slices,
         "tuples": _tuples, "copy_index": _copy_index, "shared": _shared}


def _decisions(space):
    return [(d.key, d.kind, d.to_json(), d.cond) for d in space.decisions]


@pytest.mark.parametrize("case", CASES)
def test_python_and_text_give_the_same_program_and_space(case):
    net, text = CASES[case]()
    prog = archlang.parse(text)
    assert module(net).items == prog.root.tree.items
    from_text, from_python = prog.network(net.name), net.space()
    assert from_text.decisions, "each case has something to decide"
    assert _decisions(from_python) == _decisions(from_text)
    assert from_python.size == from_text.size
    for seed in range(3):
        a, b = from_python.sample(seed), from_text.sample(seed)
        assert a.assignment == b.assignment and a.hash == b.hash


def test_the_copy_index_is_the_body_functions_second_parameter():
    def body(b, copy):
        b.then(linear(copy + 1))

    assert repeat(2, body).node.index == "copy"
    assert repeat(2, body, index="n").to_arch() == "repeat(2) as n {\n    linear(n + 1)\n}"


@pytest.mark.parametrize(("make", "message"), [
    (lambda b: b.xs[1:2:2], "no step"),
    (lambda b: [*b.xs] >> concat(), "only into a call"),
    (lambda b: sum(b.xs), "sum_(xs)"),
    (lambda b: [s >> relu() for s in b.xs], 'b.loop("s", xs)'),
    (lambda b: b.__setitem__(("a", "1"), b.xs), "unpack into names"),
    (lambda b: repeat(2, relu(), index="not a name"), "takes a name"),
    (lambda b: repeat(2, lambda b, i, j: None), "(b, index)"),
    (lambda b: shared("not a name", b.cell), "takes a name"),
    (lambda b: shared(3, b.cell), "takes a name (a string)"),
    (lambda b: shared("normal", 3), "a block call"),
])
def test_python_mistakes_are_refused_with_the_dsl_spelling(make, message):
    from archlang.dsl import Body

    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[")):
        make(Body())

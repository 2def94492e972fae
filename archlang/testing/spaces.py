"""Small spaces with every kind of condition and their exact sizes, for tests and plugins.

Each entry is ``(text, size)``: a one-network `.arch` program and the number of distinct
assignments it has, worked out by hand (the comment says how).
"""

from __future__ import annotations

import math

CONDITIONAL_SPACES: list[tuple[str, int]] = [
    # plain, independent choices multiply
    ("""network n() (x: [8]) {
        return x -> linear(choice(2, 4, 8)) -> choice(relu(), gelu()) -> linear(int(1, 5))
    }""", 3 * 2 * 5),
    # a repeat whose copies each decide: sum over counts of 2^count
    ("""network n() (x: [8]) {
        return x -> repeat(int(0, 3)) { linear(choice(4, 8)) } -> linear(2)
    }""", 1 + 2 + 4 + 8),
    # a count from a choice of values
    ("""network n() (x: [8]) {
        return x -> repeat(choice(1, 3)) { choice(relu(), gelu(), tanh()) } -> linear(2)
    }""", 3 + 27),
    # a choice whose candidates hold decisions: the sum over candidates
    ("""block b() { linear(choice(4, 8, 16)) -> choice(relu(), gelu()) }
    network n() (x: [8]) {
        return x -> choice(b(), linear(int(1, 4)), identity()) -> linear(2)
    }""", 3 * 2 + 4 + 1),
    # nesting three deep: a choice inside a repeat copy inside a choice candidate
    ("""network n() (x: [8]) {
        return x -> choice(repeat(int(1, 2)) { choice(linear(choice(2, 3)), relu()) },
                           identity()) -> linear(2)
    }""", (3 + 3 * 3) + 1),
    # subsets: C(n, k)
    ("""network n() (x: [8]) {
        a = x -> linear(4)
        b = x -> linear(4)
        c = x -> linear(4)
        d = x -> linear(4)
        e = x -> linear(4)
        return subset(2, a, b, c, d, e) -> add()
    }""", math.comb(5, 2)),
    # a subset beside an input choice
    ("""network n() (x: [8]) {
        a = x -> linear(4)
        b = x -> linear(4)
        c = x -> linear(4)
        return (subset(2, a, b, c) -> add(), choice(a, b)) -> add() -> linear(2)
    }""", 3 * 2),
    # a decided network is one point
    ("network n() (x: [8]) { return x -> linear(2) }", 1),
]


def macro_space(copies: int) -> str:
    """A macro space: `copies` positions in sequence, each one of 3 block kinds with its own
    width (16/32/64) and kernel (3/5, or 3/5/7) choices: (3*2 + 3*3 + 3*2)^copies members,
    every decision conditional on its position's kind (benchmarks/bench_symbolic.py's
    macro-20, and the bind tests)."""
    return f"""
block conv_unit(w: int, k: int) {{
    conv2d(w, k, padding = k // 2)
    relu()
}}

block sep_unit(w: int, k: int) (x) {{
    return x -> conv2d(channels(x), k, padding = k // 2, groups = channels(x)) -> conv2d(w, 1)
}}

block res_unit(w: int, k: int) (x) {{
    h = x -> conv2d(w, k, padding = k // 2) -> relu() -> conv2d(channels(x), 1)
    return h + x
}}

network macro() (x: [8, 8, 8]) {{
    return x -> repeat({copies}) {{
        choice(conv_unit(choice(16, 32, 64), choice(3, 5)),
               sep_unit(choice(16, 32, 64), choice(3, 5, 7)),
               res_unit(choice(16, 32, 64), choice(3, 5)))
    }}
}}
"""

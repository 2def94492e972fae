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

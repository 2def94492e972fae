"""Small synthetic spaces and a cheap evaluator shared by the search tests (no training)."""

from __future__ import annotations

import archlang

# A repeat whose copies each choose between two blocks; `wide` carries a nested choice,
# so decisions exist only under some parent values. 24 assignments.
SYN = """
block plain(c: int) {
    linear(c)
    relu()
}
block wide(c: int) (x) {
    return x -> linear(choice(c, 2 * c)) -> relu()
}
network syn() (x: [4]) {
    h = x -> repeat(int(1, 2)) {
        choice(plain(8), wide(8))
    }
    act = choice(relu(), tanh())
    return h -> act -> linear(3)
}
"""
SYN_SIZE = 24
SYN_BEST = {"syn.repeat": 1, "syn.repeat[0].choice": 0, "syn.act": 0}


def make_space(text: str):
    return archlang.parse(text).network()


def reward(arch) -> dict:
    """Fraction of active decisions that took the first value of their domain."""
    space = arch.space
    right = [v == next(space.decision(k).domain()) for k, v in arch.assignment.items()]
    return {"val_accuracy": sum(right) / len(right), "params": arch.params}


# Six decisions of five values (15,625 assignments); the score counts the decisions at
# their target value, so the one optimum scores 6. Random search at budget 150 finds it
# with probability 150 / 5**6 (about 1%).
NEEDLE = "network needle() (x: [4]) {\n" + "".join(
    f"    d{i} = choice(1, 2, 3, 4, 5)\n" for i in range(6)) + \
    "    return x -> linear(d0 + d1 + d2 + d3 + d4 + d5)\n}\n"
NEEDLE_TARGET = {f"needle.d{i}": (i % 5) + 1 for i in range(6)}
NEEDLE_TOP = 6.0


def needle_score(assignment: dict) -> float:
    return float(sum(assignment.get(k) == v for k, v in NEEDLE_TARGET.items()))


def drive(searcher, space, score, budget: int) -> list[tuple[dict, float | None]]:
    """Propose and observe one at a time, without binding; the (assignment, score) pairs."""
    searcher.setup(space)
    out = []
    for _ in range(budget):
        a = searcher.propose()
        s = score(a)
        searcher.observe(a, {"state": "failed" if s is None else "complete", "metrics": {},
                             "score": s})
        out.append((a, s))
    return out

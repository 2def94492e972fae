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

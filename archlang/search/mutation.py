"""Mutation that respects conditions, and the validity check it keeps.

`mutate(tree, assignment, rng)` changes one active decision and repairs what depends on it:
decisions the change activates are sampled fresh, decisions it deactivates are dropped, and
every other decision keeps its value. So a repeat going from 2 to 3 copies keeps copies 0
and 1 as they were and samples copy 2; a layer choice switching candidates drops the old
candidate's decisions and samples the new one's.

How one decision moves (`mutate_value`), always to a different value:

* a choice: another candidate, uniformly;
* a subset: one chosen candidate swapped for one not chosen (the smallest step);
* an int or a float: with probability ``local`` a small step (an int moves by 1 or, in a wide
  range, by up to a tenth of it; a float moves by a Gaussian of a tenth of its range, in log
  space for a log range), otherwise a uniform draw; both are clipped to the range.

Which decision moves: one of the active decisions that have more than one value, uniformly.

`problems(tree, assignment)` lists what makes an assignment invalid (an active decision
missing or out of its domain, an inactive or unknown key); the empty list means valid.
"""

from __future__ import annotations

import math
import random
from typing import Any

from archlang.ir.decisions import Assignment, DecisionPoint, DecisionTree

#: probability that an int or float decision takes a local step rather than a uniform draw
LOCAL = 0.5


def mutable(tree: DecisionTree, assignment: Assignment) -> list[DecisionPoint]:
    """The active decisions a mutation can change (those with more than one value)."""
    return [d for d in tree.active(assignment) if d.cardinality() > 1]


def mutate(tree: DecisionTree, assignment: Assignment, rng: random.Random, *,
           local: float = LOCAL) -> Assignment:
    """A valid assignment that differs from `assignment` in one chosen decision.

    Raises `ValueError` when no active decision can change (a space of one member).
    """
    options = mutable(tree, assignment)
    if not options:
        raise ValueError("no decision of this assignment can change")
    d = rng.choice(options)
    return repair(tree, {**assignment, d.key: mutate_value(d, assignment[d.key], rng,
                                                           local=local)}, rng)


def repair(tree: DecisionTree, assignment: Assignment, rng: random.Random) -> Assignment:
    """Keep the values of the decisions still active, sample the newly active, drop the rest."""
    return tree.sample(rng, fixed=assignment)


def mutate_value(d: DecisionPoint, value: Any, rng: random.Random, *,
                 local: float = LOCAL) -> Any:
    """A value of `d` different from `value` (see the module docstring for the moves)."""
    if d.kind == "choice":
        i = d.index_of(value)
        j = rng.randrange(len(d.labels) - 1)
        j += j >= i
        return d.values[j] if d.values is not None else j
    if d.kind == "subset":
        chosen = set(value)
        out_ = rng.choice(sorted(chosen))
        in_ = rng.choice([i for i in range(len(d.labels)) if i not in chosen])
        return sorted((chosen - {out_}) | {in_})
    if d.kind == "int":
        return _mutate_int(d, value, rng, local)
    return _mutate_float(d, value, rng, local)


def _mutate_int(d: DecisionPoint, value: int, rng: random.Random, local: float) -> int:
    lo, hi = int(d.low), int(d.high)  # type: ignore[arg-type]
    if rng.random() < local:
        reach = max(1, (hi - lo) // 10)
        step = rng.randint(1, reach) * rng.choice((-1, 1))
        new = min(hi, max(lo, value + step))
        if new != value:
            return new
        return min(hi, max(lo, value - step))
    new = rng.randint(lo, hi - 1)
    return new + (new >= value)


def _mutate_float(d: DecisionPoint, value: float, rng: random.Random, local: float) -> float:
    lo, hi = float(d.low), float(d.high)  # type: ignore[arg-type]
    to, back = (math.log, math.exp) if d.log else (float, float)
    a, b, x = to(lo), to(hi), to(value)
    for _ in range(16):
        y = x + rng.gauss(0.0, 0.1 * (b - a)) if rng.random() < local else rng.uniform(a, b)
        new = min(hi, max(lo, back(min(b, max(a, y)))))
        if new != value:
            return new
    return hi if value != hi else lo


def problems(tree: DecisionTree, assignment: Assignment) -> list[str]:
    """Why `assignment` is not a valid assignment of `tree` (empty when it is)."""
    out = []
    active = tree.active(assignment)
    for d in active:
        if d.key not in assignment:
            out.append(f"active decision `{d.key}` has no value")
        elif not d.contains(assignment[d.key]):
            out.append(f"`{d.key}` = {assignment[d.key]!r} is not in {d.describe()}")
    keys = {d.key for d in active}
    out += [f"`{k}` is not an active decision" for k in assignment if k not in keys]
    return out

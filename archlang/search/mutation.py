"""Mutation that respects conditions, and the validity check it keeps.

`mutate(tree, assignment, rng)` changes one active decision and repairs what depends on it:
decisions the change activates are sampled fresh, decisions it deactivates are dropped, and
every other decision keeps its value. So a repeat going from 2 to 3 copies keeps copies 0
and 1 as they were and samples copy 2; a layer choice switching candidates drops the old
candidate's decisions and samples the new one's.

How one decision moves is its kind's `DecisionPoint.mutate`, always to a different value:

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

import random

from archlang.ir.decisions import LOCAL, Assignment, DecisionPoint, DecisionTree


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
    return repair(tree, {**assignment, d.key: d.mutate(assignment[d.key], rng, local=local)},
                  rng)


def repair(tree: DecisionTree, assignment: Assignment, rng: random.Random) -> Assignment:
    """Keep the values of the decisions still active, sample the newly active, drop the rest."""
    return tree.sample(rng, fixed=assignment)


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

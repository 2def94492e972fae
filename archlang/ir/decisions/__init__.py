"""Decision points: the open places of a space, one class per kind, and the tree of their
conditions (see `archlang.ir.decisions.base` for what a decision and an assignment are)."""

from archlang.ir.decisions.assignments import (
    MAX_DRAWS,
    MAX_ENUMERATE,
    SpaceExhausted,
    assignment_key,
    iter_assignments,
    pick_unseen,
)
from archlang.ir.decisions.base import LOCAL, Assignment, DecisionPoint, cond_allows
from archlang.ir.decisions.choice import CandidateChoice, ValueChoice
from archlang.ir.decisions.float_range import FloatRange
from archlang.ir.decisions.int_range import IntRange
from archlang.ir.decisions.subset import Subset
from archlang.ir.decisions.tree import MISSING, OPEN, DecisionTree

__all__ = [
    "LOCAL", "MAX_DRAWS", "MAX_ENUMERATE", "MISSING", "OPEN", "Assignment", "CandidateChoice",
    "DecisionPoint", "DecisionTree", "FloatRange", "IntRange", "SpaceExhausted", "Subset",
    "ValueChoice", "assignment_key", "cond_allows", "iter_assignments", "pick_unseen",
]

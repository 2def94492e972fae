"""Hypothesis strategies over archlang search spaces, for tests of plugins and searchers.

`assignments(space)` draws a valid assignment the way `Space.sample_assignment` does: top
down, so that a decision gets a value only when its condition holds (a repeat copy's
decisions only when the count reaches it, a candidate's decisions only when the candidate
is chosen). Hypothesis shrinks toward the first candidate of each choice, the low end of
each range and the fewest repeat copies. `archs(space)` binds those assignments.

Example (a test of a plugin that must accept every member of a space)::

    from hypothesis import given, settings
    import archlang
    from archlang.testing.strategies import archs

    SPACE = archlang.load("examples/digits.arch").network()

    @settings(max_examples=25, deadline=None)
    @given(archs(SPACE))
    def test_my_plugin_accepts_every_member(arch):
        my_plugin(arch.compile())

Requires the `hypothesis` package (the `test` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from archlang.diagnostics import ArchError
from archlang.ir.decisions import Assignment, DecisionPoint

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.space import Space

__all__ = ["archs", "assignments", "decision_values"]


def decision_values(d: DecisionPoint) -> st.SearchStrategy[Any]:
    """Every value `d` may take, in the form an assignment holds it.

    A choice between plain values draws the values themselves; a choice between layers or
    tensors draws a candidate index; `int` an int in its range; `float` a finite float in its
    range (log-uniform ranges are drawn in log space); `subset` a sorted list of `k` distinct
    candidate indices.
    """
    return d.strategy()


def assignments(space: Space, fixed: Assignment | None = None) -> st.SearchStrategy[Assignment]:
    """Valid assignments of the open decisions of `space`, drawn top-down.

    Args:
        space: the space; only its open decisions are drawn (what `space.fix` settled is
            left out, as `space.bind` expects).
        fixed: values to use for some decisions instead of drawing them; they steer which
            conditional decisions become active.

    The result maps the keys of exactly the active decisions to values, in the order of
    `space.decisions`, so `space.bind(result)` accepts it.
    """
    tree = space.tree
    fixed = dict(fixed or {})

    @st.composite
    def draw_assignment(draw: st.DrawFn) -> Assignment:
        return {d.key: value for d, value in tree.walk(
            lambda d: fixed[d.key] if d.key in fixed else draw(decision_values(d)))}

    return draw_assignment()


def archs(space: Space, *, skip_invalid: bool = False,
          fixed: Assignment | None = None) -> st.SearchStrategy[Arch]:
    """Members of `space`: `space.bind` of `assignments(space)`.

    Args:
        skip_invalid: when True, members whose binding raises an `ArchError` (a shape that
            does not fit, a failed `require`) are rejected and redrawn instead of failing
            the test; by default the error propagates, since in a well-formed space every
            member binds.
        fixed: passed to `assignments`.
    """

    def bind(assignment: Assignment) -> Arch | None:
        try:
            return space.bind(assignment)
        except ArchError:
            if skip_invalid:
                return None
            raise

    drawn = assignments(space, fixed).map(bind)
    if skip_invalid:
        drawn = drawn.filter(lambda a: a is not None)
    return drawn  # type: ignore[return-value]

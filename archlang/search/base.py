"""The one interface every search algorithm implements, and what algorithms share.

An algorithm sees the space only as decisions (``space.decisions``, ``space.tree``) and
the results it is told about; it never builds, trains or imports torch. The search loop
(`archlang.search.loop`) owns binding, evaluating and bookkeeping.
"""

from __future__ import annotations

import operator
import random
from typing import TYPE_CHECKING, Any

from archlang.ir.decisions import Assignment, DecisionPoint, DecisionTree
from archlang.ir.decisions import SpaceExhausted as SpaceExhausted  # searchers import it here
from archlang.ir.decisions import assignment_key as assignment_key  # searchers import it here
from archlang.search.jsontext import sorted_dumps as _key  # assignment_key, made faster

if TYPE_CHECKING:
    from archlang.ir.space import Space

#: False: `Searcher.key_of` always encodes (the reference tests/search/test_loop_fast_paths.py
#: compares against)
REUSE_KEYS = True
#: value types whose JSON text the value's identity settles (immutable scalars)
_SCALARS = frozenset({int, float, str, bool, type(None)})


class SearcherUnavailable(Exception):
    """A searcher cannot run here: an optional dependency is missing (the message says
    what to install). Raised by `Searcher.check_available` and `Searcher.setup`."""


class Searcher:
    """A search algorithm: proposes assignments, learns from their results.

    Call order::

        searcher = SomeSearcher(seed=0)        # keyword-only seed, nothing else required
        searcher.setup(space)                  # once, before anything else
        while ...:
            assignment = searcher.propose()    # raises SpaceExhausted when done
            ...                                # the caller binds and evaluates it
            searcher.observe(assignment, result)

    Several proposals may be pending at once: ``propose`` can be called again before the
    earlier proposals are observed, and ``observe`` may come in any order. A proposal that
    is never observed (a failed bind, a crashed worker) is still never proposed again.

    ``result`` is a dict with ``state`` ("complete", "failed" or "infeasible"), ``metrics``
    (a dict, empty for a failure) and ``score`` (the first objective oriented so that larger
    is better; None unless complete). An infeasible proposal (a `require` or a static
    constraint ruled it out, nothing was trained) is best treated like a failure.

    Resuming a stored search: before any ``propose``, the loop calls
    ``replay(assignment, result)`` for every finished trial of the earlier run, oldest
    first. `replay` calls the `mark_seen` hook (the assignment was already proposed: never
    propose it again: the default adds it to ``proposed``, which `admit` consults) and then
    ``observe``, so an algorithm that learns only in ``observe`` rebuilds its state without
    extra code. Even so the loop never reruns a stored network: a proposal equal to a
    stored trial is answered from storage, as a duplicate, not evaluated.

    Everything random draws from ``self.rng``, a `random.Random` seeded by ``seed``, so a
    searcher proposes the same sequence for the same seed and the same observations.

    Shared helpers: ``admit(assignment)`` is the gate every proposal passes — it refuses an
    assignment proposed before and one that a decision-only `require` of the space rules
    out (`Space.allows`), and remembers what it lets through; ``sample_new()`` draws random
    assignments until one is admitted.
    """

    #: the name the command line knows the algorithm by
    name = "searcher"
    #: what `admit` let through last: its keys and values in order, and its key
    _admitted: tuple[tuple[str, ...], tuple[Any, ...], str] | None = None

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.tree: DecisionTree | None = None
        self.space: Space | None = None
        #: canonical keys (`assignment_key`) of every assignment `admit` let through
        self.proposed: set[str] = set()

    def check_available(self) -> None:
        """Raise `SearcherUnavailable` when an optional dependency the searcher needs is
        missing (the command line checks this before opening storage); default: nothing."""

    def setup(self, space: Space) -> None:
        """Receive the space; subclasses check it here and raise if they cannot search it."""
        self.space = space
        self.tree = space.tree
        self.proposed = set()

    def allows(self, assignment: Assignment) -> bool:
        """False when a `require` of the space that reads only decisions rules it out."""
        return self.space is None or self.space.allows(assignment)

    def admit(self, assignment: Assignment) -> bool:
        """True, and remembered as proposed, when `assignment` is new and allowed."""
        key = _key(assignment)
        if key in self.proposed or not self.allows(assignment):
            return False
        self.proposed.add(key)
        values = tuple(assignment.values())
        self._admitted = ((tuple(assignment), values, key)
                          if _SCALARS.issuperset(map(type, values)) else None)
        return True

    def key_of(self, assignment: Assignment) -> str:
        """`assignment_key` of `assignment`. The loop observes a copy of each proposal: when
        it has the keys (in the same order) and the very value objects of the assignment
        `admit` let through last, all immutable scalars, that key is the same text, so it is
        not encoded again."""
        last = self._admitted
        if (REUSE_KEYS and last is not None and len(assignment) == len(last[1])
                and tuple(assignment) == last[0]
                and all(map(operator.is_, assignment.values(), last[1]))):
            return last[2]
        return _key(assignment)

    def sample_new(self, draws: int = 200) -> Assignment | None:
        """A random assignment that `admit` lets through, or None after `draws` tries."""
        assert self.tree is not None, "call setup(space) first"
        sample = self.tree.sample  # (without the walk where nothing is conditional)
        for _ in range(draws):
            assignment = sample(self.rng)
            if self.admit(assignment):
                return assignment
        return None

    @property
    def decisions(self) -> list[DecisionPoint]:
        assert self.tree is not None, "call setup(space) first"
        return self.tree.decisions

    def propose(self) -> Assignment:
        """A new assignment of every active decision. Raises `SpaceExhausted` when done."""
        raise NotImplementedError

    def observe(self, assignment: Assignment, result: dict[str, Any]) -> None:
        """Learn from the result of a proposal; subclasses call this first.

        A result replayed from storage (observed without having been proposed by this
        searcher, when a search resumes) counts as proposed: it is never proposed again.
        """
        self.proposed.add(self.key_of(assignment))

    def replay(self, assignment: Assignment, result: dict[str, Any] | None) -> None:
        """A trial of an earlier run (resume): `mark_seen`, then `observe` unless `result`
        is None (a trial that is about to be rerun; it is observed when it ends)."""
        self.mark_seen(assignment)
        if result is not None:
            self.observe(assignment, result)

    def mark_seen(self, assignment: Assignment) -> None:
        """`assignment` was proposed before (by an earlier run): never propose it again."""
        self.proposed.add(_key(assignment))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} seed={self.seed}>"

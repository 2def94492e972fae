"""Architecture search: algorithms (`Searcher`), the loop (`run_search`) and its record.

    >>> import archlang
    >>> from archlang.search import get_searcher, run_search
    >>> space = archlang.parse('''
    ... network net() (x: [4]) {
    ...     return x -> linear(choice(2, 4, 8)) -> relu() -> linear(2)
    ... }''').network()
    >>> study = run_search(space, lambda arch: {"val_accuracy": 1 / arch.params},
    ...                    get_searcher("grid", seed=0), budget=10)
    >>> len(study.trials), study.best.assignment, study.stopped.split(":")[0]
    (3, {'net.linear.out': 2}, 'exhausted')
"""

from __future__ import annotations

from archlang.search.base import Searcher, SpaceExhausted, assignment_key
from archlang.search.encoding import from_nested, to_nested
from archlang.search.evolution import RegularizedEvolution
from archlang.search.grid import GridSearch, iter_assignments
from archlang.search.loop import Study, Trial, run_search
from archlang.search.mcts import MCTS
from archlang.search.mutation import mutate
from archlang.search.random_search import RandomSearch

__all__ = [
    "MCTS", "GridSearch", "RandomSearch", "RegularizedEvolution", "Searcher", "SpaceExhausted",
    "Study", "Trial", "assignment_key", "from_nested", "get_searcher", "iter_assignments",
    "mutate", "run_search", "searcher_names", "to_nested",
]

_SEARCHERS: dict[str, type[Searcher]] = {
    cls.name: cls for cls in (RandomSearch, GridSearch, RegularizedEvolution, MCTS)}


def searcher_names() -> list[str]:
    return list(_SEARCHERS)


def get_searcher(name: str, *, seed: int = 0) -> Searcher:
    """A fresh searcher by its command-line name ("random", "grid", "evolution", "mcts")."""
    try:
        cls = _SEARCHERS[name]
    except KeyError:
        raise ValueError(f"unknown search algorithm {name!r}; "
                         f"known: {', '.join(_SEARCHERS)}") from None
    return cls(seed=seed)

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

from typing import Any

from archlang.ir.decisions import iter_assignments
from archlang.search.base import Searcher, SearcherUnavailable, SpaceExhausted, assignment_key
from archlang.search.bo import BayesOpt
from archlang.search.encoding import from_nested, to_nested
from archlang.search.evolution import RegularizedEvolution
from archlang.search.grid import GridSearch
from archlang.search.loop import run_search
from archlang.search.mcts import MCTS
from archlang.search.mutation import mutate
from archlang.search.optuna_search import GPSearch, TPESearch
from archlang.search.random_search import RandomSearch
from archlang.search.study import Study, Trial

__all__ = [
    "MCTS", "BayesOpt", "GPSearch", "GridSearch", "RandomSearch", "RegularizedEvolution",
    "Searcher", "SearcherUnavailable", "SpaceExhausted", "TPESearch",
    "Study", "Trial", "assignment_key", "from_nested", "get_searcher", "iter_assignments",
    "mutate", "run_search", "searcher_names", "to_nested",
]

_SEARCHERS: dict[str, type[Searcher]] = {
    cls.name: cls for cls in (RandomSearch, GridSearch, RegularizedEvolution, MCTS, BayesOpt,
                              TPESearch, GPSearch)}


def searcher_names() -> list[str]:
    return list(_SEARCHERS)


def get_searcher(name: str, *, seed: int = 0) -> Searcher:
    """A fresh searcher by its command-line name ("random", "grid", "evolution", "mcts", "bo",
    and Optuna's "tpe" and "gp", which need ``pip install 'archlang[optuna]'`` when set up)."""
    try:
        cls = _SEARCHERS[name]
    except KeyError:
        raise ValueError(f"unknown search algorithm {name!r}; "
                         f"known: {', '.join(_SEARCHERS)}") from None
    return cls(seed=seed)


def search(space: Any, evaluate: Any, algorithm: str | Searcher = "random", *, budget: int = 20,
           seed: int = 0, objective: str = "val_accuracy", direction: str = "maximize",
           on_trial: Any = None, executor: str = "inprocess", workers: int = 1,
           threads: int | None = 1) -> Study:
    """Search `space` from Python, with the engine the command line uses; returns the Study.

    `space` is a Space (or an archlang.dsl network); ``evaluate(arch) -> {metric: value}``
    scores one architecture; `algorithm` is a name `searcher_names()` lists (or a Searcher).
    `executor` and `workers` say where evaluations run (`archlang.search.executors`), and
    each runs with torch on `threads` intra-op threads (None: torch's default, one per core).

        >>> import archlang
        >>> from archlang.search import search
        >>> space = archlang.parse('''
        ... network net() (x: [4]) {
        ...     return x -> linear(choice(2, 4, 8)) -> relu() -> linear(2)
        ... }''').network()
        >>> study = search(space, lambda a: {"val_accuracy": -a.params}, "grid", budget=5)
        >>> study.best.assignment
        {'net.linear.out': 2}

    It lives here, not at ``archlang.search(...)``: that name is this package, and a
    package cannot also be a function.
    """
    if hasattr(space, "space") and callable(space.space):
        space = space.space()
    searcher = algorithm if isinstance(algorithm, Searcher) else get_searcher(algorithm,
                                                                            seed=seed)
    return run_search(space, evaluate, searcher, budget, on_trial, objective=objective,
                      direction=direction, executor=executor, workers=workers,
                      threads=threads)


__all__ += ["search"]

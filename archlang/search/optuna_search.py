"""Optuna's model-based samplers (TPE, GP) behind archlang's `Searcher` interface.

Optuna is an optional dependency (``pip install 'archlang[optuna]'``): it is imported in
`setup`, never by ``import archlang``; without it `setup` (and `check_available`) raise
`SearcherUnavailable`, which the command line shows as a usage error.

How the decision tree becomes Optuna parameters (define-by-run, one Optuna trial per
proposal): the tree is walked top-down and only the *active* decisions are suggested, so a
conditional decision exists in a trial only when its parent's value activates it. Each
decision is one parameter named by its key:

* ``choice`` of plain values (str, int, float, bool, None, no two equal to Optuna) ->
  ``suggest_categorical`` over the values themselves; any other choice (layers, tensors,
  values Optuna would confuse such as ``1`` and ``True``) -> categorical over the indexes;
* ``int`` -> ``suggest_int(low, high)``; ``float`` -> ``suggest_float(low, high, log=...)``;
* ``subset(k, ...)`` of n candidates -> one categorical over the C(n, k) combinations (their
  index in `DecisionPoint.domain` order) when there are at most `MAX_COMBINATIONS`; past
  that, one float in [0, 1] per candidate, named ``KEY[i]``, and the k largest are picked
  (ties: the lower index). Both always give a valid subset.

Proposals and results: the study maximizes the searcher's ``score`` ("larger is better");
a result without a score (failed, infeasible) is told as ``FAIL``, which both samplers
ignore. Several proposals may be pending: each keeps its Optuna trial until `observe`
tells it (TPE runs with Optuna's ``constant_liar``, so pending trials steer it away from
proposing their neighbourhood again). A suggestion that `admit` refuses is told at once
and the study is asked again, up to ``max_tries`` times (32 for TPE; 4 for GP, whose every
ask fits a model): a repeat of an assignment whose result is known is told that result
(what Optuna's own loop would have measured, but no evaluation is spent on it), so the
model moves on as it would in Optuna; a repeat still pending, or an assignment a
decision-only `require` rules out, is told ``FAIL``. After ``max_tries`` refusals the
proposal is a random new one (`sample_new`, then what is left of a finite space), and its
result reaches the model through ``study.add_trial`` like a replayed one.

Resume: `replay` -> `observe` of a result that this searcher did not propose adds it to
the study as a finished trial (``optuna.trial.create_trial`` with the same
distributions), so the model learns from every stored trial.

Seeded and deterministic: the sampler gets ``seed`` (``TPESampler(seed=)``,
``GPSampler(seed=)``), and the fallback draws from ``self.rng``.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

from archlang.ir.decisions import Assignment, DecisionPoint, cond_allows
from archlang.search.base import Searcher, SearcherUnavailable, assignment_key
from archlang.search.random_search import pick_unseen

if TYPE_CHECKING:
    from archlang.ir.space import Space

#: the most subsets a subset decision may have to be one categorical parameter
MAX_COMBINATIONS = 1000
INSTALL = "pip install 'archlang[optuna]'"
_PLAIN = (str, int, float, bool, type(None))


def import_optuna() -> Any:
    """Optuna, with its logging quietened, or `SearcherUnavailable` saying how to install it."""
    try:
        import optuna
    except ImportError:
        raise SearcherUnavailable("this search algorithm uses Optuna, which is not "
                                  f"installed: {INSTALL}") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class OptunaSearch(Searcher):
    """An Optuna sampler driven by ask/tell over the active decisions (see the module
    docstring). Subclasses say which sampler: `make_sampler`."""

    name = "optuna"
    #: suggestions `admit` may refuse in a row before a proposal falls back to random
    max_tries = 32

    def __init__(self, *, seed: int = 0, **sampler_options: Any) -> None:
        super().__init__(seed=seed)
        #: keyword arguments for the sampler (e.g. ``n_startup_trials=5``)
        self.sampler_options = sampler_options

    def make_sampler(self, optuna: Any) -> Any:
        raise NotImplementedError

    def check_available(self) -> None:
        import_optuna()

    def setup(self, space: Space) -> None:
        optuna = import_optuna()
        super().setup(space)
        self._optuna = optuna
        with warnings.catch_warnings():  # the GP sampler and constant_liar are "experimental"
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = self.make_sampler(optuna)
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        #: assignment key -> the Optuna trial that proposed it, until it is observed
        self.pending: dict[str, Any] = {}
        #: assignment key -> the score observed for it (None: failed)
        self.scores: dict[str, float | None] = {}
        self._combos = {d.key: [tuple(c) for c in d.domain()] for d in self.decisions
                        if d.kind == "subset" and d.cardinality() <= MAX_COMBINATIONS}

    # ------------------------------------------------------------ proposing

    def propose(self) -> Assignment:
        assert self.tree is not None, "call setup(space) first"
        fail = self._optuna.trial.TrialState.FAIL
        for _ in range(self.max_tries):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the GP sampler's fallback-sampling notes
                trial = self.study.ask()
                assignment = self._suggest(trial)
            if self.admit(assignment):
                self.pending[assignment_key(assignment)] = trial
                return assignment
            known = self.scores.get(assignment_key(assignment))
            if known is not None:
                self.study.tell(trial, known)
            else:
                self.study.tell(trial, state=fail)
        assignment = self.sample_new()
        return assignment if assignment is not None else pick_unseen(self)

    def _suggest(self, trial: Any) -> Assignment:
        """Walk the tree top-down, suggesting only the decisions that are active."""
        assert self.tree is not None
        out: Assignment = {}
        stack = list(reversed(self.tree.roots))
        while stack:
            d = stack.pop()
            value = self._suggest_one(trial, d)
            out[d.key] = value
            stack.extend(reversed([c for c in self.tree.children.get(d.key, [])
                                   if cond_allows(c.cond, value)]))  # type: ignore[arg-type]
        return {d.key: out[d.key] for d in self.decisions if d.key in out}

    def _suggest_one(self, trial: Any, d: DecisionPoint) -> Any:
        if d.kind == "int":
            return trial.suggest_int(d.key, int(d.low), int(d.high))  # type: ignore[arg-type]
        if d.kind == "float":
            return trial.suggest_float(d.key, float(d.low), float(d.high),  # type: ignore[arg-type]
                                       log=d.log)
        if d.kind == "choice":
            if _plain_values(d):
                return trial.suggest_categorical(d.key, list(d.values))  # type: ignore[arg-type]
            i = trial.suggest_categorical(d.key, list(range(len(d.labels))))
            return d.values[i] if d.values is not None else i
        if d.key in self._combos:
            combos = self._combos[d.key]
            return list(combos[trial.suggest_categorical(d.key, list(range(len(combos))))])
        weights = [trial.suggest_float(f"{d.key}[{i}]", 0.0, 1.0) for i in range(len(d.labels))]
        return sorted(sorted(range(len(weights)), key=lambda i: (-weights[i], i))[:d.k])

    # ------------------------------------------------------------ learning

    def observe(self, assignment: Assignment, result: dict[str, Any]) -> None:
        super().observe(assignment, result)
        states = self._optuna.trial.TrialState
        score = result.get("score")
        ok = score is not None and math.isfinite(score)
        key = assignment_key(assignment)
        self.scores[key] = float(score) if ok else None
        trial = self.pending.pop(key, None)
        if trial is not None:
            if ok:
                self.study.tell(trial, float(score))
            else:
                self.study.tell(trial, state=states.FAIL)
            return
        params, distributions = self._params(assignment)
        self.study.add_trial(self._optuna.trial.create_trial(
            params=params, distributions=distributions,
            value=float(score) if ok else None, state=states.COMPLETE if ok else states.FAIL))

    def _params(self, assignment: Assignment) -> tuple[dict[str, Any], dict[str, Any]]:
        """The Optuna parameters and distributions that `_suggest` would give `assignment`."""
        dist = self._optuna.distributions
        params: dict[str, Any] = {}
        distributions: dict[str, Any] = {}
        for d in self.decisions:
            if d.key not in assignment:
                continue
            value = assignment[d.key]
            if d.kind == "int":
                distributions[d.key] = dist.IntDistribution(int(d.low), int(d.high))  # type: ignore[arg-type]
                params[d.key] = int(value)
            elif d.kind == "float":
                distributions[d.key] = dist.FloatDistribution(
                    float(d.low), float(d.high), log=d.log)  # type: ignore[arg-type]
                params[d.key] = float(value)
            elif d.kind == "choice":
                if _plain_values(d):
                    distributions[d.key] = dist.CategoricalDistribution(list(d.values))  # type: ignore[arg-type]
                    params[d.key] = d.normalize(value)
                else:
                    distributions[d.key] = dist.CategoricalDistribution(
                        list(range(len(d.labels))))
                    params[d.key] = d.index_of(value)
            elif d.key in self._combos:
                combos = self._combos[d.key]
                distributions[d.key] = dist.CategoricalDistribution(list(range(len(combos))))
                params[d.key] = combos.index(tuple(sorted(value)))
            else:
                chosen = set(value)
                for i in range(len(d.labels)):
                    name = f"{d.key}[{i}]"
                    distributions[name] = dist.FloatDistribution(0.0, 1.0)
                    params[name] = 1.0 if i in chosen else 0.0
        return params, distributions

    def __repr__(self) -> str:
        return f"<{type(self).__name__} seed={self.seed}>"


def _plain_values(d: DecisionPoint) -> bool:
    """True when Optuna can hold a choice's values as they are: plain, and no two of them
    equal under Python's ``==`` (Optuna finds a value by ``list.index``: 1 == True == 1.0)."""
    if d.values is None or not all(isinstance(v, _PLAIN) for v in d.values):
        return False
    return all(not (a == b) for i, a in enumerate(d.values) for b in d.values[i + 1:])


class TPESearch(OptunaSearch):
    """Optuna's tree-structured Parzen estimator (``TPESampler``, its defaults, with
    ``constant_liar`` so that pending proposals count)."""

    name = "tpe"

    def make_sampler(self, optuna: Any) -> Any:
        options = {"constant_liar": True, **self.sampler_options}
        return optuna.samplers.TPESampler(seed=self.seed, **options)


class GPSearch(OptunaSearch):
    """Optuna's Gaussian-process Bayesian optimization (``GPSampler``, its defaults; it
    needs torch and scipy, and costs about a second of CPU per proposal after 100 trials)."""

    name = "gp"
    max_tries = 4

    def make_sampler(self, optuna: Any) -> Any:
        # a conditional decision is not in every trial: GP models the decisions every trial
        # has and samples the others at random, which Optuna would log each time
        options = {"warn_independent_sampling": False, **self.sampler_options}
        return optuna.samplers.GPSampler(seed=self.seed, **options)


__all__ = ["GPSearch", "OptunaSearch", "TPESearch", "import_optuna"]

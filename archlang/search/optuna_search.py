"""Optuna's model-based samplers (TPE, GP) behind archlang's `Searcher` interface.

Optuna is an optional dependency (``pip install 'archlang[optuna]'``): it is imported in
`setup`, never by ``import archlang``; without it `setup` (and `check_available`) raise
`SearcherUnavailable`, which the command line shows as a usage error.

How the decision tree becomes Optuna parameters (define-by-run, one Optuna trial per
proposal): the tree is walked top-down and only the *active* decisions are suggested, so a
conditional decision exists in a trial only when its parent's value activates it. Each
decision is one parameter named by its key (each kind says how: `DecisionPoint.suggest`
and `DecisionPoint.optuna_params`):

* ``choice`` of plain values (str, int, float, bool, None, no two equal to Optuna) ->
  ``suggest_categorical`` over the values themselves; any other choice (layers, tensors,
  values Optuna would confuse such as ``1`` and ``True``) -> categorical over the indexes;
* ``int`` -> ``suggest_int(low, high)``; ``float`` -> ``suggest_float(low, high, log=...)``;
* ``subset(k, ...)`` of n candidates -> one categorical over the C(n, k) combinations (their
  index in `Subset.domain` order) when there are at most `subset.MAX_COMBINATIONS`; past
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

from archlang.ir.decisions import Assignment, pick_unseen
from archlang.search.base import Searcher, SearcherUnavailable, assignment_key

if TYPE_CHECKING:
    from archlang.ir.space import Space

INSTALL = "pip install 'archlang[optuna]'"


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
        return {d.key: value for d, value in self.tree.walk(lambda d: d.suggest(trial))}

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
            if d.key in assignment:
                p, ds = d.optuna_params(assignment[d.key], dist)
                params.update(p)
                distributions.update(ds)
        return params, distributions

    def __repr__(self) -> str:
        return f"<{type(self).__name__} seed={self.seed}>"


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

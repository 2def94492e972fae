"""Bayesian optimization of archlang's own: a Gaussian process on the decisions, local search
for the acquisition, and no network proposed twice (by `Arch.hash`).

The model. Each assignment is encoded decision by decision (`DecisionPoint.encode`: one-hot
for a choice, one 1 per member for a subset, a number in [0, 1] for a wide range; an
inactive decision is all zeros). Between two assignments the distance in decision ``d`` is
``delta_d = |x_d - x'_d|^2 / 2``: 0 for equal values, 1 for two different choices, 1/2
between an active and an inactive decision. The kernel is a categorical ("Hamming")
exponential kernel with one weight per decision,

    k(x, x') = exp(-sum_d theta_d * delta_d(x, x')),

on standardized scores, plus a noise term. The weights ``theta_d`` and the noise are fitted
by maximizing the marginal likelihood (Rprop, log-normal prior on the weights), refitted
after ``refit_every`` new observations (or a fifth more, whichever is more) and warm-started
from the last fit, so a decision that does not matter gets a small weight (the model's
measure of importance, as MCTS's omega squared). A failed or infeasible trial counts as the
worst score seen (it is not worth coming back to). Past ``max_points`` observations the model
keeps the best half of them and the most recent half, so a proposal's cost stays bounded in
long searches.

The acquisition. Expected improvement over the best observed score, maximized over a pool of
candidates rather than the whole space (White et al. 2021, BANANAS; and 2020, local search
is a strong baseline on NAS benchmarks): every single-decision change of the ``top_k`` best
observed assignments (wide decisions: a few random local moves; a change that (de)activates
children repairs them as `mutation.mutate` does), two-step changes of the best, and
``random_pool`` fresh samples. The first ``n_init`` proposals are random.

Pending proposals (several workers): each one in flight is added to the model as a
*kriging believer* (its score taken to be the model's own mean there), which leaves the mean
unchanged but shrinks the uncertainty around it, so the next proposal goes elsewhere.

Networks, not assignments. Many assignments wire the same network (NAS-Bench-Graph's
157,464 assignments are 26,207 networks). Before proposing a candidate the searcher binds it
(`Space.bind`, no torch: the elaborated graph) and reads `Arch.hash`; a candidate whose
network was proposed or observed before is passed over for the next best, up to
``hash_tries`` binds; then up to ``hash_tries`` random draws; only then is a new assignment
of a known network proposed (the loop answers it from storage, without a query), so a space
whose new networks are used up still ends in `SpaceExhausted` after every assignment.
Resuming replays stored trials through `observe`; their hashes are computed then (one bind
each).

Everything random draws from ``self.rng``; the linear algebra is NumPy's, so a seed
gives the same proposals. Defaults (``n_init=5, top_k=5, random_pool=40, refit_every=5,
max_points=200``) were chosen on NAS-Bench-Graph's cora, citeseer, pubmed and proteins at
budget 100 (20 seeds each) among three settings: ``n_init=10, top_k=3`` reached the top 1%
later on cora (41.8 queries against 32.7) and ``top_k=5, random_pool=80`` was level at more
CPU; see benchmarks/README.md for the comparison with the other searchers.
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from archlang.diagnostics import ArchError
from archlang.ir.decisions import Assignment, DecisionPoint, pick_unseen
from archlang.search.base import Searcher, assignment_key
from archlang.search.gp_model import CategoricalGP
from archlang.search.mcts import value_key
from archlang.search.mutation import mutable, mutate

if TYPE_CHECKING:
    from archlang.ir.space import Space

#: decisions with more values than this get random local moves instead of every neighbour
WIDE = 16
#: random local moves of a wide decision per incumbent
WIDE_MOVES = 4


class BayesOpt(Searcher):
    """GP with a per-decision categorical kernel, expected improvement over local moves."""

    name = "bo"

    def __init__(self, *, seed: int = 0, n_init: int = 5, top_k: int = 5,
                 random_pool: int = 40, refit_every: int = 5, hash_tries: int = 8,
                 max_points: int = 200) -> None:
        super().__init__(seed=seed)
        if min(n_init, top_k, refit_every, hash_tries) < 1 or random_pool < 0 or \
                max_points < 2 * top_k:
            raise ValueError("n_init, top_k, refit_every and hash_tries must be >= 1, "
                             "random_pool >= 0 and max_points >= 2 * top_k, but got "
                             f"(n_init={n_init}, top_k={top_k}, random_pool={random_pool}, "
                             f"refit_every={refit_every}, hash_tries={hash_tries}, "
                             f"max_points={max_points})")
        self.n_init, self.top_k, self.random_pool = n_init, top_k, random_pool
        self.refit_every, self.hash_tries = refit_every, hash_tries
        self.max_points = max_points

    def setup(self, space: Space) -> None:
        super().setup(space)
        assert self.tree is not None
        decisions = self.tree.decisions
        self._blocks: list[tuple[int, int]] = []
        offset = 0
        for d in decisions:
            self._blocks.append((offset, offset + d.encoding_width()))
            offset += d.encoding_width()
        self._width = offset
        self._index = {d.key: i for i, d in enumerate(decisions)}
        self._parents = {d.cond[0] for d in decisions if d.cond is not None}
        self._codes: dict[tuple[str, Any], list[tuple[int, float]]] = {}
        #: observed (assignment, encoding, score or None), in observation order
        self.observed: list[tuple[Assignment, np.ndarray, float | None]] = []
        self.pending: dict[str, np.ndarray] = {}
        self.hashes: set[str] = set()  # networks proposed or observed
        self._hash_of: dict[str, str | None] = {}
        self.model = CategoricalGP(self._blocks)
        self._fitted_at = 0

    # ------------------------------------------------------------ encoding

    def encode(self, assignment: Assignment) -> np.ndarray:
        """The assignment's vector: one block per decision, zeros where inactive."""
        x = np.zeros(self._width)
        for key, value in assignment.items():
            i = self._index.get(key)
            if i is None:
                continue
            code_key = (key, value_key(value))
            code = self._codes.get(code_key)
            if code is None:
                code = self._codes[code_key] = self.decisions[i].encode(value)
            start = self._blocks[i][0]
            for j, v in code:
                x[start + j] = v
        return x

    # ------------------------------------------------------------ the model

    def _data(self) -> tuple[np.ndarray, np.ndarray]:
        """The model's points and standardized scores (failures: the worst score); past
        `max_points` observations, the best half of them and the most recent half."""
        scores = [s for _, _, s in self.observed if s is not None]
        worst = min(scores) if scores else 0.0
        points = self.observed
        if len(points) > self.max_points:
            half = self.max_points // 2
            recent = set(range(len(points) - half, len(points)))
            rest = sorted((i for i in range(len(points)) if i not in recent),
                          key=lambda i: -(worst if points[i][2] is None else points[i][2]))
            points = [points[i] for i in sorted(recent | set(rest[:self.max_points - half]))]
        x = np.array([e for _, e, _ in points])
        y = np.array([worst if s is None else s for _, _, s in points])
        sd = y.std()
        return x, (y - y.mean()) / (sd if sd > 0 else 1.0)

    # ------------------------------------------------------------ proposing

    def propose(self) -> Assignment:
        assert self.tree is not None, "call setup(space) first"
        ranked: list[Assignment] = []
        if len(self.observed) >= self.n_init:
            ranked = self._ranked()
        tries, fallback = 0, None
        for cand in ranked:  # the best new network the model ranks within `hash_tries` binds
            if tries >= self.hash_tries:
                break
            if assignment_key(cand) in self.proposed or not self.allows(cand):
                continue
            h = self._hash(cand)
            tries += 1
            if h is None or h not in self.hashes:
                return self._take(cand, h)
            fallback = fallback or cand
        for _ in range(self.hash_tries):  # a random new network (before n_init: the rule)
            cand = self.sample_new()
            if cand is None:
                break
            self.proposed.discard(assignment_key(cand))
            h = self._hash(cand)
            if h is None or h not in self.hashes:
                return self._take(cand, h)
        if fallback is None:  # only equal networks left nearby: a new assignment of one
            fallback = self.sample_new() or pick_unseen(self)
            self.proposed.discard(assignment_key(fallback))
        return self._take(fallback, self._hash(fallback))

    def _take(self, cand: Assignment, h: str | None) -> Assignment:
        key = assignment_key(cand)
        self.proposed.add(key)
        if h is not None:
            self.hashes.add(h)
        self.pending[key] = self.encode(cand)
        return cand

    def _hash(self, assignment: Assignment) -> str | None:
        """The network's `Arch.hash`; None when it does not bind (the loop reports why)."""
        key = assignment_key(assignment)
        if key not in self._hash_of:
            assert self.space is not None
            try:
                self._hash_of[key] = self.space.bind(assignment).hash
            except ArchError:
                self._hash_of[key] = None
        return self._hash_of[key]

    def _ranked(self) -> list[Assignment]:
        """The candidate pool, best expected improvement first."""
        cands = self._pool()
        if not cands:
            return []
        with _one_blas_thread():
            return self._rank(cands)

    def _rank(self, cands: list[Assignment]) -> list[Assignment]:
        x, y = self._data()
        grown = len(self.observed) - self._fitted_at
        if not self._fitted_at or grown >= max(self.refit_every, self._fitted_at // 5):
            self.model.fit(self.model.deltas(x, x), y)
            self._fitted_at = len(self.observed)
        enc = np.array([self.encode(c) for c in cands])
        fantasies = np.array(list(self.pending.values())).reshape(-1, self._width)
        mean, sd = self.model.posterior(x, y, enc, fantasies)
        ei = _expected_improvement(mean, sd, float(y.max()))
        order = sorted(range(len(cands)), key=lambda i: -ei[i])
        return [cands[i] for i in order]

    def _pool(self) -> list[Assignment]:
        assert self.tree is not None
        done = [(a, s) for a, _, s in self.observed if s is not None]
        done.sort(key=lambda p: -p[1])  # stable: ties keep observation order
        out: dict[str, Assignment] = {}

        def add(a: Assignment) -> None:
            key = assignment_key(a)
            if key not in self.proposed:
                out.setdefault(key, a)

        for incumbent, _ in done[:self.top_k]:
            for cand in self._neighbours(incumbent):
                add(cand)
        if done and mutable(self.tree, done[0][0]):
            for _ in range(self.random_pool // 2):
                add(mutate(self.tree, mutate(self.tree, done[0][0], self.rng), self.rng))
        for _ in range(self.random_pool):
            add(self.tree.sample(self.rng))
        return list(out.values())

    def _neighbours(self, a: Assignment) -> list[Assignment]:
        """Every single-decision change of `a` (wide decisions: a few local moves)."""
        assert self.tree is not None
        out = []
        for d in mutable(self.tree, a):
            for value in self._moves(d, a[d.key]):
                cand = {**a, d.key: value}
                if d.key in self._parents:
                    cand = self.tree.sample(self.rng, fixed=cand)
                out.append(cand)
        return out

    def _moves(self, d: DecisionPoint, value: Any) -> list[Any]:
        if d.cardinality() <= WIDE:
            return [v for v in d.domain() if value_key(v) != value_key(value)]
        return [d.mutate(value, self.rng) for _ in range(WIDE_MOVES)]

    # ------------------------------------------------------------ observing

    def observe(self, assignment: Assignment, result: dict[str, Any]) -> None:
        super().observe(assignment, result)
        key = self.key_of(assignment)
        encoding = self.pending.pop(key, None)
        if encoding is None:
            encoding = self.encode(assignment)
        h = self._hash(assignment)
        if h is not None:
            self.hashes.add(h)
        score = result.get("score")
        self.observed.append((dict(assignment), encoding,
                              None if score is None else float(score)))

    def __repr__(self) -> str:
        return (f"<BayesOpt seed={self.seed} n_init={self.n_init} top_k={self.top_k} "
                f"random_pool={self.random_pool}>")


_CONTROLLER: list[Any] = []


def _one_blas_thread() -> Any:
    """A context where BLAS runs on one thread: the matrices here are ~100 x 100, and on a
    loaded machine OpenBLAS's threads made a Cholesky solve 50x slower (10 ms, not 0.2)."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # scikit-learn brings it; without it, BLAS's own threads
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(ThreadpoolController())
    if _CONTROLLER[0] is None:
        return contextlib.nullcontext()
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


_ERF = np.vectorize(math.erf, otypes=[float])


def _expected_improvement(mean: np.ndarray, sd: np.ndarray, best: float) -> np.ndarray:
    z = (mean - best) / sd
    cdf = 0.5 * (1.0 + _ERF(z / math.sqrt(2.0)))
    return (mean - best) * cdf + sd * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


__all__ = ["BayesOpt"]

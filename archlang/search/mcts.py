"""Monte Carlo tree search over the sequence of decisions (UCT), with shared statistics.

The tree: a walk takes the space's decisions one after another in ``self.order``; a node is
the prefix of (decision, value) pairs taken so far, so every walk that made the same first
choices shares the node's statistics. A conditional decision joins the walk only when the
values already taken activate it (its parent always comes earlier in the order), so the
tree reveals conditional decisions as the walk goes. A full walk is one proposal.

Choosing a value at a node (UCT with a prior):

    value(child) = (sum of child's rewards + K * prior) / (child's visits + K)
    ucb(child)   = normalize(value(child)) + C * sqrt(ln(visits of node + 1) / (visits + 1))

* ``prior`` is the decision's *marginal* statistic: the mean reward of every observed
  assignment that gave this decision this value, wherever it sat in the tree (shrunk towards
  the global mean by one pseudo-observation). This is RAVE/AMAF from game-tree search: a
  child never visited at this node still has an informed value, which matters at budgets
  of ~100, where the tree below the first two levels is nearly empty. K = ``prior_weight``;
  ``prior_weight=0`` turns the prior off (plain UCT: an unvisited child is worth the mean).
* rewards are normalized to [0, 1] by the lowest and highest scores observed so far.
* pending proposals count as visits that scored the worst score seen (virtual loss), so
  proposals made before their predecessors' results arrive spread out over the tree;
  failed trials count the same way, for good.
* decisions with more than ``WIDE`` values (int ranges, floats, large subsets) grow their
  children by progressive widening: a node visited N times has at most
  ``ceil(widen_c * (N + 1) ** widen_alpha)`` children; a new child is a fresh sample or,
  half of the time, a local move from the node's best child.

Decision order. DeepArchitect's MCTS walks decisions in declaration order and ties random
search on NAS-Bench-Graph: the first levels of its tree are weakly informative link
choices. Here the order is *measured*: after ``reorder_at`` observations and at every
doubling of that count, each decision's importance is estimated as its omega squared
(the share of reward variance explained by the decision's value, corrected for the number
of values; wide decisions binned into quartiles) and the decisions are ordered most
important first (a parent still before its children). The tree is then rebuilt by
replaying the observed results through the new order — the statistics are sums, so
replaying loses nothing.

A walk that ends on an assignment already proposed, or one a `require` rules out, is
mutated (`mutation.mutate`) until it is new — ``NEAR_TRIES`` single steps from the walk's
end, then a random walk of steps, which leaves an exhausted neighbourhood quickly in long
searches — and after ``MAX_TRIES`` steps falls back to random.

Defaults (C=0.03, K=1, reorder at 10) were tuned on NAS-Bench-Graph at budget 100; see
`benchmarks/tune_nasbench_graph.py` and benchmarks/README.md for the measured figures. Its
ablation: there, the low exploration constant is what matters most; the order and the prior
move the queries needed to reach the top 1% by a few, either way.
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING, Any

from archlang.ir.decisions import MISSING, Assignment, DecisionPoint, pick_unseen
from archlang.search.base import Searcher, assignment_key
from archlang.search.mutation import mutable, mutate

if TYPE_CHECKING:
    from archlang.ir.space import Space

#: decisions with more values than this grow their children by progressive widening
WIDE = 16
#: mutations of a walk that collided before falling back to random
MAX_TRIES = 32
#: of those, how many are single mutations of the walk before they start to chain
NEAR_TRIES = 8

Node = tuple[tuple[str, Any], ...]


def value_key(value: Any) -> Any:
    """A hashable stand-in for an assignment value (subsets are lists)."""
    return tuple(value) if isinstance(value, list) else value


class _Stats:
    """Visits and reward sums of one node (or one decision value)."""

    __slots__ = ("n", "total", "pending", "failed")

    def __init__(self) -> None:
        self.n = 0          # observed successes
        self.total = 0.0    # sum of their scores
        self.pending = 0    # proposals not observed yet (virtual loss)
        self.failed = 0     # observed failures (a lasting loss)


class MCTS(Searcher):
    """UCT over the decision sequence, with marginal priors and a measured decision order."""

    name = "mcts"

    def __init__(self, *, seed: int = 0, exploration: float = 0.03, prior_weight: float = 1.0,
                 reorder_at: int = 10, widen_c: float = 1.0, widen_alpha: float = 0.5) -> None:
        super().__init__(seed=seed)
        self.exploration = exploration
        self.prior_weight = prior_weight
        self.reorder_at = reorder_at
        self.widen_c, self.widen_alpha = widen_c, widen_alpha

    def setup(self, space: Space) -> None:
        super().setup(space)
        assert self.tree is not None
        self.order: list[DecisionPoint] = list(self.tree.decisions)
        self.history: list[tuple[Assignment, float | None]] = []
        self.pending: dict[str, Assignment] = {}
        self.marginal: dict[tuple[str, Any], _Stats] = {}
        self.lo = self.hi = None
        self.sum = 0.0
        self.n = 0
        self.next_reorder = self.reorder_at
        self._clear_tree()

    def _clear_tree(self) -> None:
        self.nodes: dict[Node, _Stats] = {}
        self.widened: dict[tuple[Node, str], list[Any]] = {}

    # ------------------------------------------------------------ proposing

    def propose(self) -> Assignment:
        assert self.tree is not None, "call setup(space) first"
        assignment = self._walk()
        if not self.admit(assignment):
            assignment = self._escape(assignment)
        self.pending[assignment_key(assignment)] = assignment
        for node in self.path(assignment):
            self._node(node).pending += 1
        return assignment

    def _escape(self, start: Assignment) -> Assignment:
        """A new assignment near a walk that ended on one proposed before: first single
        mutations of it, then a random walk of mutations, to leave an exhausted
        neighbourhood quickly."""
        assert self.tree is not None
        if mutable(self.tree, start):
            child = start
            for attempt in range(MAX_TRIES):
                child = mutate(self.tree, start if attempt < NEAR_TRIES else child, self.rng)
                if self.admit(child):
                    return child
        found = self.sample_new()
        return found if found is not None else pick_unseen(self)

    def _walk(self) -> Assignment:
        assert self.tree is not None
        node: Node = ()

        def choose(d: DecisionPoint) -> Any:
            nonlocal node
            value = self._select(node, d)
            node = node + ((d.key, value_key(value)),)
            return value

        taken = {d.key: value for d, value in self.tree.walk(choose, order=self.order)}
        return {d.key: taken[d.key] for d in self.tree.decisions if d.key in taken}

    def _select(self, node: Node, d: DecisionPoint) -> Any:
        here = self.nodes.get(node)
        visits = 0 if here is None else here.n + here.pending + here.failed
        log_n = math.log(visits + 1)
        best, best_score = None, -math.inf
        for value in self._candidates(node, d):
            child = self.nodes.get(node + ((d.key, value_key(value)),))
            score = self._ucb(child, self.marginal.get((d.key, value_key(value))), log_n)
            score += 1e-9 * self.rng.random()  # ties broken at random, reproducibly
            if score > best_score:
                best, best_score = value, score
        return best

    def _ucb(self, child: _Stats | None, marg: _Stats | None, log_n: float) -> float:
        mean = self.sum / self.n if self.n else 0.0
        k = self.prior_weight
        prior = (marg.total + mean) / (marg.n + 1) if marg is not None and k > 0 else mean
        worst = self.lo if self.lo is not None else 0.0
        if child is None:
            value, seen = prior, 0
        else:
            losses = child.pending + child.failed
            seen = child.n + losses
            value = (child.total + losses * worst + k * prior) / (seen + k)
        return self._normalize(value) + self.exploration * math.sqrt(log_n / (seen + 1))

    def _normalize(self, value: float) -> float:
        if self.lo is None or self.hi is None or self.hi <= self.lo:
            return 0.5
        return (value - self.lo) / (self.hi - self.lo)

    def _candidates(self, node: Node, d: DecisionPoint) -> list[Any]:
        if d.cardinality() <= WIDE:
            return list(d.domain())
        kids = self.widened.setdefault((node, d.key), [])
        here = self.nodes.get(node)
        if len(kids) < (self._room(here) if here is not None else 1):
            self._widen(node, d, kids)
        return kids

    def _room(self, s: _Stats) -> int:
        """How many children a widened decision may have at a node with these stats."""
        return math.ceil(self.widen_c * (s.n + s.pending + s.failed + 1) ** self.widen_alpha)

    def _widen(self, node: Node, d: DecisionPoint, kids: list[Any]) -> None:
        """Add one child: a local move from the best child half of the time, else a sample."""
        for _ in range(8):
            if kids and self.rng.random() < 0.5:
                best = max(kids, key=lambda v: self._child_mean(node, d, v))
                value = d.mutate(best, self.rng, local=1.0)
            else:
                value = d.sample(self.rng)
            if all(value_key(value) != value_key(k) for k in kids):
                kids.append(value)
                return

    def _child_mean(self, node: Node, d: DecisionPoint, value: Any) -> float:
        s = self.nodes.get(node + ((d.key, value_key(value)),))
        return s.total / s.n if s is not None and s.n else -math.inf

    # ------------------------------------------------------------ observing

    def observe(self, assignment: Assignment, result: dict[str, Any]) -> None:
        super().observe(assignment, result)
        key = assignment_key(assignment)
        path = self.path(assignment)
        if self.pending.pop(key, None) is not None:
            for node in path:
                self._node(node).pending -= 1
        score = result.get("score")
        score = None if score is None else float(score)
        self.history.append((dict(assignment), score))
        self._record(assignment, score, path)
        if score is not None:
            self.lo = score if self.lo is None else min(self.lo, score)
            self.hi = score if self.hi is None else max(self.hi, score)
            self.sum += score
            self.n += 1
            for k, v in assignment.items():
                s = self.marginal.setdefault((k, value_key(v)), _Stats())
                s.n += 1
                s.total += score
        if self.reorder_at and self.n >= self.next_reorder:
            self.next_reorder *= 2
            self.reorder()

    def _record(self, assignment: Assignment, score: float | None, path: list[Node]) -> None:
        for i, node in enumerate(path):
            s = self._node(node)
            if score is None:
                s.failed += 1
            else:
                s.n += 1
                s.total += score
            if i + 1 < len(path):  # a value met off the walk (an escape) joins if room
                key, value = path[i + 1][-1]
                d = self.tree.by_key[key]  # type: ignore[union-attr]
                if d.cardinality() > WIDE:
                    kids = self.widened.setdefault((node, key), [])
                    if len(kids) < self._room(s) and all(value_key(k) != value for k in kids):
                        kids.append(assignment[key])

    def _node(self, node: Node) -> _Stats:
        s = self.nodes.get(node)
        if s is None:
            s = self.nodes[node] = _Stats()
        return s

    def path(self, assignment: Assignment) -> list[Node]:
        """The nodes a walk to `assignment` passes, the root first."""
        assert self.tree is not None
        node: Node = ()
        out = [node]
        for d, value in self.tree.walk(assignment, order=self.order):
            if value is not MISSING:
                node = node + ((d.key, value_key(value)),)
                out.append(node)
        return out

    # ------------------------------------------------------------ decision order

    def reorder(self) -> None:
        """Order decisions by measured importance and rebuild the tree's statistics."""
        assert self.tree is not None
        weight = {d.key: importance(d, self.history) for d in self.tree.decisions}
        order = topological_by(self.tree.decisions, weight)
        if [d.key for d in order] == [d.key for d in self.order]:
            return
        self.order = order
        self._clear_tree()
        for assignment, score in self.history:
            self._record(assignment, score, self.path(assignment))
        for assignment in self.pending.values():
            for node in self.path(assignment):
                self._node(node).pending += 1


def importance(d: DecisionPoint, history: list[tuple[Assignment, float | None]]) -> float:
    """Omega squared of the decision's value on the observed scores (0 when unknown).

    Values of wide decisions are binned into quartiles of their rank.
    """
    pairs = [(a[d.key], s) for a, s in history if s is not None and d.key in a]
    if len(pairs) < 3:
        return 0.0
    if d.cardinality() > WIDE:
        pairs.sort(key=lambda p: value_key(p[0]))
        groups_of = {i: i * 4 // len(pairs) for i in range(len(pairs))}
        keyed = [(groups_of[i], s) for i, (_, s) in enumerate(pairs)]
    else:
        keyed = [(value_key(v), s) for v, s in pairs]
    groups: dict[Any, list[float]] = {}
    for g, s in keyed:
        groups.setdefault(g, []).append(s)
    n, g = len(keyed), len(groups)
    if g < 2 or n <= g:
        return 0.0
    mean = sum(s for _, s in keyed) / n
    ss_total = sum((s - mean) ** 2 for _, s in keyed)
    ss_between = sum(len(v) * (sum(v) / len(v) - mean) ** 2 for v in groups.values())
    ms_within = (ss_total - ss_between) / (n - g)
    if ss_total + ms_within <= 0:
        return 0.0
    return (ss_between - (g - 1) * ms_within) / (ss_total + ms_within)


def topological_by(decisions: list[DecisionPoint], weight: dict[str, float]
                   ) -> list[DecisionPoint]:
    """Heaviest first, each decision after its parent; ties keep declaration order."""
    children: dict[str, list[int]] = {}
    ready: list[tuple[float, int]] = []
    for i, d in enumerate(decisions):
        if d.cond is None:
            ready.append((-weight.get(d.key, 0.0), i))
        else:
            children.setdefault(d.cond[0], []).append(i)
    heapq.heapify(ready)
    out = []
    while ready:
        _, i = heapq.heappop(ready)
        out.append(decisions[i])
        for j in children.get(decisions[i].key, ()):
            heapq.heappush(ready, (-weight.get(decisions[j].key, 0.0), j))
    return out

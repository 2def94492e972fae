"""A Space: one network of a program with its open decisions, and the Arches it contains.

The space walk (ir/elaborate.py) finds the decisions; `bind` fixes them and returns an
`Arch`, a network with every decision fixed. A Space is a symbolic object: `fix` returns a
new Space with some decisions settled (PyGlove's rebind), and spaces round-trip through JSON.

This is the Space of the IR layer. The one users get (`archlang.Space`, what
`Program.network` returns) is `archlang.facade.Space`, this class with the rewrite methods
of archlang.symbolic (`find`, `rebind`, `apply`, ...) and `from_json` added; ir imports
nothing above itself, so those methods cannot live here.

Example:
    >>> import archlang
    >>> space = archlang.parse('''
    ... network net() (x: [8]) {
    ...     width = choice(16, 32)
    ...     return x -> linear(width) -> relu() -> linear(2)
    ... }''').network()
    >>> [d.key for d in space.decisions]
    ['net.width']
    >>> space.size
    2
    >>> space.bind({"net.width": 32}).params
    354
"""

from __future__ import annotations

import functools
import random
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchSpaceError, Suggest
from archlang.humanize import show_value
from archlang.ir import record
from archlang.ir.arch import Arch
from archlang.ir.decisions import (
    OPEN,
    Assignment,
    DecisionPoint,
    DecisionTree,
    cond_allows,
    iter_assignments,
)
from archlang.ir.elaborate import Elaborator
from archlang.ir.requires import DecisionRequire, check_require
from archlang.ir.structure import StructureRecorder
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.program import Program

SPACE_FORMAT = "archlang.space/1"
#: the largest space whose members `Space.counted` enumerates to apply the `require`s
COUNT_LIMIT = 4096
#: random draws `Space.sample_assignment` makes to find a member the `require`s allow
DRAWS = 200


class Space:
    """The search space of one network."""

    #: the class `bind` returns (the user-facing Space binds user-facing Arches)
    arch_type: type[Arch] = Arch

    def __init__(self, program: Program, network: A.NetworkDef,
                 params: dict[str, Any] | None = None,
                 fixed: Assignment | None = None) -> None:
        self.program = program
        self.network_def = network
        self.params = dict(params or {})
        self.fixed: Assignment = dict(fixed or {})
        self._check_params()

    def _check_params(self) -> None:
        names = [p.name for p in self.network_def.params]
        for name in self.params:
            if name not in names:
                raise ArchSpaceError(f"network `{self.name}` has no parameter `{name}`",
                                     self.network_def.span, hint=Suggest(names).hint(name),
                                     code="E303")

    @property
    def name(self) -> str:
        return self.network_def.name

    # ------------------------------------------------------------ decisions

    @functools.cached_property
    def _walk(self) -> tuple[DecisionTree, list[DecisionRequire]]:
        elab = Elaborator(self.program)
        elab.run(self.network_def, self.program.env_of(self.network_def), self.params)
        return DecisionTree(elab.decisions), elab.decision_requires

    def structure(self) -> StructureRecorder:
        """The network's body as its space walk passes through it: layers, decisions, data
        flow (ir/structure.py; what `archlang show --diagram` draws)."""
        rec = StructureRecorder()
        elab = Elaborator(self.program, observer=rec)
        elab.run(self.network_def, self.program.env_of(self.network_def), self.params)
        return rec

    @property
    def full_tree(self) -> DecisionTree:
        """Every decision of the network, the fixed ones included."""
        return self._walk[0]

    @functools.cached_property
    def tree(self) -> DecisionTree:
        """The open decisions, as a tree of conditions."""
        return DecisionTree(_without_fixed(self.full_tree, self.fixed))

    @property
    def decisions(self) -> list[DecisionPoint]:
        """Every open decision, parents before their conditional children."""
        return self.tree.decisions

    def decision(self, key: str) -> DecisionPoint:
        try:
            return self.full_tree.by_key[key]
        except KeyError:
            raise ArchSpaceError(f"no decision `{key}` in network `{self.name}`",
                                 self.network_def.span,
                                 hint=Suggest(self.full_tree.by_key).hint(key),
                                 code="E511") from None

    @property
    def size(self) -> int | float:
        """The exact number of distinct assignments; ``math.inf`` with a float decision."""
        return self.tree.size()

    @functools.cached_property
    def counted(self) -> tuple[int | float, bool]:
        """(members, exact): the members the decision-only `require`s allow (`allows`),
        counted one by one when the space has at most `COUNT_LIMIT`; otherwise `size`, an
        upper bound, and False. Without such a `require` it is ``(size, True)``.
        """
        size = self.size
        if not self._walk[1]:
            return size, True
        if isinstance(size, float) or size > COUNT_LIMIT:
            return size, False
        return sum(self.allows(a) for a in iter_assignments(self.tree)), True

    def require_span(self) -> Any:
        """Where the first decision-only `require` is written (None without one)."""
        requires = self._walk[1]
        return requires[0][0].span if requires else None

    @property
    def is_fixed(self) -> bool:
        """True when nothing is left open."""
        return not self.decisions

    def allows(self, assignment: Assignment) -> bool:
        """False when a `require` that reads only decisions rules `assignment` out.

        Cheap (no bind): searchers call it on every proposal. Requires that read static
        figures (`params`, `flops`) or values computed from decisions are left to `bind`,
        so True does not promise that the bind succeeds. See `archlang.ir.requires`.
        """
        requires = self._walk[1]
        if not requires:
            return True
        full = {**self.fixed, **assignment}
        return all(check_require(self.program, self.full_tree, req, full) is not False
                   for req in requires)

    # ------------------------------------------------------------ binding

    def bind(self, assignment: Assignment | None = None) -> Arch:
        """Fix every open decision; returns the `Arch`. A decided network binds ``{}``.

        Raises:
            ArchSpaceError: a key that names no decision, or an inactive one, or an open
                decision left without a value.
            ArchError: any error the fixed network has (a shape mismatch, ...), located.
        """
        tree, given = self.full_tree, assignment or {}
        if self.fixed or not given.keys() <= tree.by_key.keys():  # else every key is known
            for key in given:
                self.decision(key)  # an unknown key is reported before anything else
                if key in self.fixed and given[key] != self.fixed[key]:
                    raise ArchSpaceError(
                        f"decision `{key}` is fixed to {self.fixed[key]!r} in this space",
                        self.decision(key).span,
                        hint="bind it on the unfixed space, or drop it", code="E516")
        full = {**self.fixed, **given}
        rec = record.bind_recorder(self.program, self.network_def)  # (for `to_arch`)
        elab = Elaborator(self.program, full, recorder=rec)
        if not tree.keys:
            elab.remember = self._bound_before()
        elab.run(self.network_def, self.program.env_of(self.network_def), self.params)
        record.keep(elab)
        used = elab.used
        if not given.keys() <= used.keys():
            self._check_unused(given, used)
        if list(used) != tree.keys:  # else already in declaration order, every one used
            used = {k: used[k] for k in tree.by_key if k in used}
        return self.arch_type(self, used, elab.graph)

    def _bound_before(self) -> bool:
        """Whether this decided network of the program was bound before: the first bind
        remembers nothing (the memos' bookkeeping is about a tenth of a first bind walk, and
        a decided network's walk has few equal parts), later ones do, to replay it."""
        bound = self.program.bind_caches.setdefault("decided_bound", {})
        if id(self.network_def) in bound:
            return True
        bound[id(self.network_def)] = self.network_def  # (kept: its id is not reused)
        return False

    def _check_unused(self, given: Assignment, used: Assignment) -> None:
        for key in given:
            if key in used:
                continue
            d = self.decision(key)  # raises for unknown keys
            assert d.cond is not None
            parent = d.cond[0]
            raise ArchSpaceError(
                f"decision `{key}` is not active in this assignment", d.span,
                hint=f"it exists only when `{parent}` is one of "
                     f"{_show_values(d.cond[1])}; drop it", code="E512")

    def sample_assignment(self, rng: random.Random | int | None = None, *,
                          requires: bool = True) -> Assignment:
        """A uniformly random member, drawn top-down, of those the decision-only `require`s
        allow (`allows`; ``requires=False`` draws from every assignment).

        Draws again while a `require` rules the draw out, up to `DRAWS` times, then picks
        among the allowed members one by one where `counted` is exact.

        Raises:
            ArchSpaceError: E518, no member is allowed (or none was found in the draws).
        """
        if not isinstance(rng, random.Random):
            rng = random.Random(rng)
        first = self.tree.sample(rng)
        if not requires or not self._walk[1] or self.allows(first):
            return first
        for _ in range(DRAWS):
            draw = self.tree.sample(rng)
            if self.allows(draw):
                return draw
        n, exact = self.counted
        if exact and n:
            return rng.choice([a for a in iter_assignments(self.tree) if self.allows(a)])
        what = (f"no member of network `{self.name}` meets its `require`s" if exact else
                f"no member of network `{self.name}` met its `require`s in {DRAWS + 1} "
                "random draws")
        raise ArchSpaceError(what, self.require_span() or self.network_def.span,
                             hint="relax the `require`, or widen the choices it reads",
                             code="E518")

    def sample(self, seed: int | None = None) -> Arch:
        """A random member of the space (the same one for the same seed)."""
        return self.bind(self.sample_assignment(seed))

    # ------------------------------------------------------------ symbolic edits

    def fix(self, assignment: Assignment) -> Space:
        """A new Space with these decisions settled (the others stay open)."""
        merged = {**self.fixed, **assignment}
        for key, value in assignment.items():
            d = self.decision(key)
            if not d.contains(value):
                raise ArchSpaceError(f"`{key}` = {show_value(value)} is not in its domain "
                                     f"{d.describe()}", d.span, code="E502")
            self._check_reachable(d, merged)
        return self._sibling({**self.fixed, **assignment})

    def copy(self) -> Space:
        """A copy that shares the (immutable) program and what was computed about it."""
        return self._sibling(self.fixed)

    def derive(self, program: Program, network: A.NetworkDef) -> Space:
        """The Space of `network` in `program`, an edited copy of this space's program
        (archlang.symbolic): the same parameters, and the fixed decisions that still exist."""
        new = type(self)(program, network, self.params)
        fixed = {k: v for k, v in self.fixed.items() if k in new.full_tree.by_key}
        return new.fix(fixed) if fixed else new

    def _sibling(self, fixed: Assignment) -> Space:
        """The same program, network and parameters with other fixed values: the same
        walk, so the new Space reuses this one's if it was computed."""
        new = type(self)(self.program, self.network_def, self.params, fixed)
        if "_walk" in self.__dict__:
            new.__dict__["_walk"] = self.__dict__["_walk"]
        return new

    def _check_reachable(self, d: DecisionPoint, fixed: Assignment) -> None:
        """A fixed decision must be able to exist given the other fixed values."""
        while d.cond is not None:
            parent = d.cond[0]
            if parent in fixed and not cond_allows(d.cond, fixed[parent]):
                raise ArchSpaceError(
                    f"decision `{d.key}` cannot be active: it exists only when `{parent}` is "
                    f"one of {_show_values(d.cond[1])}, which is fixed to {fixed[parent]!r}",
                    d.span, code="E512")
            d = self.full_tree.by_key[parent]

    def to_arch(self) -> str:
        """The program of this space as `.arch` text (a rewritten space prints its edits)."""
        from archlang.syntax.format import format_module

        root = self.program.root
        assert root is not None
        return format_module(root.tree)

    # ------------------------------------------------------------ serialization

    def to_json(self) -> dict[str, Any]:
        """A self-contained description: the program text, the network and what is fixed."""
        from archlang.syntax.format import format_module

        root = self.program.root
        assert root is not None
        return {
            "format": SPACE_FORMAT,
            "source": format_module(root.tree),
            "path": root.source.path,
            "network": self.name,
            "params": self.params,
            "fixed": self.fixed,
        }

    def __repr__(self) -> str:
        return f"<Space {self.name}: {len(self.decisions)} decisions, size {self.size}>"


def _without_fixed(tree: DecisionTree, fixed: Assignment) -> list[DecisionPoint]:
    """The decisions left open once `fixed` is settled, with conditions re-rooted."""
    if not fixed:
        return tree.decisions
    alive: dict[str, DecisionPoint] = {}
    # an open decision may take any value, so all its children stay; a fixed one keeps
    # only the children its value activates
    for d, _ in tree.walk(lambda d: fixed.get(d.key, OPEN)):
        if d.cond is not None and d.cond[0] in fixed:
            d = _replace_cond(d, alive[d.cond[0]].cond)
        alive[d.key] = d  # a fixed decision is kept to re-root its children, dropped below
    return [d for k, d in alive.items() if k not in fixed]


def _replace_cond(d: DecisionPoint, cond: Any) -> DecisionPoint:
    from dataclasses import replace

    return replace(d, cond=cond)


def _show_values(values: frozenset[Any]) -> str:
    items = sorted(values, key=repr)
    text = ", ".join(repr(list(v)) if isinstance(v, tuple) else repr(v) for v in items[:8])
    return f"{{{text}{', ...' if len(items) > 8 else ''}}}"

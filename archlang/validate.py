"""Validating a space: walk it, bind members, and say which candidates never work.

`validate_space` is the one routine behind `archlang check` (cli/check.py), the check after
each rewrite (symbolic/draft.py) and the fuzzer (testing/fuzz.py). The full check:

1. walk the space (every decision, its domain and condition): name, type and argument errors
   in any branch of the space show here;
2. bind it: a decided network once; an open space at a few sampled members (seeds 0, 1,
   ...). A member that fails to bind is an **error**: the space holds a network that does not
   work. Its diagnostic gains a note with the assignment that broke it and the command that
   reproduces it;
3. cover, when every sampled member worked: bind working members with many candidates not yet
   seen working set at once (`_Check._cover`); one that works proves them all, and the
   first that fails ends this step and is forgotten, so that the sweep blames as before;
4. sweep the candidates: for each `choice` candidate (and each end of an `int` range) not yet
   seen in a working member, bind the members with that candidate forced: every one of them
   when a top-level decision's candidate has at most `EXHAUSTIVE` (and the budget holds
   them), else a few (its enclosing decisions set so that it is active). A candidate for
   which every member fails while another candidate of the same decision works "never
   makes a valid network" (with a hint to drop it) when every member was bound, and "made
   no valid network in N members tried" (no hint: the tries prove nothing) otherwise: an
   **error**, E515, at the decision, followed by the failing op's diagnostic as a note, so
   both places are shown. When every try broke a `require` instead, the
   candidate is excluded on purpose, and that is a **warning** (exit code 0).

A failed member explained by such a candidate (the same error, with that candidate in its
assignment) is not reported twice. Members rejected by a `require` (E514) are not errors:
constraints exist to reject members.

Every space costs at most `MAX_BINDS` binds (a `Budget`; the forgotten cover bind is the one
not counted), so the check stays fast on large
spaces; the sweep covers the decisions in declaration order until that budget is spent.

The strict check (``strict=True``) binds seeds 0 .. tries - 1 and ends at the first member
that fails for any reason, a broken `require` included, unless the space `before` (the one
a rewrite started from) fails at the same seed too.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchError, Diagnostic
from archlang.humanize import show_assignment, show_value

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.decisions import DecisionPoint
    from archlang.ir.space import Space

#: members sampled per network (seeds 0 .. SAMPLES - 1; duplicates are bound once)
SAMPLES = 8
#: tries per candidate in the sweep (it stops at the first that works)
TRIES = 4
#: working members kept as contexts for the sweep
MAX_MEMBERS = 16
#: binds per network, samples and sweep together
MAX_BINDS = 64
#: a candidate whose members number at most this is checked on every one of them
EXHAUSTIVE = 64
#: a requirement that does not hold: a rejected member, not an error
REQUIRE_FAILED = "E514"
#: errors in the assignment itself (a value outside a domain, an unknown or inactive key)
BAD_ASSIGNMENT = ("E502", "E511", "E512")
#: the code of a candidate that never makes a valid network
NEVER_VALID = "E515"
#: the code of a space whose `require`s exclude every member
NO_MEMBER = "E518"

Signature = tuple[str, str]


@dataclass
class Failure:
    """One distinct error met while binding, with the first assignment that met it."""

    error: ArchError
    assignment: dict[str, Any]
    seed: int | None = None

@dataclass
class Budget:
    """How many binds a check may make, and how many it made."""

    max_binds: int = MAX_BINDS
    used: int = 0

    @property
    def spent(self) -> bool:
        return self.used >= self.max_binds


def validate_space(space: Space, tries: int = SAMPLES, *, budget: Budget | None = None,
                   reproduce: str | None = None, strict: bool = False,
                   before: Space | None = None,
                   on_member: Callable[[Arch], None] | None = None) -> list[Diagnostic]:
    """The diagnostics of `space`: errors and warnings, empty when every check passed.

    `tries` members are sampled; `budget` caps the binds of the full check (and counts them);
    `reproduce` is the command that shows a member (its seed is appended in the note).
    ``strict=True`` is the strict check of the module docstring; there `on_member` is called
    with each member that binds (the fuzzer compiles its source).
    """
    try:
        size = space.size  # the walk: its errors are the space's
    except ArchError as exc:
        return list(exc.diagnostics)
    if strict:
        return _first_failure(space, int(min(tries, size)), before, on_member)
    return _Check(space, tries, budget or Budget(), reproduce).run()


def _first_failure(space: Space, tries: int, before: Space | None,
                   on_member: Callable[[Arch], None] | None) -> list[Diagnostic]:
    for seed in range(tries):
        try:
            arch = space.sample(seed)
        except ArchError as exc:
            # a member that fails where `before` failed too is not the rewrite's doing
            if before is None or _binds(before, seed):
                return list(exc.diagnostics)
            continue
        if on_member is not None:
            on_member(arch)
    return []


def _binds(space: Space, seed: int) -> bool:
    try:
        space.sample(seed)
    except ArchError:
        return False
    return True


class _Check:
    """The full check of one space (see the module docstring)."""

    def __init__(self, space: Space, samples: int, budget: Budget,
                 reproduce: str | None) -> None:
        self.space = space
        self.samples = samples
        self.budget = budget
        self.reproduce = reproduce
        self.diagnostics: list[Diagnostic] = []
        self.failures: dict[Signature, Failure] = {}
        self.valid: set[tuple[str, Any]] = set()  # (key, value) seen in a working member
        self.members: list[dict[str, Any]] = []  # working members (the first MAX_MEMBERS)
        self.swapped: dict[str, int] = {}  # tries made from a working member, by key

    def run(self) -> list[Diagnostic]:
        if not self.space.decisions:
            try:  # the only member: even a broken `require` is an error here
                self.space.bind({})
            except ArchError as exc:
                self.diagnostics.extend(exc.diagnostics)
            self.budget.used += 1
        elif self.space.counted == (0, True):  # proved by enumeration
            self.diagnostics.append(Diagnostic(
                NO_MEMBER, f"the `require`s of network `{self.space.name}` exclude every one "
                f"of its {self.space.size:,} members", self.space.require_span(),
                hint="relax the `require`, or widen the choices it reads"))
        else:
            self._sample()
            if self.valid:  # when no member works, no candidate can be singled out
                if not self.failures:
                    self._cover()
                self._report_candidates(self._sweep())
        self._report_failures()
        return self.diagnostics

    # ------------------------------------------------------------ binding

    def _bind(self, assignment: dict[str, Any], seed: int | None = None) -> ArchError | None:
        """Bind one member; remember what worked, or the failure. Returns the error."""
        self.budget.used += 1
        try:
            arch = self.space.bind(assignment)
        except ArchError as exc:
            if exc.diagnostic.code not in (REQUIRE_FAILED, *BAD_ASSIGNMENT):
                self.failures.setdefault(signature(exc), Failure(exc, assignment, seed))
            return exc
        self._worked(arch)
        return None

    def _worked(self, arch: Arch) -> None:
        """Remember a member that works (it was counted in the budget already)."""
        self.valid.update((k, _hashable(v)) for k, v in arch.assignment.items())
        if len(self.members) < MAX_MEMBERS:
            self.members.append(dict(arch.assignment))

    def _sample(self) -> None:
        seen: set[Any] = set()
        for seed in range(self.samples):
            try:
                assignment = self.space.sample_assignment(seed)
            except ArchError as exc:  # E518 after many draws: not proved, so a warning
                self.diagnostics.append(dataclasses.replace(exc.diagnostic, severity="warning"))
                return
            frozen = _hashable(assignment)
            if frozen in seen:
                continue
            seen.add(frozen)
            self._bind(assignment, seed)

    # ------------------------------------------------------------ the candidate sweep

    def _cover(self) -> None:
        """Before the sweep, when every sampled member worked: bind working members with
        every leaf decision (one no other decision's condition reads) that still has a
        candidate not seen working set to such a candidate, all in one bind. A member that
        works proves all of them at once, so the sweep skips them (DARTS's 16 op choices
        take 4 such binds where the sweep took 33). The first member that fails ends this,
        and is forgotten (it is not counted, and its error is not kept): with several
        candidates changed at once it blames none, so the sweep goes on as without it.
        """
        tree = self.space.tree
        leaves = [d for d in self.space.decisions
                  if len(d.sweep_values()) >= 2 and not tree.descendants(d.key)]
        base = 0
        while not self.budget.spent:
            probe = dict(self.members[base % len(self.members)])
            changed = False
            for d in leaves:
                if d.key not in probe:  # not active in this member
                    continue
                for value in d.sweep_values():
                    if (d.key, _hashable(value)) not in self.valid:
                        probe[d.key] = value
                        changed = True
                        break
            if not changed:
                return
            try:
                arch = self.space.bind(probe)
            except ArchError:
                return
            self.budget.used += 1
            self._worked(arch)
            base += 1

    def _sweep(self) -> list[_Bad]:
        rng = random.Random(0)
        bad: list[_Bad] = []
        for d in self.space.decisions:
            values = d.sweep_values()
            if len(values) < 2:
                continue
            failed: list[_Bad] = []
            for value in values:
                if (d.key, _hashable(value)) in self.valid:
                    continue
                tried = self._force(d, value, rng)
                if tried is None:
                    return bad  # out of budget
                if tried.errors:
                    failed.append(tried)
            if any((d.key, _hashable(v)) in self.valid for v in values):
                bad.extend(failed)
        return bad

    def _force(self, d: DecisionPoint, value: Any, rng: random.Random) -> _Bad | None:
        """Bind up to TRIES members with ``d = value``, up to the first that works.

        The members tried first are working members with only `d` changed (and the
        decisions below it redrawn): a candidate that breaks those is to blame. Random
        members with `d` forced (and the decisions above it set to activate it) fill up.
        Returns the errors met (none when a member worked), or None when the budget ran out.
        """
        tried = _Bad(d, value, [])
        every = self._every_member_with(d, value)
        if every is not None:
            return every
        contexts = [m for m in self.members if d.key in m][:TRIES]
        for i in range(TRIES):
            if self.budget.spent:
                return None
            if i < len(contexts):
                below = self.space.tree.descendants(d.key)
                forced = {k: v for k, v in contexts[i].items() if k not in below}
                forced[d.key] = value
                tried.swapped += 1
            else:
                forced = {d.key: value, **_activate(self.space, d, rng)}
            try:
                rest = self.space.fix(forced).sample_assignment(rng, requires=False)
            except ArchError:  # an assignment this sweep got wrong: not the network's fault
                continue
            error = self._bind({**forced, **rest})
            if error is None:
                return _Bad(d, value, [])
            if error.diagnostic.code not in BAD_ASSIGNMENT:
                tried.errors.append(error)
        return tried if tried.errors else _Bad(d, value, [])

    def _every_member_with(self, d: DecisionPoint, value: Any) -> _Bad | None:
        """Bind every member with ``d = value`` when there are at most `EXHAUSTIVE` of them
        (and the budget holds them), so a verdict is a proof; None when that is not so."""
        if d.cond is not None:
            return None
        try:
            sub = self.space.fix({d.key: value})
            size = sub.size
        except ArchError:
            return None
        if not isinstance(size, int) or size > EXHAUSTIVE or \
                self.budget.used + size > self.budget.max_binds:
            return None
        from archlang.ir.decisions import iter_assignments

        tried = _Bad(d, value, [], exhaustive=True)
        for rest in iter_assignments(sub.tree):
            error = self._bind({d.key: value, **rest})
            if error is None:
                return _Bad(d, value, [])
            if error.diagnostic.code not in BAD_ASSIGNMENT:
                tried.errors.append(error)
        return tried

    # ------------------------------------------------------------ reporting

    def _report_candidates(self, bad: list[_Bad]) -> None:
        groups: dict[tuple[Any, ...], list[_Bad]] = {}
        for b in bad:
            groups.setdefault(b.group_key(), []).append(b)
        for members in groups.values():
            first = members[0]
            real = [e for e in first.errors if e.diagnostic.code != REQUIRE_FAILED]
            self.diagnostics.extend(self._candidate_diagnostics(first, members, real))
            if real:
                explained = {signature(e) for m in members for e in m.errors}
                for sig in explained:
                    failure = self.failures.get(sig)
                    if failure is not None and any(
                            _hashable(failure.assignment.get(m.decision.key)) ==
                            _hashable(m.value) for m in members):
                        del self.failures[sig]

    def _candidate_diagnostics(self, first: _Bad, members: list[_Bad],
                               real: list[ArchError]) -> list[Diagnostic]:
        d = first.decision
        what = d.blame(first.label, show_value(first.value))
        works = [lab for v, lab in zip(d.sweep_values(), d.sweep_labels(), strict=True)
                 if (d.key, _hashable(v)) in self.valid]
        n = len(first.errors)
        verb = "failed" if real else "broke a requirement"
        tried = f"all {n} members tried with it {verb}" if n > 1 else \
            f"the member tried with it {verb}"
        if first.exhaustive:
            tried = f"every member with it ({n}) {verb}" if n > 1 else \
                f"the only member with it {verb}"
        elif first.swapped == n > 1:
            tried += ", each a working member with only this decision changed"
        elif first.swapped:
            tried += (f" ({first.swapped} of them working members with only this decision "
                      "changed)" if n > 1 else ", a working member with only this decision "
                      "changed")
        notes = [f"{tried}; {_join(works)} {'works' if len(works) == 1 else 'work'}"]
        if len(members) > 1:
            others = ", ".join(f"`{m.decision.key}`" for m in members[1:4])
            more = f" and {len(members) - 4} more" if len(members) > 4 else ""
            notes.append(f"the same holds for {others}{more}")
        if not real:
            rejected = first.errors[0].diagnostic
            return [Diagnostic(NEVER_VALID, f"{what} is always rejected by a requirement",
                               d.span, hint="drop the candidate if that is intended (this "
                               "warning then goes away), or relax the `require`",
                               notes=(*notes, f"the {rejected.message}"),
                               severity="warning")]
        if first.exhaustive:  # proved: every member with it was bound
            main = Diagnostic(NEVER_VALID, f"{what} never makes a valid network", d.span,
                              hint=d.blame_hint(first.label), notes=tuple(notes))
        else:  # only sampled: say what was tried, and do not suggest shrinking the space
            main = Diagnostic(NEVER_VALID, f"{what} made no valid network in "
                              f"{n} member{'s' if n > 1 else ''} tried", d.span,
                              notes=tuple(notes))
        cause = real[0].diagnostic
        note = dataclasses.replace(
            cause, severity="note",
            message=f"with `{d.key}` = {show_value(first.value)}: {cause.message}")
        return [main, note]

    def _report_failures(self) -> None:
        for failure in self.failures.values():
            diags = list(failure.error.diagnostics)
            if failure.assignment:
                extra = [f"with {show_assignment(failure.assignment)}"]
                if failure.seed is not None and self.reproduce is not None:
                    extra.append(f"reproduce with `{self.reproduce} --seed {failure.seed}`")
                diags[0] = dataclasses.replace(diags[0], notes=(*diags[0].notes, *extra))
            self.diagnostics.extend(diags)


@dataclass
class _Bad:
    """A candidate forced in a few members, and the errors they met."""

    decision: DecisionPoint
    value: Any
    errors: list[ArchError]
    swapped: int = 0  # members made from a working member by changing only this decision
    exhaustive: bool = False  # every member with this value was bound

    @property
    def label(self) -> str:
        d = self.decision
        return d.sweep_labels()[d.sweep_values().index(self.value)]

    def group_key(self) -> tuple[Any, ...]:
        """Copies of one choice (in repeats, in several block instances) report once."""
        span = self.decision.span
        where = (span.path, span.line, span.col) if span.source is not None else self.decision.key
        sigs = frozenset(signature(e) for e in self.errors
                         if e.diagnostic.code != REQUIRE_FAILED)
        return (where, self.label, sigs)


def signature(exc: ArchError) -> Signature:
    """What makes two errors the same: the code and the place (messages name shapes that
    differ from member to member)."""
    d = exc.diagnostic
    return (d.code, str(d.span) if d.span is not None else d.message)


def _activate(space: Space, d: DecisionPoint, rng: random.Random) -> dict[str, Any]:
    """Values for the decisions enclosing `d` that make it active (drawn at random)."""
    out: dict[str, Any] = {}
    while d.cond is not None:
        parent_key, allowed = d.cond
        value = rng.choice(sorted(allowed, key=repr))
        out[parent_key] = list(value) if isinstance(value, tuple) else value
        d = space.decision(parent_key)
    return out


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return (type(value).__name__, value)


def _join(items: list[str]) -> str:
    quoted = [f"`{i}`" for i in items]
    if len(quoted) <= 1:
        return "".join(quoted) or "nothing"
    if len(quoted) > 6:
        quoted = quoted[:6] + [f"{len(items) - 6} more"]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]

"""Scopes and environments of an elaboration walk.

An `Env` maps names to values (lexical: a block body sees its module's globals and its own
parameters). A `Scope` is an *instance*: the network, a block application or a repeat copy;
it owns the namer that gives decisions and sub-instances their stable path segments, and
says whether the walk is concrete here (`active`) and under which condition it exists. A
`Frame` is one body being executed: its variables and its current tensor.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from archlang.source import Span


class Env:
    """A chain of name -> value maps; writes go to the innermost."""

    __slots__ = ("vars", "parent", "owner")

    def __init__(self, parent: Env | None = None, vars: dict[str, Any] | None = None) -> None:
        self.vars: dict[str, Any] = vars if vars is not None else {}
        self.parent = parent
        #: on a module's root environment, the module (so names resolve lexically)
        self.owner: Any = None

    def lookup(self, name: str) -> Any:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        raise KeyError(name)

    def __contains__(self, name: str) -> bool:
        try:
            self.lookup(name)
        except KeyError:
            return False
        return True

    def names(self) -> set[str]:
        out: set[str] = set()
        env: Env | None = self
        while env is not None:
            out |= set(env.vars)
            env = env.parent
        return out


class Namer:
    """Allocates unique labels within one instance: ``conv2d``, ``conv2d_1``, ``conv2d_2``."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def alloc(self, base: str) -> str:
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"


Cond = tuple[str, frozenset[Any]]


@dataclass(slots=True)
class Scope:
    """One instance in the walk.

    Attributes:
        path: the instance path, the prefix of its decisions' keys (``net.repeat[1].residual``).
        namer: shared by every view of this instance.
        active: True where values are concrete (the bind walk, on the chosen branches).
        cond: the innermost condition under which this part of the space exists.
        dynamic_if: set inside an `if` whose test depends on decisions; no decision may be
            declared there.
        depth: how many block applications enclose this one.
        copies: how many instances of this one the walk makes: the product of the counts
            (the largest count, for a count decision) of the repeats around it.
        keys: the prefix of its decisions' keys where it differs from `path`: inside a
            ``shared(name, block(...))`` application, ``<owner>.<name>``, the same for every
            application, so that they share their decisions (ir/apply.py).
        owner: the key prefix of the block instance (or network) around this scope, repeat
            copies looked through: where a ``shared(name, ...)`` written here keeps its
            decisions (None: this scope's own).
    """

    path: str
    namer: Namer = field(default_factory=Namer)
    active: bool = True
    cond: Cond | None = None
    dynamic_if: Span | None = None
    depth: int = 0
    copies: int = 1
    keys: str | None = None
    owner: str | None = None

    @property
    def key_path(self) -> str:
        """The prefix of the keys of the decisions declared here."""
        return self.keys or self.path

    def label(self, base: str) -> str:
        return self.namer.alloc(base)

    def key(self, label: str) -> str:
        return f"{self.key_path}.{label}"

    def child(self, segment: str) -> Scope:
        keys = f"{self.keys}.{segment}" if self.keys else None
        return Scope(f"{self.path}.{segment}", Namer(), self.active, self.cond,
                     self.dynamic_if, self.depth + 1, self.copies, keys,
                     self.owner or self.key_path)

    def instance(self, segment: str, shared: str | None = None) -> Scope:
        """The scope of a block applied here: its own keys, or (`shared`) the keys that
        every application of ``shared(name, ...)`` written in this block instance shares."""
        path = f"{self.path}.{segment}"
        if shared is None:
            keys = f"{self.keys}.{segment}" if self.keys else None
            owner = keys or path
        else:
            keys = owner = f"{self.owner or self.key_path}.{shared}"
        # built directly, not with `dataclasses.replace` (several times slower; a bind makes
        # hundreds of these)
        return Scope(path, Namer(), self.active, self.cond, self.dynamic_if, self.depth + 1,
                     self.copies, keys, owner)

    def under(self, cond: Cond, active: bool) -> Scope:
        """The same instance, seen from inside one candidate of a decision."""
        return Scope(self.path, self.namer, self.active and active, cond, self.dynamic_if,
                     self.depth, self.copies, self.keys, self.owner)

    def shadow(self, span: Span) -> Scope:
        return replace(self, active=False, dynamic_if=span)


class Frame:
    """The mutable state of one body being executed: its variables and current tensor."""

    __slots__ = ("env", "current")

    def __init__(self, env: Env, current: Any = None) -> None:
        self.env = env
        self.current = current

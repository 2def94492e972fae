"""Rewrite rules: a pattern and what to do where it matches, as reusable objects.

    from archlang.symbolic import every
    from archlang.dsl import choice
    from archlang.dsl.ops import relu, gelu, silu, dropout

    acts = every("relu").becomes(choice(relu(), gelu(), silu()))
    wide = every("basic_block").widen(choice(1, 2))      # out -> out * choice(1, 2)
    drop = every("basic_block").then(dropout(choice(0.0, 0.1)))
    space = space.apply(acts, wide, drop)                # a fixed network becomes a space

A pattern matches call nodes by name (a glob: ``"conv*"``) in every definition the network
uses, optionally filtered by ``where=lambda call: ...`` (the call as a DSL `Expr`, whose
``.node`` is the AST). A rule applies to all its matches at once (a replacement is never
matched again), then the result is checked as any rewrite is. ``at_least=1`` (the default)
makes a rule that matches nothing an error; ``at_least=0`` lets it be a no-op.

Rules double as mutations for search: ``rule.mutate(space, rng)`` applies the rule at one
randomly chosen match.

Decisions a replacement introduces follow the language's scoping: one written inside a
block's body is fresh in each instance of the block (each `relu` of each `basic_block`
decides for itself). To tie, use `tie=` where offered, or edit the network to pass a
decision down as an argument.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import Suggest
from archlang.symbolic import edit as E
from archlang.symbolic import paths as P
from archlang.symbolic.draft import Draft, RewriteError
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.space import Space


@dataclass(frozen=True)
class Pattern:
    """Call nodes named like `name` (a glob), accepted by `where` if given."""

    name: str
    where: Callable[[Any], bool] | None = None

    def matches(self, space: Space) -> list[E.Match]:
        from archlang.dsl.expr import Expr

        found = E.find_nodes(space, self.name)
        if self.where is not None:
            found = [m for m in found if self.where(Expr(m.node))]
        return found

    # ------------------------------------------------------------ actions

    def becomes(self, replacement: Any, at_least: int = 1) -> Rule:
        """Replace each match with `replacement`, or with ``replacement(match)`` when it is
        a function of the matched call (a DSL `Expr`)."""
        return Rule(self, "becomes", replacement, at_least)

    def then(self, layer: Any, at_least: int = 1) -> Rule:
        """Apply `layer` right after each match (``insert dropout(p) after each block``)."""
        return Rule(self, "then", layer, at_least)

    def before(self, layer: Any, at_least: int = 1) -> Rule:
        """Apply `layer` right before each match."""
        return Rule(self, "before", layer, at_least)

    def removed(self, at_least: int = 1) -> Rule:
        """Remove each match (a pipeline line, a pipe stage or a choice candidate)."""
        return Rule(self, "remove", None, at_least)

    def widen(self, factor: Any, arg: int | str = 0, tie: str | None = None,
              at_least: int = 1) -> Rule:
        """Multiply argument `arg` (a position or a keyword) of each match by `factor`.

        With ``tie="name"`` the factor is declared once per definition instance as
        ``name = factor`` (first line of each body that has a match) and shared by its
        matches; otherwise each match gets its own copy of `factor` (its own decision).
        """
        return Rule(self, "widen", (factor, arg, tie), at_least)


def every(name: str, where: Callable[[Any], bool] | None = None) -> Pattern:
    """The pattern of every call named `name` (glob), optionally filtered by `where`."""
    return Pattern(name, where)


@dataclass(frozen=True)
class Rule:
    """A pattern and an action; `apply` it to a Space (or call it)."""

    pattern: Pattern
    action: str
    arg: Any
    at_least: int = 1

    def __str__(self) -> str:
        """``every('relu').becomes(choice(relu(), gelu()))``: the rule as it was written."""
        arg = self.arg[0] if self.action == "widen" else self.arg
        shown = "" if self.action == "remove" else _show(arg)
        name = "removed" if self.action == "remove" else self.action
        return f"every({self.pattern.name!r}).{name}({shown})"

    def apply(self, space: Space) -> Space:
        """A new Space with the rule applied at every match (checked as a whole)."""
        matches = self.pattern.matches(space)
        self._enough(space, matches)
        if not matches:
            return space
        try:
            return self._commit(space, matches)
        except RewriteError as err:
            if err.diagnostic.code == "E523":  # the result does not hold together
                self._blame(space, matches)
            raise

    __call__ = apply

    def mutate(self, space: Space, rng: random.Random | int | None = None) -> Space:
        """A new Space with the rule applied at one match drawn by `rng` (a mutation)."""
        rng = rng if isinstance(rng, random.Random) else random.Random(rng)
        matches = self.pattern.matches(space)
        self._enough(space, matches, 1)
        return self._commit(space, [rng.choice(matches)])

    def _enough(self, space: Space, matches: list[E.Match], least: int | None = None) -> None:
        least = self.at_least if least is None else least
        if len(matches) >= least:
            return
        calls = {m.node.func for m in E.iter_nodes(space) if isinstance(m.node, A.Call)}
        raise RewriteError(
            f"rule `{self}` matches {len(matches)} node(s) in `{space.name}`, "
            f"at least {least} wanted", None,
            hint=Suggest(sorted(calls)).hint(self.pattern.name) or
            "pass at_least=0 to allow a rule that matches nothing", code="E522")

    def _commit(self, space: Space, matches: list[E.Match]) -> Space:
        draft = Draft(space)
        for m in reversed(matches):  # later nodes first: earlier paths stay valid
            self._act(draft, m)
        if self.action == "widen" and self.arg[2] is not None:
            _declare_ties(draft, matches, self.arg[2], self.arg[0])
        where = matches[0].path if len(matches) == 1 else f"{len(matches)} matches"
        return draft.commit(f"rule `{self}`", where)

    def _blame(self, space: Space, matches: list[E.Match]) -> None:
        """Name the first match that breaks the network by itself, if one does."""
        if len(matches) < 2:
            return
        for m in matches:
            try:
                self._commit(space, [m])
            except RewriteError as err:
                raise RewriteError(f"rule `{self}` breaks the network at `{m.path}`: "
                                   f"{err.diagnostic.message.split(': ', 1)[-1]}", None,
                                   notes=err.diagnostic.notes,
                                   hint="nothing was changed; the space is as it was",
                                   code="E523") from None

    def _act(self, draft: Draft, m: E.Match) -> None:
        from archlang.dsl.expr import Expr

        if self.action == "becomes":
            value = self.arg(Expr(m.node)) if callable(self.arg) and not isinstance(
                self.arg, Expr) else self.arg
            E.do_replace(draft, m.path, value)
        elif self.action in ("then", "before"):
            E.do_insert(draft, m.path, self.arg, before=self.action == "before")
        elif self.action == "remove":
            E.do_remove(draft, m.path)
        else:
            factor, arg, tie = self.arg
            E.do_replace(draft, m.path, _widened(m, factor if tie is None else A.Name(tie),
                                                 arg))


def _show(value: Any) -> str:
    from archlang.dsl.expr import lit

    if callable(value) and not hasattr(value, "node"):
        return getattr(value, "__name__", "function")
    try:
        return P.node_text(lit(value))
    except TypeError:
        return repr(value)


def _widened(m: E.Match, factor: Any, arg: int | str) -> Any:
    from archlang.dsl.expr import lit

    call: A.Call = m.node
    if isinstance(arg, int):
        if arg >= len(call.args):
            raise RewriteError(f"cannot widen `{m.path}`: `{m.text}` has no argument {arg}",
                               None, code="E524")
        args = list(call.args)
        args[arg] = A.BinOp("*", args[arg], lit(factor))
        return replace(call, args=tuple(args))
    kwargs = list(call.kwargs)
    for i, kw in enumerate(kwargs):
        if kw.name == arg:
            kwargs[i] = replace(kw, value=A.BinOp("*", kw.value, lit(factor)))
            return replace(call, kwargs=tuple(kwargs))
    raise RewriteError(f"cannot widen `{m.path}`: `{m.text}` has no argument `{arg}`",
                       None, hint="widen a positional argument with arg=0, 1, ...",
                       code="E524")


def _declare_ties(draft: Draft, matches: list[E.Match], tie: str, factor: Any) -> None:
    """``tie = factor`` as the first line of each definition with a match."""
    from archlang.dsl.expr import lit

    for item_name in dict.fromkeys(P.parse_path(m.path)[0] for m in matches):
        item = draft.item(item_name)
        body = (A.Assign(tie, lit(factor)),) + item.body
        draft.set_item(item_name, replace(item, body=body))
        draft.adopt(lit(factor))


def apply(space: Space, *rules: Rule) -> Space:
    """The rules applied in order (each checked); the Space given is unchanged."""
    for rule in rules:
        space = rule.apply(space)
    return space

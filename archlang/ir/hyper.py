"""Hyper primitives: `choice`, `int`, `float`, `subset` and `repeat`, the open places of a space.

Each declares one decision with a key made of its instance path and a label: the name it is
bound to (``width = choice(...)`` -> ``net.width``), the parameter it is passed to
(``conv(k = choice(3, 5))`` -> ``net.conv.k``), else its kind (``net.choice_1``). The space
walk registers the decision; the bind walk reads its value from the assignment.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchLimitError, ArchSpaceError, ArchTypeError
from archlang.humanize import show_value
from archlang.ir import labels as _labels
from archlang.ir.builtins import BUILTINS
from archlang.ir.decisions import (
    CandidateChoice,
    DecisionPoint,
    FloatRange,
    IntRange,
    Subset,
    ValueChoice,
)
from archlang.ir.labels import Plan, plan_for
from archlang.ir.scope import Scope
from archlang.ir.values import (
    SHADOW,
    ChoiceLayer,
    Layer,
    RepeatLayer,
    Tensor,
    Unknown,
    type_name,
)
from archlang.ops.registry import generation
from archlang.syntax import ast as A
from archlang.syntax.literals import value_text

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator
    from archlang.ir.scope import Frame

#: the most copies one repeat may make
MAX_REPEAT = 1000
#: the most candidates of one subset
MAX_SUBSET = 32
#: a choice of at most this many candidates joins the label plans around every candidate
#: the first time one is chosen (the work grows with the square of the count)
_AROUND_ALL = 32


def eval_hyper(elab: Elaborator, e: A.Call, scope: Scope, frame: Frame,
               hint: str | None, label: str | None = None) -> Any:
    """Evaluate a hyper call; `label` (already allocated) overrides the namer."""
    label = label or scope.label(hint or e.func)
    key = scope.key(label)
    if e.func == "choice":
        return _choice(elab, e, scope, frame, key, label)
    if e.func == "subset":
        return _subset(elab, e, scope, frame, key)
    return _range(elab, e, scope, frame, key)


def decide(elab: Elaborator, d: DecisionPoint, scope: Scope) -> Any:
    """The decision's value where the walk is concrete, else an unknown standing for it."""
    if not scope.active:
        if elab.space_walk:
            elab.register(d, scope)
        return Unknown(frozenset({d.key}), d.key)
    value = elab.lookup_decision(d.key, d.span)
    if not d.contains(value):
        raise ArchSpaceError(f"`{d.key}` = {show_value(value)} is not in its domain "
                             f"{d.describe()}", d.span, code="E502")
    value = d.normalize(value)
    elab.use(d.key, value)
    return value


# ---------------------------------------------------------------- choice


def expand_candidates(elab: Elaborator, e: A.Call, args: tuple[A.Expr, ...], scope: Scope,
                      frame: Frame) -> tuple[A.Expr, ...]:
    """The candidates of a `choice` or `subset`, one expression each: ``*xs`` becomes
    ``xs[0], xs[1], ...``, and so does a single list of tensors (``choice(states[:i])``).
    A single list of values is refused: it would be a choice with one candidate."""
    out: list[A.Expr] = []
    for a in args:
        if not isinstance(a, A.Starred):
            out.append(a)
        elif isinstance(a.value, (A.ListLit, A.TupleLit)):
            out.extend(a.value.items)
        else:
            out.extend(_items_of(elab, a.value, a.span, scope, frame))
    if len(args) == 1 and not isinstance(args[0], A.Starred) and _is_pure(args[0]):
        value = elab.eval(args[0], scope, frame)
        if isinstance(value, tuple) and value and (
                e.func == "subset" or all(isinstance(v, Tensor) for v in value)):
            return _items_of(elab, args[0], args[0].span, scope, frame)
        if isinstance(value, tuple) and e.func == "choice":
            from archlang.syntax.format import format_expr

            text = format_expr(args[0])
            raise ArchSpaceError(
                f"`choice({text})` has a single candidate, the list itself", args[0].span,
                hint=f"write `choice(*{text})` to choose one of its {len(value)} items",
                code="E322")
    return tuple(out)


def _items_of(elab: Elaborator, xs: A.Expr, span: Any, scope: Scope,
              frame: Frame) -> tuple[A.Expr, ...]:
    """``xs[0], xs[1], ...`` for a list expression that declares nothing."""
    if not _is_pure(xs):
        raise ArchSpaceError("`*` in a `choice` or `subset` needs a list that declares "
                             "nothing: a name, a slice or a list literal", span,
                             hint="bind the list to a name first: `ops = [...]`", code="E503")
    value = elab.eval(xs, scope, frame)
    if not isinstance(value, tuple):
        raise ArchTypeError(f"`*` expects a list, but got {type_name(value)}", span,
                            code="E503")
    return _index_exprs(xs, len(value))


#: (id(xs), n) -> (xs, items): the item expressions of a list expression are made once per
#: AST node and length, so that every bind reuses them, and with them the labels printed
#: for them (`_expr_label`); holding `xs` keeps its id from being reused.
_ITEMS: dict[tuple[int, int], tuple[A.Expr, tuple[A.Expr, ...]]] = {}


def _index_exprs(xs: A.Expr, n: int) -> tuple[A.Expr, ...]:
    """``xs[0], ..., xs[n - 1]`` (``xs[:k]`` indexes `xs` itself), the same nodes each time."""
    hit = _ITEMS.get((id(xs), n))
    if hit is not None and hit[0] is xs:
        return hit[1]
    base = xs.value if isinstance(xs, A.Slice) and xs.lower is None else xs
    items = tuple(A.Index(base, A.IntLit(j), span=xs.span) for j in range(n))
    if len(_ITEMS) >= _MAX_LABELS:
        _ITEMS.clear()
    _ITEMS[(id(xs), n)] = (xs, items)
    return items


@functools.lru_cache(maxsize=4096)
def _value_labels(typed_values: tuple[tuple[type, Any], ...]) -> tuple[str, ...]:
    """How a choice's plain values read: spelled once per list of values, not on every bind
    (the values are plain, so hashable; their types keep `1` apart from `1.0` and `True`)."""
    return tuple(value_text(v) for _, v in typed_values)


class _ChoiceFacts:
    """What a `choice` call's syntax says, worked out once per AST node: its candidates
    (where no `*` or single list makes them depend on values), whether each is pure, their
    labels, and the decision objects made for it so far (per key and condition)."""

    __slots__ = ("node", "args", "pure", "inert", "all_pure", "labels", "decisions", "plans",
                 "around")

    def __init__(self, node: A.Call) -> None:
        self.node = node
        self.args = node.args
        self.pure = tuple(_is_pure(a) for a in node.args)
        #: pure, and no arithmetic or call in it: evaluating it again gives the same value
        #: and allocates nothing (a tensor `+` allocates a label, a `sum` of tensors too)
        self.inert = tuple(p and not any(isinstance(n, (A.BinOp, A.Call)) for n in A.walk(a))
                           for p, a in zip(self.pure, node.args))
        self.all_pure = all(self.pure)
        self.labels: tuple[str, ...] | None = None
        self.decisions: dict[tuple[str, Any], DecisionPoint] = {}
        #: (op registry generation, each candidate's label plan): see `_chosen_candidate`
        self.plans: tuple[int, tuple[Plan | None, ...]] | None = None
        #: chosen index -> (the unchosen plans before it joined, those after it joined)
        self.around: dict[int, tuple[Plan, Plan]] = {}


def _facts(elab: Elaborator, e: A.Call) -> _ChoiceFacts | None:
    """The facts of `e` in this walk's program (its plans resolve names there), or None
    where its candidates depend on values. Kept per program and node; holding the node
    keeps its id from being reused."""
    table: dict[int, _ChoiceFacts] = elab.program.bind_caches.setdefault("choice_facts", {})
    hit = table.get(id(e))
    if hit is not None and hit.node is e:
        return hit
    if any(isinstance(a, A.Starred) for a in e.args) or (len(e.args) == 1 and _is_pure(e.args[0])):
        return None
    if len(table) >= _MAX_LABELS:
        table.clear()
    facts = table[id(e)] = _ChoiceFacts(e)
    return facts


def _choice(elab: Elaborator, e: A.Call, scope: Scope, frame: Frame, key: str,
            label: str) -> Any:
    if e.kwargs:
        raise ArchTypeError("`choice` takes no keyword arguments", e.kwargs[0].span,
                            code="E303")
    facts = _facts(elab, e)
    if facts is not None:
        args, all_pure, pure = facts.args, facts.all_pure, facts.pure
    else:
        args = expand_candidates(elab, e, e.args, scope, frame)
        pure = tuple(_is_pure(a) for a in args)
        all_pure = all(pure)
    if not args:
        raise ArchTypeError("`choice` needs at least one candidate", e.span, code="E503")
    if all_pure:
        values = [elab.eval(a, scope, frame) for a in args]
        if all(_is_plain(v) for v in values):
            values_d = _value_decision(facts, values, args, key, scope, e.span)
            value = decide(elab, values_d, scope)
            if not isinstance(value, Unknown):
                elab.record(scope, e, args[values_d.index_of(value)])
            return value
    d = _candidate_decision(facts, args, key, scope, e.span)
    chosen = decide(elab, d, scope)
    chosen = None if isinstance(chosen, Unknown) else chosen
    if chosen is not None:
        elab.record(scope, e, args[chosen])
    if chosen is not None and not elab.space_walk:
        return _chosen_candidate(elab, facts, args, pure, values if all_pure else None, scope,
                                 frame, key, chosen)
    candidates = [elab.eval(a, scope.under((key, frozenset({i})), chosen == i), frame)
                  for i, a in enumerate(args)]
    kinds = {_kind(c) for c in candidates}
    if len(kinds) > 1:
        raise ArchTypeError("the candidates of a `choice` must all be values, all layers or "
                            "all tensors", e.span, code="E504")
    if chosen is not None:
        return candidates[chosen]
    kind = kinds.pop()
    if kind == "layer":
        return ChoiceLayer(e.span, label, key=key, candidates=tuple(candidates))
    if kind == "tensor":
        return SHADOW if elab.observer is None else elab.observer.input_choice(
            e, candidates, SHADOW)
    return Unknown(frozenset({key}), key)


def _value_decision(facts: _ChoiceFacts | None, values: list[Any], args: tuple[A.Expr, ...],
                    key: str, scope: Scope, span: Any) -> ValueChoice:
    """The decision between plain values (refused where one is listed twice); one object
    per key, condition and values of a node."""
    typed = tuple((type(v), v) for v in values)
    cached = None if facts is None else facts.decisions.get((key, scope.cond, typed))
    if cached is not None:
        return cached  # type: ignore[return-value]
    _no_duplicates(values, args)
    d = ValueChoice(key, labels=_value_labels(typed), values=tuple(values), cond=scope.cond,
                    span=span)
    if facts is not None:
        if len(facts.decisions) >= 1024:
            facts.decisions.clear()
        facts.decisions[(key, scope.cond, typed)] = d
    return d


def _candidate_decision(facts: _ChoiceFacts | None, args: tuple[A.Expr, ...], key: str,
                        scope: Scope, span: Any) -> DecisionPoint:
    """The decision between candidates; one object per key and condition of a node."""
    if facts is None:
        return CandidateChoice(key, labels=tuple(_expr_label(a) for a in args),
                               cond=scope.cond, span=span)
    d = facts.decisions.get((key, scope.cond))
    if d is None:
        if facts.labels is None:
            facts.labels = tuple(_expr_label(a) for a in args)
        if len(facts.decisions) >= 1024:
            facts.decisions.clear()
        d = facts.decisions[(key, scope.cond)] = CandidateChoice(
            key, labels=facts.labels, cond=scope.cond, span=span)
    return d


def _chosen_candidate(elab: Elaborator, facts: _ChoiceFacts | None, args: tuple[A.Expr, ...],
                      pure: tuple[bool, ...], values: list[Any] | None, scope: Scope,
                      frame: Frame, key: str, chosen: int) -> Any:
    """A bind walk's choice: the chosen candidate evaluated, each other one only allocating
    the labels it would (ir/labels.py), or evaluated off the chosen path where it has no plan.
    The candidates' kinds were checked by the space walk. `values`: the candidates already
    evaluated (all pure), so that inert ones are not evaluated again."""
    plans = _plans(elab, facts, args, pure, frame)
    inert = facts.inert if facts is not None and values is not None else None
    if facts is not None and inert is None and None not in plans:
        around = facts.around.get(chosen)
        if around is None:  # the plans before and after each candidate, each run as one:
            # made for all of them at once where they are few (a search soon takes each)
            every = range(len(plans)) if len(plans) <= _AROUND_ALL else (chosen,)
            facts.around.update((i, (Plan.joined(plans[:i]), Plan.joined(plans[i + 1:])))
                                for i in every)
            around = facts.around[chosen]
        before, after = around
        if not (before.builtins or after.builtins) or (
                before.builtins | after.builtins).isdisjoint(frame.env.vars):
            before.run(scope)
            value = elab.eval(args[chosen], scope.under((key, frozenset({chosen})), True),
                              frame)
            after.run(scope)
            return value
    value = None
    for i, a in enumerate(args):
        if i == chosen:
            value = values[i] if inert is not None and inert[i] else elab.eval(
                a, scope.under((key, frozenset({i})), True), frame)
            continue
        if inert is not None and inert[i]:
            continue
        plan = plans[i]
        if plan is None or (plan.builtins and not plan.builtins.isdisjoint(frame.env.vars)):
            elab.eval(a, scope.under((key, frozenset({i})), False), frame)
        else:
            plan.run(scope)
    return value


def _plans(elab: Elaborator, facts: _ChoiceFacts | None, args: tuple[A.Expr, ...],
           pure: tuple[bool, ...], frame: Frame) -> tuple[Plan | None, ...]:
    """Each candidate's label plan (None for a pure one), kept on the node's facts while
    the op registry is unchanged."""
    if not _labels.ENABLED:
        return (None,) * len(args)
    now = generation()
    if facts is not None and facts.plans is not None and facts.plans[0] == now:
        return facts.plans[1]
    plans = tuple(None if p else plan_for(elab.program, a, frame.env)
                  for a, p in zip(args, pure))
    if facts is not None:
        facts.plans = (now, plans)
        facts.around.clear()
    return plans


def _no_duplicates(values: list[Any], args: tuple[A.Expr, ...]) -> None:
    """Refuse a candidate listed twice (equal, of the same type: `1` and `1.0` differ).

    Plain values are hashable, so this is one set lookup per candidate: comparing every pair
    took 36 s for a `choice` of 3,000 candidates.
    """
    seen: set[tuple[type, Any]] = set()
    for v, a in zip(values, args):
        key = (type(v), v)
        if key in seen:
            raise ArchSpaceError(f"`choice` lists {value_text(v)} twice", a.span, code="E508")
        seen.add(key)


# ---------------------------------------------------------------- int and float


def _range(elab: Elaborator, e: A.Call, scope: Scope, frame: Frame, key: str) -> Any:
    kwargs = {kw.name: kw for kw in e.kwargs}
    allowed = {"log"} if e.func == "float" else set()
    for name, kw in kwargs.items():
        if name not in allowed:
            raise ArchTypeError(f"`{e.func}` has no parameter `{name}`", kw.span, code="E303")
    if len(e.args) != 2:
        hint = "for a conversion use `floor`, `ceil` or `round`" if e.func == "int" else None
        raise ArchTypeError(f"`{e.func}(low, high)` takes 2 bounds, but got {len(e.args)}",
                            e.span, hint=hint, code="E503")
    lo, hi = (elab.eval(a, scope, frame) for a in e.args)
    number = (lambda v: isinstance(v, int) and not isinstance(v, bool)) if e.func == "int" \
        else (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
    if not (number(lo) and number(hi)):
        raise ArchSpaceError(f"the bounds of `{e.func}` must be fixed {e.func}s, but got "
                             f"{lo!r} and {hi!r}", e.span, code="E503")
    if lo > hi or (e.func == "float" and lo == hi):
        raise ArchSpaceError(f"`low < high` must hold, but got low={lo}, high={hi}", e.span,
                             code="E503")
    log = False
    if "log" in kwargs:
        log = elab.eval(kwargs["log"].value, scope, frame)
        if not isinstance(log, bool):
            raise ArchTypeError("`log` must be true or false", kwargs["log"].span, code="E301")
        if log and lo <= 0:
            raise ArchSpaceError(f"a log range needs `low > 0`, but got low={lo}", e.span,
                                 code="E503")
    d: DecisionPoint = (
        FloatRange(key, low=float(lo), high=float(hi), log=log, cond=scope.cond, span=e.span)
        if e.func == "float" else IntRange(key, low=lo, high=hi, cond=scope.cond, span=e.span))
    value = decide(elab, d, scope)
    if not isinstance(value, Unknown):
        elab.record(scope, e, A.IntLit(value) if e.func == "int" else A.FloatLit(value))
    return value


# ---------------------------------------------------------------- subset


def _subset(elab: Elaborator, e: A.Call, scope: Scope, frame: Frame, key: str) -> Any:
    if e.kwargs or len(e.args) < 2:
        raise ArchTypeError("`subset(k, a, b, ...)` takes a count and its candidates", e.span,
                            code="E503")
    k = elab.eval(e.args[0], scope, frame)
    cands = expand_candidates(elab, e, e.args[1:], scope, frame)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= len(cands):
        raise ArchSpaceError(f"`subset` picks k of {len(cands)} candidates, so 1 <= k <= "
                             f"{len(cands)} must hold, but got k={k!r}", e.args[0].span,
                             hint=f"pick at most {len(cands)}, or give it more candidates"
                             if isinstance(k, int) and k > len(cands) else None,
                             code="E503")
    if len(cands) > MAX_SUBSET:
        raise ArchLimitError(f"`subset` has more than {MAX_SUBSET} candidates", e.span,
                             code="E607")
    if not all(_is_pure(a) for a in cands):
        raise ArchSpaceError("the candidates of `subset` must be tensors or values, not "
                             "layers or decisions", e.span, code="E504")
    values = [elab.eval(a, scope, frame) for a in cands]
    d = Subset(key, labels=tuple(_expr_label(a) for a in cands), k=k,
           cond=scope.cond, span=e.span)
    chosen = decide(elab, d, scope)
    if isinstance(chosen, Unknown):
        out = tuple(SHADOW if isinstance(v, Tensor) else chosen for v in values[:k])
        return out if elab.observer is None else elab.observer.input_choice(e, values, out)
    elab.record(scope, e, A.TupleLit(tuple(cands[i] for i in chosen)))
    return tuple(values[i] for i in chosen)


# ---------------------------------------------------------------- repeat


def eval_repeat(elab: Elaborator, e: A.Repeat, scope: Scope, frame: Frame) -> RepeatLayer:
    name = scope.label("repeat")
    if isinstance(e.count, A.Call) and e.count.func in A.HYPER_NAMES:
        count = eval_hyper(elab, e.count, scope, frame, None, label=name)  # key `<scope>.repeat`
    else:
        count = elab.eval(e.count, scope, frame)
    if isinstance(count, Unknown):
        d = elab.decision_of(count.key)
        if elab.space_walk and d is None:
            raise ArchSpaceError("a repeat count must be a number or a decision, not an "
                                 "expression over decisions", e.count.span,
                                 hint="declare the count itself: `repeat(choice(2, 4))`",
                                 code="E509")
        if d is not None:
            _check_count_domain(d, e)
    elif isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ArchTypeError(f"a repeat count must be a non-negative int, but got {count!r}",
                            e.count.span, code="E301")
    elif count > MAX_REPEAT:
        raise ArchLimitError(f"`repeat({count})` makes more than {MAX_REPEAT} copies",
                             e.count.span, hint="is the count what you meant?", code="E611")
    return RepeatLayer(e.span, name, node=e, env=frame.env, count=count,
                       origin=(scope.path, elab.loop_ctx()))


def _check_count_domain(d: DecisionPoint, e: A.Repeat) -> None:
    bounds = d.int_bounds()
    if bounds is None:
        raise ArchSpaceError(f"a repeat count must be an int decision, but `{d.key}` is "
                             f"{d.describe()}", e.count.span, code="E509")
    least, most = bounds
    if least < 0:
        raise ArchSpaceError(f"a repeat count must be non-negative, but `{d.key}` "
                             f"can be {least}", e.count.span, code="E509")
    if most > MAX_REPEAT:
        raise ArchLimitError(f"`{d.key}` allows {most} copies; the limit is "
                             f"{MAX_REPEAT}", e.count.span, code="E611")


# ---------------------------------------------------------------- helpers


_PURE_TYPES = (A.Name, A.IntLit, A.FloatLit, A.StrLit, A.BoolLit, A.NoneLit)


def _is_pure(e: A.Expr) -> bool:
    """Evaluating `e` declares nothing and instantiates nothing."""
    if isinstance(e, _PURE_TYPES):
        return True
    if isinstance(e, (A.ListLit, A.TupleLit)):
        return all(_is_pure(x) for x in e.items)
    if isinstance(e, (A.BinOp, A.Compare, A.BoolOp)):
        return _is_pure(e.left) and _is_pure(e.right)
    if isinstance(e, (A.Not, A.Neg)):
        return _is_pure(e.operand)
    if isinstance(e, A.Index):
        return _is_pure(e.value) and _is_pure(e.index)
    if isinstance(e, A.Slice):
        return _is_pure(e.value) and all(b is None or _is_pure(b) for b in (e.lower, e.upper))
    if isinstance(e, A.Attribute):
        return _is_pure(e.value)
    if isinstance(e, A.CondExpr):
        return _is_pure(e.test) and _is_pure(e.then) and _is_pure(e.orelse)
    if isinstance(e, A.Call):
        return e.func in BUILTINS and not e.kwargs and all(_is_pure(a) for a in e.args)
    return False


def _is_plain(v: Any) -> bool:
    if isinstance(v, tuple):
        return all(_is_plain(x) for x in v)
    return v is None or isinstance(v, (bool, int, float, str)) and not (
        isinstance(v, float) and math.isnan(v))


def _kind(v: Any) -> str:
    if isinstance(v, Layer):
        return "layer"
    if isinstance(v, Tensor) or (isinstance(v, tuple) and v and all(
            isinstance(x, Tensor) for x in v)):
        return "tensor"
    return "value"


#: id(expr) -> (expr, label): a choice's labels are printed once per AST node, not on
#: every bind (printing was a third of a bind's time in a search loop). Holding the node
#: keeps its id from being reused; the table is emptied when it grows past the limit.
_LABELS: dict[int, tuple[A.Expr, str]] = {}
_MAX_LABELS = 100_000


def _expr_label(e: A.Expr) -> str:
    hit = _LABELS.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    try:
        from archlang.syntax.format import format_expr
    except ImportError:  # pragma: no cover - during bootstrap
        return type(e).__name__
    if len(_LABELS) >= _MAX_LABELS:
        _LABELS.clear()
    text = _LABELS[id(e)] = (e, format_expr(e))
    return text[1]

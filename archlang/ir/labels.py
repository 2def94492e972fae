"""What evaluating an unchosen candidate would do to its instance's labels, without doing it.

A bind walk needs only the chosen candidate of a layer choice. But the candidates share
their instance's namer (ir/scope.py): ``choice(linear(16), relu(), linear(32))`` allocates
``linear`` and ``linear_1`` whichever is chosen, and every key and instance path after it
depends on that. So an unchosen candidate cannot simply be skipped: its labels must still be
allocated, in order. A *label plan* is that order, read once from the candidate's syntax:

    conv_unit(choice(16, 32), k = choice(3, 5))   ->   conv_unit, conv_unit.w, conv_unit.k

(each ``.w`` step is the label allocated before it, here ``conv_unit`` or ``conv_unit_1``,
joined with the parameter's name, as `arguments.bind_call` names a decision written as an
argument). Running the plan allocates exactly those labels; nothing else of the candidate's
evaluation is observable off the chosen path (inactive scopes record nothing, add no node,
declare no decision in a bind walk). Evaluating every candidate was most of a bind on a
NAS-Bench-Graph space (8 of its 9 ops are unchosen each time).

Plans exist only for candidates whose labels do not depend on values: calls of ops, blocks
and `int`/`float`/`choice`/`subset` with arguments made of literals, names, lists and
further such calls, and `repeat(...)` layers. Anything else (a pipe, a conditional, `shared`,
`sum`, arithmetic that might be on tensors, a call that would raise) has no plan and is
evaluated as before, so a plan never changes a key, a path or a diagnostic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

from archlang.ir.arguments import MODULE_KW
from archlang.ir.builtins import BUILTINS
from archlang.ops import registry
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.program import Program
    from archlang.ir.scope import Env, Scope

#: False: every unchosen candidate is evaluated, as before plans existed (the reference
#: that tests/ir/test_bind_fast_paths.py compares the plans with; read by ir/hyper.py)
ENABLED = True

#: one label to allocate: a base name, or (index of an earlier label of the plan, parameter)
Step = Union[str, tuple[int, str]]


class NoPlan(Exception):
    """The candidate's labels depend on values: evaluate it."""


class Plan:
    """The labels a candidate allocates, and the builtins whose names it assumes unshadowed."""

    __slots__ = ("steps", "builtins", "bumps")

    def __init__(self, steps: tuple[Step, ...], builtins: frozenset[str]) -> None:
        self.steps = steps
        self.builtins = builtins
        #: where no step joins an earlier label: how much each base's count grows, bases in
        #: order of first use (a namer's counts keep that order: ir/stmtmemo.py keys by it)
        self.bumps: tuple[tuple[str, int], ...] | None = None
        if all(type(s) is str for s in steps):
            grow: dict[str, int] = {}
            for base in steps:
                grow[base] = grow.get(base, 0) + 1  # type: ignore[index]
            self.bumps = tuple(grow.items())

    @staticmethod
    def joined(plans: Any) -> Plan:
        """The plans run one after another, as one (each step's references shifted)."""
        steps: list[Step] = []
        builtins: set[str] = set()
        for plan in plans:
            base = len(steps)
            steps.extend(s if type(s) is str else (s[0] + base, s[1]) for s in plan.steps)
            builtins |= plan.builtins
        return Plan(tuple(steps), frozenset(builtins))

    def run(self, scope: Scope) -> None:
        """Allocate the plan's labels in `scope`'s namer, in evaluation order (what
        `Namer.alloc` does, inlined: a plan runs for every unchosen candidate)."""
        counts = scope.namer.counts
        if self.bumps is not None:  # no label is read back: only the counts move
            for base, n in self.bumps:
                counts[base] = counts.get(base, 0) + n
            return
        out: list[str] = []
        for step in self.steps:
            base = step if type(step) is str else f"{out[step[0]]}.{step[1]}"
            n = counts.get(base, 0)
            counts[base] = n + 1
            out.append(base if n == 0 else f"{base}_{n}")


def plan_for(program: Program, expr: A.Expr, env: Env) -> Plan | None:
    """The label plan of `expr` evaluated in `env`'s module (None: it has none).

    Cached per program and AST node, and valid while the op registry is unchanged (a plan
    reads which names are ops, and their parameters)."""
    cache: dict[int, tuple[A.Expr, int, Plan | None]] = program.bind_caches.setdefault(
        "label_plans", {})
    hit = cache.get(id(expr))
    generation = registry.generation()
    if hit is not None and hit[0] is expr and hit[1] == generation:
        return hit[2]
    builder = _Builder(program, env)
    try:
        builder.expr(expr, None)
        plan: Plan | None = Plan(tuple(builder.steps), frozenset(builder.builtins))
    except NoPlan:
        plan = None
    cache[id(expr)] = (expr, generation, plan)
    return plan


class _Builder:
    """Walks a candidate's syntax in the order the elaborator evaluates it."""

    def __init__(self, program: Program, env: Env) -> None:
        self.program = program
        self.module = program._module_for_env(env)
        self.steps: list[Step] = []
        self.builtins: set[str] = set()

    def alloc(self, step: Step) -> int:
        self.steps.append(step)
        return len(self.steps) - 1

    # the hint is how `Expressions.eval`'s `hint` reaches a hyper call: (label index, param)
    def expr(self, e: A.Expr, hint: tuple[int, str] | None) -> None:
        if isinstance(e, (A.Name, A.IntLit, A.FloatLit, A.StrLit, A.BoolLit, A.NoneLit)):
            return
        if isinstance(e, (A.ListLit, A.TupleLit)):
            for x in e.items:
                self.expr(x, None)
        elif isinstance(e, A.Call):
            self.call(e, hint)
        elif isinstance(e, A.Repeat):
            self.alloc("repeat")
            if isinstance(e.count, A.Call) and e.count.func in A.HYPER_NAMES:
                self.hyper_body(e.count)  # its label is the repeat's (`eval_repeat`)
            else:
                self.expr(e.count, None)
        elif isinstance(e, (A.Index, A.Slice, A.Attribute, A.Not, A.Neg, A.Compare)):
            self.no_labels(e)  # values only: no label, whatever the values are
        else:  # pipes, conditionals, boolean operators, arithmetic, `*xs` outside a call
            raise NoPlan

    def no_labels(self, e: A.Expr) -> None:
        """`e` must allocate nothing: names, literals, indexing, comparisons of those."""
        for node in A.walk(e):
            if isinstance(node, (A.Call, A.Pipe, A.BinOp, A.CondExpr, A.BoolOp, A.Repeat,
                                 A.Starred)):
                raise NoPlan

    def call(self, e: A.Call, hint: tuple[int, str] | None) -> None:
        func = e.func
        if func in A.HYPER_NAMES:
            self.alloc(hint if hint is not None else func)
            self.hyper_body(e)
            return
        if func == "shared" or func == "sum":
            raise NoPlan
        if func in BUILTINS:
            self.builtins.add(func)  # valid while no local name shadows it (`_call`)
            for a in e.args:
                if isinstance(a, A.Starred):
                    self.no_labels(a.value)
                else:
                    self.no_labels(a)
            if e.kwargs:
                raise NoPlan
            return
        item = self.module.visible.get(func) if self.module is not None else None
        if isinstance(item, A.BlockDef):
            self.arguments(e, item.params, item)
            return
        if item is not None:
            raise NoPlan  # a network or a constant called: an error, said by evaluating
        spec = registry.get_op(func)
        if spec is None or spec.inputs == 0:
            raise NoPlan
        self.arguments(e, spec.params, None)

    def hyper_body(self, e: A.Call) -> None:
        """What `choice`/`subset`/`int`/`float` evaluate after allocating their label."""
        if e.func == "choice":
            if e.kwargs or not e.args:
                raise NoPlan
            if len(e.args) == 1 and not isinstance(e.args[0], A.Starred):
                raise NoPlan  # a single list may be spread (`expand_candidates`)
            for a in e.args:
                if isinstance(a, A.Starred):
                    if isinstance(a.value, (A.ListLit, A.TupleLit)):
                        for x in a.value.items:
                            self.expr(x, None)
                    else:
                        self.no_labels(a.value)
                else:
                    self.expr(a, None)
            return
        if e.func == "subset":
            if e.kwargs or len(e.args) < 2:
                raise NoPlan
            self.expr(e.args[0], None)
            for a in e.args[1:]:
                self.no_labels(a.value if isinstance(a, A.Starred) else a)
            return
        for a in e.args:  # int / float: the bounds, then `log`
            self.expr(a, None)
        for kw in e.kwargs:
            self.expr(kw.value, None)

    def arguments(self, e: A.Call, params: Any, block: A.BlockDef | None) -> None:
        """An op or block call: its label, then its arguments as `bind_call` evaluates them
        (positional, then keywords, then a block's defaults for the rest)."""
        names = [p.name for p in params]
        if len(e.args) > len(names) or any(isinstance(a, A.Starred) for a in e.args):
            raise NoPlan
        given: list[tuple[str, A.Expr]] = list(zip(names, e.args))
        for kw in e.kwargs:
            if kw.name == MODULE_KW and MODULE_KW not in names:
                continue
            if kw.name not in names or any(kw.name == n for n, _ in given):
                raise NoPlan
            given.append((kw.name, kw.value))
        me = self.alloc(e.func)
        for name, value in given:
            self.expr(value, (me, name))
        if block is None:
            return
        done = {n for n, _ in given}
        module, self.module = self.module, self.program.module_of(block)  # defaults read
        try:                                                               # the block's module
            self.defaults(block, names, done, me)
        finally:
            self.module = module

    def defaults(self, block: A.BlockDef, names: list[str], done: set[str], me: int) -> None:
        for p in block.params:
            if p.name in done:
                continue
            if p.default is None:
                raise NoPlan  # a missing argument: an error, said by evaluating
            if any(n in names for n in _builtin_names(p.default)):
                raise NoPlan  # a parameter named like a builtin shadows it there
            self.expr(p.default, (me, p.name))


def _builtin_names(e: A.Expr) -> set[str]:
    return {n.func for n in A.walk(e) if isinstance(n, A.Call) and n.func in BUILTINS}

"""The elaborator: walks a network's program tree and evaluates it.

One walk serves two purposes (so that decision keys agree by construction):

* the **space walk** (no assignment) computes with unknowns and records every decision point
  with its condition: this is how a Space learns its decisions;
* the **bind walk** (an assignment) computes concrete values on the chosen branches, builds
  the concrete `Graph` with shapes, and reports errors at the `.arch` place that caused them.

Statements and expressions live here; decisions in ir/hyper.py; layer application in
ir/apply.py; argument binding in ir/arguments.py.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import (
    ArchError,
    ArchLimitError,
    ArchNameError,
    ArchSpaceError,
    ArchTypeError,
    Suggest,
)
from archlang.ir import apply as _apply
from archlang.ir import hyper as _hyper
from archlang.ir.arguments import bind_call
from archlang.ir.builtins import BUILTINS, BuiltinError, call_builtin
from archlang.ir.decisions import Assignment, DecisionPoint
from archlang.ir.graph import Graph
from archlang.ir.program import check_not_evaluating
from archlang.ir.record import Recorder
from archlang.ir.scope import Env, Scope
from archlang.ir.values import (
    SHADOW,
    BlockLayer,
    ChainLayer,
    Layer,
    OpLayer,
    Tensor,
    Unknown,
    is_unknown,
    type_name,
    unknown_of,
)
from archlang.ops.registry import all_ops, get_op
from archlang.source import Span
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.program import Program

#: work limits: elaboration always ends, in bounded memory
MAX_STEPS = 5_000_000
MAX_NODES = 200_000
MAX_DECISIONS = 200_000


class Frame:
    """The mutable state of one body being executed: its variables and current tensor."""

    __slots__ = ("env", "current")

    def __init__(self, env: Env, current: Any = None) -> None:
        self.env = env
        self.current = current


class Elaborator:
    """Evaluates one network. See the module docstring for the two kinds of walk."""

    def __init__(self, program: Program, assignment: Assignment | None = None) -> None:
        self.program = program
        self.assignment = assignment
        self.space_walk = assignment is None
        self.decisions: list[DecisionPoint] = []
        self.decision_index: dict[str, DecisionPoint] = {}
        #: (block name, call span) of the block applications around the current point
        self.call_stack: list[tuple[str, Span]] = []
        self.used: Assignment = {}
        self.graph = Graph("")
        self.requires: list[tuple[A.Require, Frame, Scope]] = []
        #: space walk: the requires that read decisions but no static figure, for
        #: `Space.allows` to check before anything is bound
        self.decision_requires: list[tuple[A.Require, Frame, Scope]] = []
        #: set by a bind walk that should remember its decisions (for `Arch.to_arch`)
        self.recorder: Recorder | None = None
        self.steps = 0

    # ------------------------------------------------------------ entry point

    def run(self, net: A.NetworkDef, env: Env, overrides: dict[str, Any]) -> Tensor:
        self.graph.name = net.name
        scope = Scope(net.name, active=not self.space_walk)
        frame = Frame(Env(env))
        args = {}
        for p in net.params:
            if p.name in overrides:
                args[p.name] = overrides[p.name]
            elif p.default is not None:
                args[p.name] = self.eval(p.default, scope, Frame(Env(env, dict(args))),
                                         hint=p.name)
            else:
                raise ArchTypeError(
                    f"network `{net.name}` needs a value for its parameter `{p.name}`", p.span,
                    hint=f"give it a default: `{p.name}: int = ...`", code="E305")
        frame.env.vars.update(args)
        inputs = [self._network_input(i, scope, frame) for i in net.inputs]
        for i, t in zip(net.inputs, inputs):
            frame.env.vars[i.name] = t
        frame.current = inputs[0] if len(inputs) == 1 else None
        result = self.exec_body(net.body, scope, frame, net.span)
        if not isinstance(result, Tensor):
            raise ArchTypeError(f"network `{net.name}` must return a tensor, but returns "
                                f"{type_name(result)}", net.span, code="E307")
        if result.node is not None:
            self.graph.output = result.node
            self.graph.prune()
            self.check_figures()
        return result

    def _network_input(self, inp: A.Input, scope: Scope, frame: Frame) -> Tensor:
        if inp.shape is None:
            raise ArchTypeError(f"network input `{inp.name}` needs a shape", inp.span,
                                hint=f"write `{inp.name}: [C, H, W]` (no batch dimension)",
                                code="E308")
        dtype, shape_expr = "float", inp.shape
        if isinstance(shape_expr, A.Index) and isinstance(shape_expr.value, A.Name):
            dtype, shape_expr = shape_expr.value.id, shape_expr.index
            if dtype not in ("long", "float"):
                raise ArchTypeError(f"unknown input type `{dtype}`", inp.shape.span,
                                    hint="use `long[...]` for token ids", code="E308")
        shape = self.eval(shape_expr, scope, frame)
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        if not (isinstance(shape, tuple) and all(isinstance(d, int) and not isinstance(d, bool)
                                                 and d > 0 for d in shape)):
            raise ArchTypeError(
                f"the shape of `{inp.name}` must be a list of positive integers, but got "
                f"{_show(shape)}", inp.shape.span, code="E308")
        if self.space_walk:
            return Tensor(None, shape, dtype)
        node = self.graph.add("input", [], {}, shape, inp.name, inp.span, dtype)
        return Tensor(node, shape, dtype)

    # ------------------------------------------------------------ statements

    def exec_body(self, body: tuple[A.Stmt, ...], scope: Scope, frame: Frame,
                  span: Span) -> Any:
        """Run statements; the result is the `return` value, else the current tensor."""
        for stmt in body:
            result = self.exec_stmt(stmt, scope, frame)
            if result is not None:
                return result[0]
        if frame.current is None:
            raise ArchTypeError("this body computes no tensor", span,
                                hint="end it with `return <tensor>`", code="E307")
        return frame.current

    def exec_stmt(self, stmt: A.Stmt, scope: Scope, frame: Frame) -> tuple[Any] | None:
        self._tick(stmt.span)
        if isinstance(stmt, A.Assign):
            value = self.eval(stmt.value, scope, frame, hint=stmt.name)
            frame.env.vars[stmt.name] = value
            if isinstance(value, Tensor):
                frame.current = value
        elif isinstance(stmt, A.ExprStmt):
            value = self.eval(stmt.expr, scope, frame)
            frame.current = self._feed(value, frame, scope, stmt.expr.span)
        elif isinstance(stmt, A.Return):
            return (self.eval(stmt.value, scope, frame),)
        elif isinstance(stmt, A.For):
            return self._exec_for(stmt, scope, frame)
        elif isinstance(stmt, A.If):
            return self._exec_if(stmt, scope, frame)
        elif isinstance(stmt, A.Require):
            self._require(stmt, scope, frame)
        return None

    def _require(self, stmt: A.Require, scope: Scope, frame: Frame) -> None:
        """Check a constraint now, or at the end when it reads `params` or `flops`."""
        if _FIGURES & _free_names(stmt.expr) and not any(n in frame.env for n in _FIGURES):
            self.requires.append((stmt, Frame(_snapshot(frame.env)), scope))
            return
        self._check_require(stmt, scope, frame)

    def _check_require(self, stmt: A.Require, scope: Scope, frame: Frame) -> None:
        ok = self.eval(stmt.expr, scope, frame)
        if is_unknown(ok) and self.space_walk and scope.dynamic_if is None:
            self.decision_requires.append((stmt, Frame(_snapshot(frame.env)), scope))
        if is_unknown(ok) or ok:
            return
        from archlang.syntax.format import format_expr

        used = ", ".join(f"{k} = {v!r}" for k, v in list(self.used.items())[:6])
        raise ArchSpaceError(f"requirement `{format_expr(stmt.expr)}` does not hold", stmt.span,
                             notes=[f"with {used}"] if used else [], code="E514")

    def check_figures(self) -> None:
        """The requirements that read static figures, once the graph is complete."""
        if not self.requires or self.space_walk:
            return
        from archlang.ops.registry import get_op as op

        params = flops = 0
        for n in self.graph.nodes:
            spec = op(n.op)
            assert spec is not None
            shapes = [x.shape for x in n.inputs]
            params += spec.count_params(n.attrs, shapes)
            flops += spec.flops(n.attrs, shapes, n.shape)
        for stmt, frame, scope in self.requires:
            frame.env.vars.update({"params": params, "flops": flops})
            self._check_require(stmt, scope, frame)

    def _feed(self, value: Any, frame: Frame, scope: Scope, span: Span) -> Any:
        """An expression statement: a layer is applied to the current tensor."""
        if isinstance(value, Layer):
            if frame.current is None:
                raise ArchTypeError(
                    "there is no tensor to apply this layer to", span,
                    hint="write `h = x -> layer(...)`, naming the input", code="E309")
            return _apply.apply_layer(self, value, frame.current, scope, span)
        if isinstance(value, Tensor) or (isinstance(value, tuple) and value
                                         and all(isinstance(v, Tensor) for v in value)):
            return value
        raise ArchTypeError(f"a statement must compute a layer or a tensor, but this computes "
                            f"{type_name(value)}", span,
                            hint="bind values to names: `name = ...`", code="E310")

    def _exec_for(self, stmt: A.For, scope: Scope, frame: Frame) -> tuple[Any] | None:
        items = self.eval(stmt.iterable, scope, frame)
        if is_unknown(items):
            raise ArchSpaceError("a `for` loop cannot run over a decision", stmt.iterable.span,
                                 hint="use `repeat(n) { ... }` for a searched number of copies",
                                 code="E506")
        if not isinstance(items, tuple):
            raise ArchTypeError(f"`for` expects a list, but got {type_name(items)}",
                                stmt.iterable.span, code="E311")
        rec = self.recorder if scope.active else None
        for i, item in enumerate(items):
            self._bind_targets(stmt, item, frame)
            if rec is not None:
                rec.add(scope.path, stmt, item)
                outer, rec.loop_ctx = rec.loop_ctx, rec.loop_ctx + ((id(stmt), i),)
            try:
                result = self._exec_stmts(stmt.body, scope, frame)
            finally:
                if rec is not None:
                    rec.loop_ctx = outer
            if result is not None:
                return result
        return None

    def _bind_targets(self, stmt: A.For, item: Any, frame: Frame) -> None:
        if len(stmt.targets) == 1:
            frame.env.vars[stmt.targets[0]] = item
            return
        if not isinstance(item, tuple) or len(item) != len(stmt.targets):
            raise ArchTypeError(
                f"cannot unpack {_show(item)} into {len(stmt.targets)} names "
                f"({', '.join(stmt.targets)})", stmt.iterable.span, code="E311")
        for name, v in zip(stmt.targets, item):
            frame.env.vars[name] = v

    def _exec_stmts(self, body: tuple[A.Stmt, ...], scope: Scope,
                    frame: Frame) -> tuple[Any] | None:
        for s in body:
            result = self.exec_stmt(s, scope, frame)
            if result is not None:
                return result
        return None

    def _exec_if(self, stmt: A.If, scope: Scope, frame: Frame) -> tuple[Any] | None:
        for i, (test_expr, body) in enumerate(stmt.branches):
            test = self.eval(test_expr, scope, frame)
            if is_unknown(test):
                return self._exec_dynamic_if(stmt, scope, frame)
            if test:
                self.record(scope, stmt, i)
                return self._exec_stmts(body, scope, frame)
        self.record(scope, stmt, len(stmt.branches))
        if stmt.orelse is not None:
            return self._exec_stmts(stmt.orelse, scope, frame)
        return None

    def _exec_dynamic_if(self, stmt: A.If, scope: Scope, frame: Frame) -> tuple[Any] | None:
        """A test that depends on decisions (only off the chosen path): walk every branch."""
        shadow = scope.shadow(stmt.span)
        bodies = [b for _, b in stmt.branches] + ([stmt.orelse] if stmt.orelse else [])
        changed: set[str] = set()
        returned = False
        for body in bodies:
            branch = Frame(Env(frame.env), frame.current)
            returned |= self._exec_stmts(body, shadow, branch) is not None
            changed |= set(branch.env.vars)
        for name in changed:
            old = frame.env.vars.get(name)
            frame.env.vars[name] = SHADOW if isinstance(old, Tensor) or old is None else \
                unknown_of(old)
        frame.current = SHADOW if frame.current is not None else None
        return (SHADOW,) if returned else None

    # ------------------------------------------------------------ expressions

    def eval(self, e: A.Expr, scope: Scope, frame: Frame, hint: str | None = None) -> Any:
        """Evaluate an expression. `hint` names a decision written directly here."""
        method = _EVAL.get(type(e))
        if method is None:  # pragma: no cover - every AST class has a method
            raise TypeError(f"cannot evaluate {type(e).__name__}")
        return method(self, e, scope, frame, hint)

    def _name(self, e: A.Name, scope: Scope, frame: Frame, hint: str | None) -> Any:
        try:
            value = frame.env.lookup(e.id)
            check_not_evaluating(value, e.id, e.span)
        except KeyError:
            value = self.program.lookup_global(frame.env, e.id)
            if value is None:
                raise ArchNameError(f"unknown name `{e.id}`", e.span,
                                    hint=Suggest(frame.env.names()).hint(e.id),
                                    code="E201") from None
        if isinstance(value, (A.BlockDef, A.NetworkDef)):
            raise ArchTypeError(f"`{e.id}` is a block; call it to make a layer", e.span,
                                hint=f"write `{e.id}(...)`", code="E312")
        return value

    def _call(self, e: A.Call, scope: Scope, frame: Frame, hint: str | None) -> Any:
        self._tick(e.span)
        if e.func in A.HYPER_NAMES:
            return _hyper.eval_hyper(self, e, scope, frame, hint)
        if e.func in BUILTINS and e.func not in frame.env.vars:
            return self._call_builtin(e, scope, frame)
        target = self.program.lookup_global(frame.env, e.func)
        if isinstance(target, A.BlockDef):
            return self._call_block(e, target, scope, frame)
        if isinstance(target, A.NetworkDef):
            raise ArchTypeError(f"`{e.func}` is a network; only blocks can be used as layers",
                                e.name_span, hint=f"declare it with `block {e.func}(...)`",
                                code="E312")
        spec = get_op(e.func)
        if spec is None:
            names = set(all_ops()) | self.program.global_names(frame.env) | set(BUILTINS)
            raise ArchNameError(f"unknown op or block `{e.func}`", e.name_span,
                                hint=Suggest(names).hint(e.func), code="E202")
        name = scope.label(e.func)
        attrs = bind_call(self, e, spec, scope, frame, name)
        layer = OpLayer(e.span, name, spec=spec, attrs=attrs, call=e)
        if spec.inputs == 0:
            return _apply.apply_layer(self, layer, (), scope, e.span)
        return layer

    def _call_block(self, e: A.Call, block: A.BlockDef, scope: Scope, frame: Frame) -> Any:
        name = scope.label(e.func)
        env = self.program.env_of(block)
        args = bind_call(self, e, block, scope, frame, name)
        return BlockLayer(e.span, name, block=block, env=env, args=args, call=e,
                          origin=(scope.path, self.loop_ctx()))

    def loop_ctx(self) -> Any:
        return self.recorder.loop_ctx if self.recorder is not None else ()

    def record(self, scope: Scope, node: Any, value: Any) -> None:
        """Remember what `node` evaluated to on the chosen path (bind walks that record)."""
        if self.recorder is not None and scope.active:
            self.recorder.add(scope.path, node, value)

    def _call_builtin(self, e: A.Call, scope: Scope, frame: Frame) -> Any:
        if e.kwargs:
            raise ArchTypeError(f"`{e.func}` takes no keyword arguments", e.kwargs[0].span,
                                code="E303")
        args = [self.eval(a, scope, frame) for a in e.args]
        try:
            return call_builtin(e.func, args)
        except BuiltinError as exc:
            raise ArchTypeError(str(exc), e.span, code="E313") from None

    def _repeat(self, e: A.Repeat, scope: Scope, frame: Frame, hint: str | None) -> Any:
        return _hyper.eval_repeat(self, e, scope, frame)

    def _pipe(self, e: A.Pipe, scope: Scope, frame: Frame, hint: str | None) -> Any:
        value = self.eval(e.stages[0], scope, frame)
        if isinstance(value, Layer):
            stages = [value] + [self._layer_stage(s, scope, frame) for s in e.stages[1:]]
            return ChainLayer(e.span, stages[0].name, stages=tuple(stages))
        if not (isinstance(value, Tensor) or (isinstance(value, tuple) and value and all(
                isinstance(v, Tensor) for v in value))):
            raise ArchTypeError(f"`->` expects a tensor on its left, but got {type_name(value)}",
                                e.stages[0].span, code="E314")
        for stage in e.stages[1:]:
            layer = self._layer_stage(stage, scope, frame)
            value = _apply.apply_layer(self, layer, value, scope, stage.span)
        return value

    def _layer_stage(self, stage: A.Expr, scope: Scope, frame: Frame) -> Layer:
        layer = self.eval(stage, scope, frame)
        if not isinstance(layer, Layer):
            raise ArchTypeError(f"`->` expects a layer on its right, but got {type_name(layer)}",
                                stage.span, hint="layers are op or block calls: `relu()`",
                                code="E314")
        return layer

    def _cond_expr(self, e: A.CondExpr, scope: Scope, frame: Frame, hint: str | None) -> Any:
        test = self.eval(e.test, scope, frame)
        if is_unknown(test):
            shadow = scope.shadow(e.span)
            return unknown_of(self.eval(e.then, shadow, frame), self.eval(e.orelse, shadow,
                                                                          frame), test)
        self.record(scope, e, bool(test))
        return self.eval(e.then if test else e.orelse, scope, frame, hint)

    def _bool_op(self, e: A.BoolOp, scope: Scope, frame: Frame, hint: str | None) -> Any:
        left = self.eval(e.left, scope, frame)
        if not is_unknown(left) and (bool(left) if e.op == "and" else not bool(left)):
            return self.eval(e.right, scope, frame)
        if not is_unknown(left):
            return left
        return unknown_of(left, self.eval(e.right, scope, frame))

    def _not(self, e: A.Not, scope: Scope, frame: Frame, hint: str | None) -> Any:
        v = self.eval(e.operand, scope, frame)
        return unknown_of(v) if is_unknown(v) else not v

    def _compare(self, e: A.Compare, scope: Scope, frame: Frame, hint: str | None) -> Any:
        a, b = self.eval(e.left, scope, frame), self.eval(e.right, scope, frame)
        if is_unknown(a) or is_unknown(b):
            return unknown_of(a, b)
        try:
            return _COMPARE[e.op](a, b)
        except TypeError:
            raise ArchTypeError(f"cannot compare {type_name(a)} and {type_name(b)} with "
                                f"`{e.op}`", e.span, code="E315") from None

    def _binop(self, e: A.BinOp, scope: Scope, frame: Frame, hint: str | None) -> Any:
        a, b = self.eval(e.left, scope, frame), self.eval(e.right, scope, frame)
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            return _apply.tensor_binop(self, e, a, b, scope)
        if is_unknown(a) or is_unknown(b):
            return unknown_of(a, b)
        _check_size(e, a, b)
        try:
            result = _ARITH[e.op](a, b)
        except ZeroDivisionError:
            raise ArchTypeError("division by zero", e.span, code="E316") from None
        except (TypeError, OverflowError, ValueError):
            raise ArchTypeError(f"cannot compute {type_name(a)} {e.op} {type_name(b)}", e.span,
                                code="E315") from None
        if isinstance(result, int) and abs(result) > 10**18 or isinstance(result, tuple) and \
                len(result) > 100_000:
            raise ArchLimitError("this value is too large", e.span, code="E605")
        return result

    def _neg(self, e: A.Neg, scope: Scope, frame: Frame, hint: str | None) -> Any:
        v = self.eval(e.operand, scope, frame)
        if is_unknown(v):
            return unknown_of(v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ArchTypeError(f"cannot negate {type_name(v)}", e.span, code="E315")
        return -v

    def _index(self, e: A.Index, scope: Scope, frame: Frame, hint: str | None) -> Any:
        v, i = self.eval(e.value, scope, frame), self.eval(e.index, scope, frame)
        if is_unknown(v) or is_unknown(i):
            return unknown_of(v, i)
        if not isinstance(v, (tuple, str)) or isinstance(i, bool) or not isinstance(i, int):
            raise ArchTypeError(f"cannot index {type_name(v)} with {type_name(i)}", e.span,
                                code="E315")
        if not -len(v) <= i < len(v):
            raise ArchTypeError(f"index {i} is out of range for a list of {len(v)}", e.span,
                                code="E317")
        return v[i]

    def _attribute(self, e: A.Attribute, scope: Scope, frame: Frame, hint: str | None) -> Any:
        v = self.eval(e.value, scope, frame)
        if isinstance(v, Tensor) and e.name in ("shape", "channels"):
            return call_builtin(e.name, [v])
        raise ArchTypeError(f"{type_name(v)} has no attribute `{e.name}`", e.span,
                            hint="tensors have `.shape` and `.channels`", code="E318")

    def _literal(self, e: Any, scope: Scope, frame: Frame, hint: str | None) -> Any:
        return None if isinstance(e, A.NoneLit) else e.value

    def _sequence(self, e: Any, scope: Scope, frame: Frame, hint: str | None) -> Any:
        return tuple(self.eval(x, scope, frame) for x in e.items)

    # ------------------------------------------------------------ bookkeeping

    def _tick(self, span: Span) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ArchLimitError(f"elaboration takes more than {MAX_STEPS:,} steps", span,
                                 hint="is a loop or a repeat far larger than intended?",
                                 code="E604")
        if len(self.graph.nodes) > MAX_NODES:
            raise ArchLimitError(f"the network has more than {MAX_NODES:,} layers", span,
                                 code="E604")

    def register(self, d: DecisionPoint, scope: Scope) -> None:
        """Record a decision found by the space walk."""
        if scope.dynamic_if is not None:
            raise ArchSpaceError(
                "a decision cannot be declared inside an `if` whose test depends on "
                "decisions", d.span, hint="declare it before the `if`, or use `choice(...)` "
                "between the alternatives", code="E505")
        if d.key in self.decision_index:
            raise ArchSpaceError(f"two decisions get the same key `{d.key}`", d.span,
                                 hint="bind one of them to a different name", code="E507")
        if len(self.decisions) >= MAX_DECISIONS:
            raise ArchLimitError(f"the space has more than {MAX_DECISIONS:,} decisions",
                                 d.span, code="E606")
        self.decision_index[d.key] = d
        self.decisions.append(d)

    def lookup_decision(self, key: str, span: Span) -> Any:
        """The assigned value of an active decision (bind walk)."""
        assert self.assignment is not None
        if key not in self.assignment:
            raise ArchSpaceError(
                f"decision `{key}` is open", span,
                hint="fix it with `--set KEY=VALUE` or `space.bind({...})`, or pick one at "
                     "random with `--seed N`", code="E501")
        return self.assignment[key]


_FIGURES = frozenset({"params", "flops"})


def _free_names(e: Any) -> set[str]:
    """Names an expression reads (a syntactic over-approximation)."""
    return {n.id for n in A.walk(e) if isinstance(n, A.Name)}


def _snapshot(env: Env) -> Env:
    flat: dict[str, Any] = {}
    chain = []
    e: Env | None = env
    while e is not None and e.owner is None:
        chain.append(e)
        e = e.parent
    for part in reversed(chain):
        flat.update(part.vars)
    return Env(e, flat)


def _check_size(e: A.BinOp, a: Any, b: Any) -> None:
    """Refuse arithmetic whose result could exhaust time or memory (``10 ** 10 ** 9``)."""
    big = False
    if e.op == "**" and isinstance(b, (int, float)) and isinstance(a, (int, float)):
        big = abs(b) > 64 and abs(a) > 1
    elif e.op == "*" and (isinstance(a, (tuple, str)) or isinstance(b, (tuple, str))):
        n = b if isinstance(a, (tuple, str)) else a
        seq = a if isinstance(a, (tuple, str)) else b
        big = isinstance(n, int) and n * max(1, len(seq)) > 100_000
    if big:
        raise ArchLimitError("this value is too large to compute", e.span, code="E605")


def _show(v: Any) -> str:
    if isinstance(v, tuple):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, Unknown):
        return "a value that depends on decisions"
    if isinstance(v, (Tensor, Layer)):
        return f"a {type_name(v)}"
    return repr(v) if not isinstance(v, bool) else str(v).lower()


_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge}
_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "//": operator.floordiv, "%": operator.mod, "**": operator.pow}

_EVAL: dict[type, Any] = {
    A.Name: Elaborator._name, A.Call: Elaborator._call, A.Repeat: Elaborator._repeat,
    A.Pipe: Elaborator._pipe, A.CondExpr: Elaborator._cond_expr,
    A.BoolOp: Elaborator._bool_op, A.Not: Elaborator._not, A.Compare: Elaborator._compare,
    A.BinOp: Elaborator._binop, A.Neg: Elaborator._neg, A.Index: Elaborator._index,
    A.Attribute: Elaborator._attribute, A.IntLit: Elaborator._literal,
    A.FloatLit: Elaborator._literal, A.StrLit: Elaborator._literal,
    A.BoolLit: Elaborator._literal, A.NoneLit: Elaborator._literal,
    A.ListLit: Elaborator._sequence, A.TupleLit: Elaborator._sequence,
}

__all__ = ["ArchError", "Elaborator", "Frame"]

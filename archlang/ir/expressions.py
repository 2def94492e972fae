"""Evaluating expressions: names, calls (ops, blocks, builtins, hyper values), pipes,
arithmetic, comparisons, indexing and literals, on values that may be unknown (decisions).

`Expressions` is one part of the Elaborator (ir/elaborate.py); it calls ir/hyper.py for
`choice`/`subset`/ranges/`repeat`, ir/apply.py for layers on tensors, ir/arguments.py for
argument binding. One method per AST expression class, dispatched through `_EVAL`.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchLimitError, ArchNameError, ArchTypeError, Suggest
from archlang.ir import apply as _apply
from archlang.ir import hyper as _hyper
from archlang.ir.arguments import bind_call, module_name
from archlang.ir.builtins import BUILTINS, BuiltinError, call_builtin
from archlang.ir.constants import _EVALUATING, check_not_evaluating
from archlang.ir.sharing import SHARED, eval_shared, is_shared_call
from archlang.ir.values import (
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
from archlang.ir.walkstate import WalkState
from archlang.ops.plugins import UNKNOWN_OP_HINT
from archlang.ops.registry import all_ops, get_op
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.scope import Frame, Scope


class Expressions(WalkState):
    """The expression half of the Elaborator."""

    def eval(self, e: A.Expr, scope: Scope, frame: Frame, hint: str | None = None) -> Any:
        """Evaluate an expression. `hint` names a decision written directly here."""
        method = _EVAL.get(type(e))
        if method is None:  # pragma: no cover - every AST class has a method
            raise TypeError(f"cannot evaluate {type(e).__name__}")
        return method(self, e, scope, frame, hint)

    def _name(self, e: A.Name, scope: Scope, frame: Frame, hint: str | None) -> Any:
        try:
            value = frame.env.lookup(e.id)
            if value is _EVALUATING:
                check_not_evaluating(value, e.id, e.span)
        except KeyError:
            value = self.program.lookup_global(frame.env, e.id)
            if value is None:
                _not_a_copy_index(self, e, frame)
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
        if e.func == SHARED and is_shared_call(self, e, frame):
            return eval_shared(self, e, scope, frame)  # type: ignore[arg-type]
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
                                hint=Suggest(names).hint(e.func) or UNKNOWN_OP_HINT,
                                code="E202")
        name = scope.label(e.func)
        attrs = bind_call(self, e, spec, scope, frame, name)
        layer = OpLayer(e.span, name, spec=spec, attrs=attrs, call=e)
        layer.module_name = module_name(e, spec)
        if spec.inputs == 0:
            return _apply.apply_layer(self, layer, (), scope, e.span, stage=e)
        return layer

    def _call_block(self, e: A.Call, block: A.BlockDef, scope: Scope, frame: Frame) -> Any:
        name = scope.label(e.func)
        env = self.program.env_of(block)
        args = bind_call(self, e, block, scope, frame, name)
        layer = BlockLayer(e.span, name, block=block, env=env, args=args, call=e,
                           origin=(scope.path, self.loop_ctx()))
        layer.module_name = module_name(e, block)
        return layer

    def _call_builtin(self, e: A.Call, scope: Scope, frame: Frame) -> Any:
        if e.kwargs:
            raise ArchTypeError(f"`{e.func}` takes no keyword arguments", e.kwargs[0].span,
                                code="E303")
        args: list[Any] = []
        for a in e.args:
            if isinstance(a, A.Starred):
                items = self.eval(a.value, scope, frame)
                if not isinstance(items, tuple):
                    raise ArchTypeError(f"`*` expects a list, but got {type_name(items)}",
                                        a.span, code="E313")
                args.extend(items)
            else:
                args.append(self.eval(a, scope, frame))
        if e.func == "sum" and len(args) == 1 and isinstance(args[0], tuple) and args[0] and \
                all(isinstance(t, Tensor) for t in args[0]):
            spec = get_op("add")
            assert spec is not None
            layer = OpLayer(e.span, scope.label("add"), spec=spec, attrs={})
            return _apply.apply_layer(self, layer, args[0], scope, e.span)
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
            value = _apply.apply_layer(self, layer, value, scope, stage.span, stage=stage)
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
        if _open(a) or _open(b):
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
        if _open(v) or is_unknown(i):
            return unknown_of(v, i)
        if not isinstance(v, (tuple, str)) or isinstance(i, bool) or not isinstance(i, int):
            raise ArchTypeError(f"cannot index {type_name(v)} with {type_name(i)}", e.span,
                                code="E315")
        if not -len(v) <= i < len(v):
            raise ArchTypeError(f"index {i} is out of range for a list of {len(v)}", e.span,
                                hint=f"valid indices are 0 to {len(v) - 1} (or -{len(v)} "
                                     f"to -1 from the end)" if v else "the list is empty",
                                code="E317")
        return v[i]

    def _slice(self, e: A.Slice, scope: Scope, frame: Frame, hint: str | None) -> Any:
        v = self.eval(e.value, scope, frame)
        bounds = [None if b is None else self.eval(b, scope, frame) for b in (e.lower, e.upper)]
        if _open(v) or any(is_unknown(b) for b in bounds):
            return unknown_of(v, *bounds)
        if not isinstance(v, (tuple, str)) or not all(
                b is None or isinstance(b, int) and not isinstance(b, bool) for b in bounds):
            raise ArchTypeError(f"cannot slice {type_name(v)} with "
                                f"{' and '.join(type_name(b) for b in bounds)}", e.span,
                                hint="slices take int bounds: `states[:i]`, `xs[1:]`",
                                code="E315")
        return v[bounds[0]:bounds[1]]

    def _attribute(self, e: A.Attribute, scope: Scope, frame: Frame, hint: str | None) -> Any:
        v = self.eval(e.value, scope, frame)
        if isinstance(v, Tensor) and e.name in ("shape", "channels"):
            return call_builtin(e.name, [v])
        raise ArchTypeError(f"{type_name(v)} has no attribute `{e.name}`", e.span,
                            hint="tensors have `.shape` and `.channels`", code="E318")

    def _starred(self, e: A.Starred, scope: Scope, frame: Frame, hint: str | None) -> Any:
        raise ArchTypeError("`*list` spreads a list only into the arguments of `choice`, "
                            "`subset` and builtins such as `max`", e.span,
                            hint="pass the list itself, or its items one by one",
                            code="E303")

    def _literal(self, e: Any, scope: Scope, frame: Frame, hint: str | None) -> Any:
        return None if isinstance(e, A.NoneLit) else e.value

    def _sequence(self, e: Any, scope: Scope, frame: Frame, hint: str | None) -> Any:
        return tuple(self.eval(x, scope, frame) for x in e.items)


def _not_a_copy_index(elab: Expressions, e: A.Name, frame: Frame) -> None:
    """An unknown name that a `repeat(...) as name` of this module declares: E321."""
    mod = elab.program._module_for_env(frame.env)
    if mod is None:
        return
    for node in A.walk(mod.tree):
        if isinstance(node, A.Repeat) and node.index == e.id:
            raise ArchNameError(f"`{e.id}` is the copy index of a `repeat`, and exists only "
                                "inside its body", e.span,
                                hint=f"use `{e.id}` between the braces of `repeat(...) as "
                                     f"{e.id} {{ ... }}`", code="E321",
                                notes=[f"the repeat is at {node.span}"])


def _open(v: Any) -> bool:
    """`v` is a value whose structure depends on decisions. A list is never open: its
    length is known, even where its elements are symbolic tensors or decisions."""
    return isinstance(v, Unknown) or isinstance(v, Tensor) and v.node is None


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


_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge}
_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "//": operator.floordiv, "%": operator.mod, "**": operator.pow}

_EVAL: dict[type, Any] = {
    A.Name: Expressions._name, A.Call: Expressions._call, A.Repeat: Expressions._repeat,
    A.Pipe: Expressions._pipe, A.CondExpr: Expressions._cond_expr,
    A.BoolOp: Expressions._bool_op, A.Not: Expressions._not, A.Compare: Expressions._compare,
    A.BinOp: Expressions._binop, A.Neg: Expressions._neg, A.Index: Expressions._index,
    A.Slice: Expressions._slice, A.Attribute: Expressions._attribute,
    A.Starred: Expressions._starred, A.IntLit: Expressions._literal,
    A.FloatLit: Expressions._literal, A.StrLit: Expressions._literal,
    A.BoolLit: Expressions._literal, A.NoneLit: Expressions._literal,
    A.ListLit: Expressions._sequence, A.TupleLit: Expressions._sequence,
}

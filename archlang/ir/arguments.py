"""Binding a call's arguments to an op's or a block's parameters, with type checks.

A decision written directly as an argument gets the key ``<instance>.<param>``:
``conv_bn_relu(width, k = choice(3, 5))`` declares ``net.conv_bn_relu.k``.

Every op and block call also takes ``name = "..."`` (unless a block declares a parameter of
that name): the attribute its layers get in the generated module (`module_name`). It names
the module only; instance paths and decision keys do not change with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchTypeError, Suggest
from archlang.ir.graph import RESERVED
from archlang.ir.scope import Env, Frame, Scope
from archlang.ir.values import Layer, Tensor, Unknown, type_name
from archlang.ops.registry import REQUIRED, OpSpec
from archlang.source import Span
from archlang.syntax import ast as A
from archlang.syntax.literals import value_text

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator


def bind_call(
    elab: Elaborator,
    call: A.Call,
    target: OpSpec | A.BlockDef,
    scope: Scope,
    frame: Frame,
    instance: str,
) -> dict[str, Any]:
    """Evaluate the arguments of `call` and match them to `target`'s parameters."""
    plans: dict[int, _Plan] = elab.program.bind_caches.setdefault("call_plans", {})
    plan = plans.get(id(call))
    if plan is None or plan.call is not call or plan.target is not target:
        plan = _Plan(call, target)  # raises where the call does not fit the parameters
        if len(plans) >= _MAX_PLANS:
            plans.clear()
        plans[id(call)] = plan
    evaluate = elab.eval
    values: dict[str, Any] = {}
    for p, e, how in plan.steps:
        if how is _LITERAL:  # what `Expressions._literal` returns, without the dispatch
            values[p] = e.value  # type: ignore[attr-defined]
        else:  # only a call (`choice(...)`) or a conditional reads the decision's name
            values[p] = evaluate(e, scope, frame, f"{instance}.{p}" if how is _HINTED else None)
    if isinstance(target, OpSpec):
        return _check_op_args(target, values, plan.exprs, call)
    return _fill_block_defaults(elab, target, values, plan.exprs, call, scope, instance)


class _Plan:
    """How a call's arguments meet its target's parameters, worked out once per call node
    and target (`Program.bind_caches`; holding the node keeps its id from being reused):
    each given parameter's expression and span (`exprs`), and per argument in evaluation
    order its parameter, its expression and how it is evaluated (`steps`). Building one
    raises what the call's syntax does not fit (E304, E303, E306), before any argument is
    evaluated, as binding did."""

    __slots__ = ("call", "target", "exprs", "steps")

    def __init__(self, call: A.Call, target: OpSpec | A.BlockDef) -> None:
        self.call, self.target = call, target
        params = target.params
        if len(call.args) > len(params):
            extra = call.args[len(params)]
            raise ArchTypeError(
                f"{_kind(target)} `{target.name}` takes {len(params)} positional argument"
                f"{'' if len(params) == 1 else 's'}, but got {len(call.args)}",
                extra.span,
                hint=_signature_hint(target),
                code="E304",
            )
        exprs: dict[str, tuple[A.Expr, Span]] = {}
        for p, arg in zip(params, call.args):
            exprs[p.name] = (arg, arg.span)
        names = [p.name for p in params]
        for kw in call.kwargs:
            kname = kw.name
            if kname not in names:
                if kname == MODULE_KW:
                    continue  # see `module_name`
                raise ArchTypeError(
                    f"{_kind(target)} `{target.name}` has no parameter `{kname}`",
                    kw.span,
                    hint=Suggest(names).hint(kname) or _signature_hint(target),
                    code="E303",
                )
            if kname in exprs:
                raise ArchTypeError(f"`{kname}` is given twice", kw.span, code="E306")
            exprs[kname] = (kw.value, kw.span)
        self.exprs = exprs
        self.steps = tuple((p, e, _LITERAL if type(e) in _LITERALS else
                            _HINTED if type(e) in _HINTED_TYPES else None)
                           for p, (e, _) in exprs.items())


#: how many call plans a program keeps (they are emptied when there are more)
_MAX_PLANS = 100_000
#: `_Plan.steps` marks: a literal read as it is; an expression given the decision's name
_LITERAL, _HINTED = object(), object()


#: literal expressions whose value is their `value` (`none` is not one: it has no `value`)
_LITERALS = frozenset({A.IntLit, A.FloatLit, A.StrLit, A.BoolLit})
#: the expressions that read the `hint` `Expressions.eval` passes (a decision's name):
#: `Expressions._call` (for `choice(...)` and the other hyper calls) and `_cond_expr`
_HINTED_TYPES = frozenset({A.Call, A.CondExpr})


def _kind(target: OpSpec | A.BlockDef) -> str:
    return "op" if isinstance(target, OpSpec) else "block"


#: the keyword every call takes for its module name
MODULE_KW = "name"


def module_name(call: A.Call, target: OpSpec | A.BlockDef) -> str | None:
    """The module name a call gives (``name = "conv1"``): "" for none, None for
    ``name = none`` on a block call. A literal only, so that it is the same in every member
    of a space."""
    for kw in call.kwargs:
        if kw.name != MODULE_KW:
            continue
        for p in target.params:
            if p.name == MODULE_KW:
                return ""  # the block's own parameter `name`
        value = kw.value
        if isinstance(value, A.NoneLit) and isinstance(target, A.BlockDef):
            return None
        if (isinstance(value, A.StrLit) and value.value.isidentifier()
                and value.value not in RESERVED and not value.value.startswith("_")):
            return value.value
        what = "a block's" if isinstance(target, A.BlockDef) else "an op's"
        raise ArchTypeError(
            f"{what} `name` must be a string literal holding a Python identifier"
            + (" or `none`" if isinstance(target, A.BlockDef) else "")
            + f", but got `{_name_text(value)}`",
            value.span, hint='write e.g. `name = "conv1"`; it names the layer\'s attribute in '
            "the generated module", code="E330")
    return ""


def _name_text(value: A.Expr) -> str:
    if isinstance(value, A.StrLit):
        return f'"{value.value}"'
    span = value.span
    if span.source is not None and span.line == span.end_line:
        return span.source.line(span.line)[span.col - 1:span.end_col - 1]
    return "an expression"


def _check_op_args(
    spec: OpSpec, values: dict[str, Any], exprs: dict[str, Any], call: A.Call
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in spec.params:
        name = p.name
        if name not in values:
            if p.default is REQUIRED:
                raise ArchTypeError(
                    f"op `{spec.name}` needs `{name}`",
                    call.span,
                    hint=_signature_hint(spec),
                    code="E305",
                )
            out[name] = p.default
            continue
        value = values[name]
        if not (type(value) is int and p.kind in _INT_KINDS):  # else nothing to check
            value = check_kind(value, p.kind, name, exprs[name][1])
        out[name] = value
        if p.check is not None and not _has_unknown(value):
            problem = p.check(value)
            if problem:
                raise ArchTypeError(problem, exprs[name][1], code="E319")
    return out


#: op parameter kinds an `int` passes as it is (`check_kind` returns it unchanged)
_INT_KINDS = frozenset({"int", "ints", "any", "int?", "ints?", "any?"})


def _ANY(v: Any) -> bool:
    return True


def _int_or_unknown(v: Any) -> bool:
    return _is_int(v) or isinstance(v, Unknown)


#: the value types an op parameter and a block parameter both name
_SCALAR_TYPES: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: type(v) is int or _is_int(v),  # defined below
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
}
#: an op parameter's kind -> the check of a value (built once, not per argument)
_OP_KINDS: dict[str, Callable[[Any], bool]] = {
    **_SCALAR_TYPES,
    "ints": lambda v: _is_int(v) or (isinstance(v, tuple) and bool(v)
                                     and all(_int_or_unknown(x) for x in v)),
    "shape": lambda v: isinstance(v, tuple) and all(_int_or_unknown(x) for x in v),
    "any": _ANY,
}
#: a block parameter's declared type -> the check of an argument
_BLOCK_TYPES: dict[str, Callable[[Any], bool]] = {
    **_SCALAR_TYPES,
    "list": lambda v: isinstance(v, tuple),
    "layer": lambda v: isinstance(v, Layer),
    "tensor": lambda v: isinstance(v, Tensor),
}


def check_kind(value: Any, kind: str, name: str, span: Span) -> Any:
    """Check (and normalise) a value against an op parameter kind; unknowns pass."""
    if isinstance(value, Unknown):
        return value
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if value is None and optional:
        return None
    ok = _OP_KINDS.get(kind, _ANY)
    if not ok(value):
        want = {
            "ints": "an int or a list of ints",
            "shape": "a list of ints",
            "int": "an int",
            "any": "a value",
        }.get(kind, f"a {kind}")
        raise ArchTypeError(
            f"`{name}` must be {want}, but got {_describe(value)}", span, code="E301"
        )
    if kind == "float" and isinstance(value, int):
        return float(value)
    return value


def _fill_block_defaults(
    elab: Elaborator,
    block: A.BlockDef,
    values: dict[str, Any],
    exprs: dict[str, Any],
    call: A.Call,
    scope: Scope,
    instance: str,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    env = None  # the block's module environment, looked up where a default needs it
    for p in block.params:
        if p.name in values:
            value = values[p.name]
            kind = p.type
            if kind is not None and kind != "any":
                ok = _BLOCK_TYPES.get(kind)
                if ok is None or not ok(value):  # an unknown passes there
                    _check_block_type(p, value, exprs[p.name][1])
        elif p.default is not None:
            if env is None:
                env = elab.program.env_of(block)
            value = elab.eval(
                p.default, scope, Frame(Env(env, dict(out))), hint=f"{instance}.{p.name}"
            )
        else:
            raise ArchTypeError(
                f"block `{block.name}` needs `{p.name}`",
                call.span,
                hint=_signature_hint(block),
                code="E305",
            )
        out[p.name] = value
    return out


def _check_block_type(p: A.Param, value: Any, span: Span) -> None:
    if p.type is None or p.type == "any" or isinstance(value, Unknown):
        return
    if not _BLOCK_TYPES[p.type](value):
        article = "an" if p.type == "int" else "a"
        raise ArchTypeError(
            f"`{p.name}` must be {article} {p.type}, but got {_describe(value)}", span, code="E301"
        )


def _signature_hint(target: OpSpec | A.BlockDef) -> str:
    if isinstance(target, OpSpec):
        parts = [
            p.name if p.required else f"{p.name} = {value_text(p.default)}" for p in target.params
        ]
    else:
        parts = [p.name if p.default is None else f"{p.name} = ..." for p in target.params]
    return f"the signature is `{target.name}({', '.join(parts)})`"


def _describe(v: Any) -> str:
    if isinstance(v, (Tensor, Layer)):
        return f"a {type_name(v)}"
    return f"{type_name(v)} {value_text(v)}"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _has_unknown(v: Any) -> bool:
    if isinstance(v, Unknown):
        return True
    return isinstance(v, tuple) and any(isinstance(x, Unknown) for x in v)

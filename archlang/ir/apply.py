"""Applying layers to tensors: ops become graph nodes, blocks and repeats become instances.

An op applied where the walk is concrete checks its inputs, infers the output shape and adds
a node; a shape error is reported at the op's call, with notes naming the block calls around
it. Off the concrete path (the space walk, unchosen candidates) application only walks
bodies, so that the decisions inside are found.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchLimitError, ArchShapeError, ArchTypeError
from archlang.ir import blockmemo, spacememo
from archlang.ir.graph import META_MODULE
from archlang.ir.scope import Env, Frame, Scope
from archlang.ir.values import (
    SHADOW,
    BlockLayer,
    ChainLayer,
    ChoiceLayer,
    Layer,
    OpLayer,
    RepeatLayer,
    Tensor,
    Unknown,
    is_unknown,
    type_name,
)
from archlang.ops.dims import lead_of, shape_text, typed
from archlang.ops.registry import OpError, op_for_infix, op_for_scalar_infix
from archlang.ops.registry import get_op as _get_op
from archlang.source import Span
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator

#: how deeply block applications may nest (a recursive block ends here)
MAX_DEPTH = 48
#: how many instances of one repeat body nested repeats may make, all copies together
MAX_COPIES = 10_000


def apply_layer(elab: Elaborator, layer: Layer, inputs: Any, scope: Scope, span: Span,
                stage: A.Expr | None = None, observed: bool = False) -> Any:
    """Apply `layer` to a tensor or a tuple of tensors; returns the output tensor.

    `stage` is the expression the layer was written as, where a statement or a pipe applies
    it (for the walk's observer, which sees each application once: `observed`)."""
    if elab.observer is not None and not observed:
        return elab.observer.apply(layer, inputs, stage, lambda: apply_layer(
            elab, layer, inputs, scope, span, observed=True))
    layer.applied += 1
    if elab.memo_stack:
        for rec in elab.memo_stack:
            if layer.serial < rec.floor:
                rec.tainted = True  # a layer made outside the body: its name is shared state
    # a layer value applied again is a new instance: `act`, then `act[1]`, `act[2]`
    name = layer.name if layer.applied == 1 else f"{layer.name}[{layer.applied - 1}]"
    if isinstance(layer, OpLayer):
        return _apply_op(elab, layer, inputs, scope, name)
    if isinstance(layer, BlockLayer):
        return _apply_block(elab, layer, inputs, scope, name, span)
    if isinstance(layer, RepeatLayer):
        return _apply_repeat(elab, layer, inputs, scope, name)
    if isinstance(layer, ChoiceLayer):
        for i, cand in enumerate(layer.candidates):
            apply_layer(elab, cand, inputs, scope.under((layer.key, frozenset({i})), False),
                        span)
        return SHADOW
    if isinstance(layer, ChainLayer):
        value = inputs
        for stage in layer.stages:
            value = apply_layer(elab, stage, value, scope, stage.span)
        return value
    raise TypeError(f"not a layer: {layer!r}")  # pragma: no cover


def _tensors(inputs: Any) -> list[Tensor]:
    if isinstance(inputs, Tensor):
        return [inputs]
    return list(inputs)


def _apply_op(elab: Elaborator, layer: OpLayer, inputs: Any, scope: Scope, name: str) -> Any:
    spec = layer.spec
    tensors = _tensors(inputs)
    n = len(tensors)
    if (spec.inputs is None and n == 0) or (spec.inputs is not None and n != spec.inputs):
        want = "one or more" if spec.inputs is None else str(spec.inputs)
        raise ArchTypeError(f"`{spec.name}` takes {want} input tensor"
                            f"{'' if spec.inputs == 1 else 's'}, but got {n}", layer.span,
                            hint=_arity_hint(spec.inputs, n), code="E320",
                            notes=_where(elab))
    if not scope.active:
        return SHADOW
    shapes = []
    plain = True  # no input is unbatched (only a TypedShape has a lead)
    for t in tensors:
        if t.node is None:
            return SHADOW
        shape = t.shape
        shapes.append(shape)
        if type(shape) is not tuple:
            plain = False
    for v in layer.attrs.values():
        if type(v) not in _PLAIN and is_unknown(v):
            return SHADOW
    try:
        # the input count is checked above and each parameter where it was written
        # (`arguments.bind_call`), so only the op's own check and shape rule are left
        out = spec.output_shape(layer.attrs, shapes)  # type: ignore[arg-type]
    except OpError as exc:
        code = exc.code or ("E401" if exc.kind == "shape" else "E319")
        cls = ArchShapeError if exc.kind == "shape" else ArchTypeError
        # a user op's own exception stays the cause, for `--traceback`; nothing else chains
        raise cls(exc.message, layer.span, hint=exc.hint, code=code,
                  notes=_where(elab)) from exc.__cause__
    if not spec.origin and not (plain and type(out) is tuple):
        # a built-in op keeps the first dim of unbatched inputs (where every input is
        # batched, `typed` gives a plain tuple, which `out` already is)
        out = typed(out, lead=_common_lead(elab, spec.name, tensors, layer.span))
    path = scope.path.partition(".")[2]
    path = f"{path}.{name}" if path else name
    node = elab.add_node(spec.name, [t.node for t in tensors],  # type: ignore[misc]
                         dict(layer.attrs), out, path, layer.span)
    if layer.module_name:
        node.meta[META_MODULE] = layer.module_name
    return Tensor(node, out)


#: attribute types that are never unknown
_PLAIN = frozenset({int, float, bool, str, type(None)})


def _common_lead(elab: Elaborator, op: str, tensors: list[Tensor], span: Span) -> Any:
    """The first dim the inputs of a built-in op share where they are unbatched (None where
    they are batched): built-in ops see it as the batch, so it must be one and the same.
    A `parameter` (a batch of 1) broadcasts against either."""
    if all(type(t.shape) is tuple for t in tensors):
        return None  # no input is unbatched (only a TypedShape has a lead)
    carried = [t for t in tensors if _get_op(t.node.op) is None  # type: ignore[union-attr]
               or _get_op(t.node.op).inputs != 0]  # type: ignore[union-attr]
    leads = {lead_of(t.shape) for t in carried}  # type: ignore[arg-type]
    if len(leads) > 1:
        shown = ", ".join(shape_text(t.shape) for t in carried)  # type: ignore[arg-type]
        raise ArchShapeError(f"`{op}` takes tensors of one first dimension (batched, or "
                             f"unbatched of one size), but got {shown}", span,
                             hint="a batched and an unbatched tensor, or two run-time "
                                  "sizes, cannot be combined by a built-in op", code="E401",
                             notes=_where(elab))
    return leads.pop() if leads else None


def _arity_hint(want: int | None, got: int) -> str | None:
    if want == 1 and got > 1:
        return "combine the tensors first, e.g. `(a, b) -> add()` or `-> concat()`"
    if want is not None and want > 1 and got == 1:
        return f"pass a tuple of {want} tensors: `(a, b) -> ...`"
    return None


def _where(elab: Elaborator) -> list[str]:
    return [f"in block `{block}` applied at {span}" for block, span in
            elab.block_trail(3)]


def _apply_block(elab: Elaborator, layer: BlockLayer, inputs: Any, scope: Scope, name: str,
                 span: Span) -> Any:
    block = layer.block
    if scope.depth >= MAX_DEPTH:
        raise ArchLimitError(f"blocks nest more than {MAX_DEPTH} deep", layer.span,
                             hint=f"does block `{block.name}` apply itself?", code="E603")
    env = Env(layer.env, dict(layer.args))
    tensors = _tensors(inputs)
    declared = block.inputs if block.inputs is not None else _ONE_INPUT
    if len(tensors) != len(declared):
        raise ArchTypeError(
            f"block `{block.name}` takes {len(declared)} input tensor"
            f"{'' if len(declared) == 1 else 's'}, but got {len(tensors)}", layer.span,
            hint=_arity_hint(len(declared), len(tensors)), code="E320", notes=_where(elab))
    if block.inputs is not None:
        for inp, t in zip(block.inputs, tensors):
            env.vars[inp.name] = t
    current = tensors[0] if len(tensors) == 1 else None
    child = scope.instance(name, layer.shared)
    if layer.call is not None:
        elab.record_instance(layer.origin, layer.call, child, block, scope)
    elab.add_instance(child, block.name, layer.module_name, layer.span)
    if elab.space_walk:
        return _walk_block(elab, layer, tensors, child, Frame(env, current))
    key = blockmemo.memo_key(elab, layer, tensors, child)
    if key is not None:
        result = blockmemo.replay(elab, key, layer, tensors, child)
        if result is not None:
            return result
        before = len(elab.graph.nodes), elab.steps, len(elab.requires)
        rec = blockmemo.start(elab)
    result = _run_body(elab, layer, child, Frame(env, current), rec if key is not None else None)
    if key is not None:
        blockmemo.finish(elab, rec, key, layer, tensors, child, *before, result)
    return result


def _walk_block(elab: Elaborator, layer: BlockLayer, tensors: list[Tensor], child: Scope,
                frame: Frame) -> Any:
    """A block applied in a space walk: an equal application walked before is taken
    (ir/spacememo.py), else the body runs."""
    key = spacememo.key(elab, layer, tensors, child)
    if key is None:
        return _run_body(elab, layer, child, frame, None)
    result = spacememo.replay(elab, key, layer, tensors)
    if result is not None:
        return result
    watch = spacememo.start(elab)
    result = _run_body(elab, layer, child, frame, watch[0])
    spacememo.finish(elab, watch, key, layer, tensors, result)
    return result


def _run_body(elab: Elaborator, layer: BlockLayer, child: Scope, frame: Frame,
              rec: Any) -> Any:
    """Run the block's body; `rec` (a memo's recording) is dropped where it fails."""
    block = layer.block
    try:
        with elab.in_block(block.name, layer.span):
            result = elab.exec_body(block.body, child, frame, block.span)
    except BaseException:
        if rec is not None:
            elab.memo_stack.remove(rec)
        raise
    if not (isinstance(result, Tensor) or isinstance(result, tuple) and result and all(
            isinstance(t, Tensor) for t in result)):
        if rec is not None:
            elab.memo_stack.remove(rec)
        raise ArchTypeError(f"block `{block.name}` must return a tensor, but returns "
                            f"{type_name(result)}", block.span, code="E307")
    return result


#: what a block that declares no inputs takes: one tensor
_ONE_INPUT = (A.Input("input"),)


def _apply_repeat(elab: Elaborator, layer: RepeatLayer, inputs: Any, scope: Scope,
                  name: str) -> Any:
    count = layer.count
    copies: list[Scope]
    if isinstance(count, Unknown):
        d = elab.decision_of(count.key)
        if d is None:  # off the chosen path of a bind walk: nothing to find there
            return SHADOW
        values = [int(v) for v in d.domain()]
        scope = _multiplied(scope, max(values), layer)
        copies = [scope.child(f"{name}[{i}]").under(
            (d.key, frozenset(v for v in values if v > i)), False) for i in range(max(values))]
    else:
        scope = _multiplied(scope, count, layer)
        copies = [scope.child(f"{name}[{i}]") for i in range(count)]
        elab.add_instance(scope.child(name), "repeat", layer.module_name, layer.span)
        for copy in copies:
            elab.add_instance(copy, "repeat_body", "", layer.span)
        elab.record_at(layer.origin[0], layer.node, [c.path for c in copies],
                       layer.origin[1], scope)
    value = inputs
    index = layer.node.index
    for i, copy in enumerate(copies):
        env = Env(layer.env, {index: i} if index is not None else None)
        value = elab.exec_body(layer.node.body, copy, Frame(env, value), layer.span)
        if elab.observer is not None:
            elab.observer.repeat_copied(layer.node, i, value)
        if isinstance(count, Unknown):
            value = (SHADOW,) * len(value) if isinstance(value, tuple) else SHADOW
    return value


def _multiplied(scope: Scope, count: int, layer: RepeatLayer) -> Scope:
    """`scope` as the repeat's copies see it, refused before any copy is made when nested
    repeats would make more than `MAX_COPIES` instances of one body: two nested
    `repeat(int(1, 1000))` grew to 5 GB before the decision limit (E606) stopped them."""
    total = scope.copies * max(count, 1)
    if total > MAX_COPIES:
        raise ArchLimitError(
            f"nested repeats make up to {total:,} copies of this body; the limit is "
            f"{MAX_COPIES:,}", layer.node.count.span,
            hint="lower the repeat counts (or the bounds of their decisions)", code="E612")
    return replace(scope, copies=total)


def tensor_binop(elab: Elaborator, e: A.BinOp, a: Any, b: Any, scope: Scope) -> Tensor:
    """``a + b`` and ``a * b`` on tensors are the ops whose `OpSpec.infix` they are;
    ``h * 0.5`` and ``1 - h``, a tensor and a number, the ops whose `OpSpec.scalar_infix`
    they are, with the number as their ``value``."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        spec, inputs, attrs = op_for_infix(e.op), (a, b), {}
    else:
        tensor_first = isinstance(a, Tensor)
        number = b if tensor_first else a
        spec = op_for_scalar_infix(e.op, tensor_first) if _is_number(number) else None
        inputs, attrs = (a if tensor_first else b), {"value": number}
    if spec is None:
        raise ArchTypeError(f"cannot compute {type_name(a)} {e.op} {type_name(b)}", e.span,
                            hint="tensors support `+` and `*` with other tensors, and `+`, "
                                 "`-`, `*`, `/` with numbers; use ops for the rest",
                            code="E315")
    check = spec.params[0].check if "value" in attrs else None
    problem = check(attrs["value"]) if check and not is_unknown(attrs["value"]) else None
    if problem:  # `h / 0`: said as the same expression on numbers says it
        raise ArchTypeError("division by zero" if e.op == "/" else problem, e.span,
                            code="E316" if e.op == "/" else "E319")
    layer = OpLayer(e.span, scope.label(spec.name), spec=spec, attrs=attrs)
    return apply_layer(elab, layer, inputs, scope, e.span, stage=e)  # type: ignore[no-any-return]


def _is_number(value: Any) -> bool:
    """An int or float (a decision over numbers too, still unknown on the space walk)."""
    return is_unknown(value) or (isinstance(value, (int, float)) and not isinstance(value, bool))

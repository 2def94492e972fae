"""Applying layers to tensors: ops become graph nodes, blocks and repeats become instances.

An op applied where the walk is concrete checks its inputs, infers the output shape and adds
a node; a shape error is reported at the op's call, with notes naming the block calls around
it. Off the concrete path (the space walk, unchosen candidates) application only walks
bodies, so that the decisions inside are found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchLimitError, ArchShapeError, ArchTypeError
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
from archlang.ops.registry import OpError, op_for_infix
from archlang.ops.registry import get_op as _get_op
from archlang.source import Span
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator

#: how deeply block applications may nest (a recursive block ends here)
MAX_DEPTH = 48


def apply_layer(elab: Elaborator, layer: Layer, inputs: Any, scope: Scope, span: Span) -> Any:
    """Apply `layer` to a tensor or a tuple of tensors; returns the output tensor."""
    layer.applied += 1
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
    if not scope.active or any(t.node is None for t in tensors) or any(
            is_unknown(v) for v in layer.attrs.values()):
        return SHADOW
    shapes = [t.shape for t in tensors]
    try:
        # the input count is checked above and each parameter where it was written
        # (`arguments.bind_call`), so only the op's own check and shape rule are left
        out = spec.output_shape(layer.attrs, shapes)  # type: ignore[arg-type]
    except OpError as exc:
        code = exc.code or ("E401" if exc.kind == "shape" else "E319")
        cls = ArchShapeError if exc.kind == "shape" else ArchTypeError
        raise cls(exc.message, layer.span, hint=exc.hint, code=code,
                  notes=_where(elab)) from None
    if not spec.origin:  # a built-in op keeps the first dim of unbatched inputs
        out = typed(out, lead=_common_lead(elab, spec.name, tensors, layer.span))
    path = scope.path.partition(".")[2]
    path = f"{path}.{name}" if path else name
    node = elab.add_node(spec.name, [t.node for t in tensors],  # type: ignore[misc]
                         dict(layer.attrs), out, path, layer.span)
    return Tensor(node, out)


def _common_lead(elab: Elaborator, op: str, tensors: list[Tensor], span: Span) -> Any:
    """The first dim the inputs of a built-in op share where they are unbatched (None where
    they are batched): built-in ops see it as the batch, so it must be one and the same.
    A `parameter` (a batch of 1) broadcasts against either."""
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
    declared = block.inputs if block.inputs is not None else (A.Input("input"),)
    if len(tensors) != len(declared):
        raise ArchTypeError(
            f"block `{block.name}` takes {len(declared)} input tensor"
            f"{'' if len(declared) == 1 else 's'}, but got {len(tensors)}", layer.span,
            hint=_arity_hint(len(declared), len(tensors)), code="E320", notes=_where(elab))
    if block.inputs is not None:
        for inp, t in zip(block.inputs, tensors):
            env.vars[inp.name] = t
    current = tensors[0] if len(tensors) == 1 else None
    child = scope.child(name)
    if layer.call is not None:
        elab.record_instance(layer.origin, layer.call, child, block, scope)
    with elab.in_block(block.name, layer.span):
        result = elab.exec_body(block.body, child, Frame(env, current), block.span)
    if not isinstance(result, Tensor):
        raise ArchTypeError(f"block `{block.name}` must return a tensor, but returns "
                            f"{type_name(result)}", block.span, code="E307")
    return result


def _apply_repeat(elab: Elaborator, layer: RepeatLayer, inputs: Any, scope: Scope,
                  name: str) -> Any:
    count = layer.count
    copies: list[Scope]
    if isinstance(count, Unknown):
        d = elab.decision_of(count.key)
        if d is None:  # off the chosen path of a bind walk: nothing to find there
            return SHADOW
        values = [int(v) for v in d.domain()]
        copies = [scope.child(f"{name}[{i}]").under(
            (d.key, frozenset(v for v in values if v > i)), False) for i in range(max(values))]
    else:
        copies = [scope.child(f"{name}[{i}]") for i in range(count)]
        elab.record_at(layer.origin[0], layer.node, [c.path for c in copies],
                       layer.origin[1], scope)
    value = inputs
    for copy in copies:
        value = elab.exec_body(layer.node.body, copy, Frame(Env(layer.env), value), layer.span)
        if isinstance(count, Unknown):
            value = SHADOW
    return value


def tensor_binop(elab: Elaborator, e: A.BinOp, a: Any, b: Any, scope: Scope) -> Tensor:
    """``a + b`` and ``a * b`` on tensors are the ops whose `OpSpec.infix` they are."""
    spec = op_for_infix(e.op)
    if spec is None or not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        raise ArchTypeError(f"cannot compute {type_name(a)} {e.op} {type_name(b)}", e.span,
                            hint="tensors support `+` and `*` with other tensors; use ops "
                                 "for the rest", code="E315")
    layer = OpLayer(e.span, scope.label(spec.name), spec=spec, attrs={})
    return apply_layer(elab, layer, (a, b), scope, e.span)  # type: ignore[no-any-return]

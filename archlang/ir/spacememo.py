"""Block applications of a space walk walked once while no decision has been found.

A space walk (ir/elaborate.py) of a network without decisions still walks every block
application: `mobilenet_v2` applies `conv_bn_relu6` 35 times, `inverted_residual` 17 times,
with the same few arguments. Until the walk has registered a decision, what a body does is
decided by what it can read: the block, its argument values (a width read from a tensor is
an unknown with no decision behind it), what is known of its input tensors (shape or none,
dtype, which of them are one object), the nesting depth and repeat copies around it (the
walk's limits), whether an `if` on unknowns is around it, and the op registry. A body that
ran without error and registered nothing (no decision, no `require`, nothing that another
application reads: a layer made outside the body and applied there is counted, as in
ir/blockmemo.py) left nothing behind but its step count and its result. So an application
with an equal key, in the same walk, before any decision, adds those steps (or runs the body
where they would pass the step limit, to fail where the plain walk fails) and takes the
result: the unknown output every op gives in a space walk, or one of its inputs.

Anything else runs the body as before: an application once a decision was found, a body
that found one (its keys would name this application's place), a `shared` block, arguments
that are layers or tensors or depend on decisions, an observed walk (ir/structure.py), an
application that failed. So a space walk finds the same decisions, `require`s and errors,
in the same order, as without this (tests/ir/test_space_memo.py compares them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archlang.ir import blockmemo
from archlang.ir.values import SHADOW, BlockLayer, Tensor, Unknown
from archlang.ops import registry

if TYPE_CHECKING:
    from archlang.ir.elaborate import Elaborator
    from archlang.ir.scope import Scope

#: False: every body of a space walk runs (the reference tests/ir/test_space_memo.py uses)
ENABLED = True

_UNKNOWN = ("unknown",)


def _arg_key(v: Any) -> Any:
    """`blockmemo._value_key`, with an unknown that depends on no decision (a value read
    from a tensor whose shape a space walk does not know)."""
    if type(v) is Unknown:
        if v.deps or v.key is not None:
            raise blockmemo._NotPlain
        return _UNKNOWN
    if type(v) is tuple:
        return tuple(_arg_key(x) for x in v)
    return blockmemo._value_key(v)


def key(elab: Elaborator, layer: BlockLayer, tensors: list[Tensor], child: Scope) -> Any:
    """The key of this application of a space walk, or None where it is not remembered."""
    if (not ENABLED or not elab.space_walk or elab.decisions or elab.observer is not None
            or elab.recorder is not None or layer.shared is not None
            or child.keys is not None or child.cond is not None):
        return None
    args = []
    try:
        for k, v in layer.args.items():
            t = type(v)  # (the common cases of `_arg_key`, inlined: a key per application)
            args.append((k, (t, v) if t is int or t is float or t is str else _arg_key(v)))
    except blockmemo._NotPlain:
        return None
    if len(tensors) == 1:
        t = tensors[0]
        sources: Any = (None if t.shape is None else blockmemo._shape_key(t.shape), t.dtype)
    else:
        first: dict[int, int] = {}
        sources = tuple((None if t.shape is None else blockmemo._shape_key(t.shape), t.dtype,
                         first.setdefault(id(t), i)) for i, t in enumerate(tensors))
    return (id(layer.block), child.depth, child.copies, child.dynamic_if is None,
            tuple(args), sources, registry.generation())


def replay(elab: Elaborator, key: Any, layer: BlockLayer, tensors: list[Tensor]) -> Any:
    """The result of an equal application walked before, its steps counted; None: walk it."""
    hit = elab.space_memo.get(key)
    if hit is None or hit[0] is not layer.block or not elab.room_for(hit[1], 0):
        return None
    elab.steps += hit[1]
    return _rebuild(hit[2], tensors)


def start(elab: Elaborator) -> tuple[blockmemo.Recording, tuple[int, ...]]:
    """Begin watching the body about to run: the layers it applies, what it registers."""
    return blockmemo.start(elab), _counts(elab)


def finish(elab: Elaborator, watch: tuple[blockmemo.Recording, tuple[int, ...]], key: Any,
           layer: BlockLayer, tensors: list[Tensor], result: Any) -> None:
    """Remember the application that just ran without error, where it left nothing but its
    steps and its result."""
    rec, before = watch
    blockmemo.pop(elab, rec)
    counts = _counts(elab)
    if rec.tainted or counts[1:] != before[1:]:
        return
    try:
        described = _describe(result, tensors)
    except blockmemo._NotPlain:
        return
    elab.space_memo[key] = (layer.block, counts[0] - before[0], described)


def _counts(elab: Elaborator) -> tuple[int, ...]:
    """The step count, then everything a body could have registered."""
    return (elab.steps, len(elab.decisions), len(elab.decision_requires), len(elab.requires),
            len(elab.shared_keys))


def _describe(result: Any, tensors: list[Tensor]) -> Any:
    if type(result) is tuple:
        return ("tuple", tuple(_describe(r, tensors) for r in result))
    if result is SHADOW:
        return ("shadow",)
    for i, t in enumerate(tensors):
        if result is t:
            return ("input", i)
    raise blockmemo._NotPlain


def _rebuild(described: Any, tensors: list[Tensor]) -> Any:
    if described[0] == "tuple":
        return tuple(_rebuild(d, tensors) for d in described[1])
    return SHADOW if described[0] == "shadow" else tensors[described[1]]

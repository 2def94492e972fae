"""The op registry: one `OpSpec` per primitive op, found by its `.arch` name.

An op owns everything about itself: its parameter signature and checks, its shape rule, its
parameter and FLOP counts, the PyTorch source it emits, and the tags passes ask instead of
matching its name (torch's op tags): whether it commutes and associates (the canonical hash
sorts and flattens its inputs), whether it passes its input through unchanged (the hash looks
through it), which infix operator spells it (``a + b``), and how the one-shot slicer shares
its weights (`Weights`). The elaborator, the code generator, the canonical hash, the
one-shot layout and the editor support all dispatch through `OPS`; none special-cases an op
by name. Adding an op is one `register(OpSpec(...))` call.

Shapes exclude the batch dimension: a conv2d input is ``(C, H, W)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Shape = tuple[int, ...]
Attrs = dict[str, Any]

REQUIRED: Any = object()

#: Parameter kinds the elaborator checks and converts before an op sees them:
#: "int", "float" (ints accepted), "bool", "str", "ints" (an int or a list of ints, becomes a
#: tuple), "shape" (a list of ints, becomes a tuple), "any". A trailing "?" also admits `none`.
PARAM_KINDS = ("int", "float", "bool", "str", "ints", "shape", "any")


class OpError(Exception):
    """Raised by an op's checks or shape rule; the elaborator adds the source location.

    ``kind`` is "shape" for incompatible inputs and "param" for a bad parameter value;

    ``code`` names a diagnostic code of its own (a user op that raised, E333); by default
    the elaborator picks E401 or E319 by ``kind``.
    """

    def __init__(self, message: str, hint: str | None = None, kind: str = "shape",
                 code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.kind = kind
        self.code = code


@dataclass(frozen=True)
class Param:
    """One parameter of an op: its name, kind (see `PARAM_KINDS`) and default."""

    name: str
    kind: str = "int"
    default: Any = REQUIRED
    #: returns an error message (Optuna style: "`k` must be odd, but got k=4") or None
    check: Callable[[Any], str | None] | None = None
    #: the canonical hash leaves the parameter out while it holds its default: set on a
    #: parameter added to an op after Arches using it were hashed, so their hashes stay
    omit_default: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Weights:
    """How the one-shot slicer shares an op's tensors across the sizes a space gives it.

    Every dimension of a shared tensor is sliced from its start (the first channels), except
    the spatial dimensions of the tensors named in `kernels`: those are laid out as torch's
    conv kernels, ``(out, in / groups, *kernel)``, and dimensions from the third on are
    cropped at the centre. `variant` returns a tag that keeps apart weights which cannot be
    slices of one another (a depthwise or grouped conv next to a dense one); "" for none.
    Which tensors an op has, and their shapes, come from running its `OpSpec.emit_init` on
    the ``meta`` device, so they are never declared twice.
    """

    kernels: tuple[str, ...] = ()
    variant: Callable[[Attrs, Sequence[Shape]], str] | None = None


def with_defaults(params: Sequence[Param], attrs: Attrs) -> Attrs:
    """`attrs` plus the default of every parameter it leaves out."""
    out = {p.name: p.default for p in params if not p.required}
    out.update(attrs)
    return out


def _no_params(attrs: Attrs, in_shapes: Sequence[Shape]) -> int:
    return 0


def _no_flops(attrs: Attrs, in_shapes: Sequence[Shape], out: Shape) -> int:
    return 0


def _no_init(attrs: Attrs, in_shapes: Sequence[Shape]) -> str | None:
    return None


def _not_fresh(attrs: Attrs, in_shapes: Sequence[Shape]) -> bool:
    return False


@dataclass(frozen=True)
class OpSpec:
    """A primitive op.

    Attributes:
        name: the `.arch` spelling (``conv2d``).
        params: the signature, in positional order.
        inputs: how many tensors it takes: an int, or None for one or more (``add``, ``concat``).
        shape_rule: ``(attrs, in_shapes) -> out_shape``; raises `OpError` on a mismatch. It
            may assume the input count, every `Param.check` and `check` have passed; callers
            use `infer_shape` (every check) or `output_shape` (the elaborator, which checked
            the count and each parameter where they were written).
        emit_forward: ``(in_vars, attrs, module) -> str``, a Python expression computing the
            output; ``module`` is ``"self.<name>"`` when `emit_init` made a submodule, else None.
        emit_init: ``(attrs, in_shapes) -> str | None``, a Python expression building the
            submodule or ``nn.Parameter`` that owns the weights; None for stateless ops.
        count_params: ``(attrs, in_shapes) -> int``, trainable parameters, without torch.
        flops: ``(attrs, in_shapes, out_shape) -> int``, multiply-accumulates per example.
        check: ``(attrs, in_shapes) -> None``; raises `OpError` for combinations no single
            `Param.check` sees (``groups`` must divide the input channels).
        doc: one line for `archlang show --ops` and the README.
        emit_inplace: ``(in_vars, attrs, i) -> str | None``, an expression computing the
            output by overwriting input ``i`` (``F.relu(x, inplace=True)``, ``a.add_(b)``), or
            None where that input cannot be overwritten. The code generator uses it only when
            input ``i`` has no other use and its producer's `fresh_output` holds.
        fresh_output: ``(attrs, in_shapes) -> bool``, true when the output is a new tensor
            (never a view or alias of an input) that this op's backward does not read, so the
            op that consumes it may overwrite it in place (conv, batchnorm, linear, add).
        commutative: the result does not depend on the order of the inputs (`add`, `mul`;
            never `concat`): the canonical form sorts them.
        associative: nested applications may be flattened, ``op(op(a, b), c)`` is
            ``op(a, b, c)``: the canonical form merges an input used only by this op.
        zeros: the output is all zeros whatever its input holds (`zero()`, NAS-Bench-201's
            "none" edge): it reads only its input's shape and dtype, so the canonical form
            treats it as a constant and the bound graph drops what only feeds it.
        zero_identity: an all-zero input changes nothing (`add`: ``x + zero(y)`` is ``x``): the
            bound graph drops such an input when the others keep the output's shape.
        transparent: ``(attrs) -> bool``, true when the op returns its only input unchanged,
            in training and in eval (`identity`, `dropout(0.0)`): the canonical form looks
            through it. None for ops that never do.
        infix: the binary operator that spells this op between two tensors (``a + b`` is
            `add`), or None.
        scalar_infix: the spellings of this op between a tensor ``x`` and a number ``c``,
            ``"x * c"`` and ``"c * x"`` for `mul_scalar`; the number becomes its ``value``.
        weights: how the one-shot slicer shares the op's tensors (see `Weights`).
        origin: the qualified name of the Python class a user op builds
            (``torch_geometric.nn.GCNConv``, see `archlang.ops.user`); "" for a built-in op.
            The canonical hash reads it, so two classes registered under one name in two
            runs never share a hash.
    """

    name: str
    params: tuple[Param, ...]
    inputs: int | None
    shape_rule: Callable[[Attrs, Sequence[Shape]], Shape]
    emit_forward: Callable[[Sequence[str], Attrs, str | None], str]
    emit_init: Callable[[Attrs, Sequence[Shape]], str | None] = _no_init
    count_params: Callable[[Attrs, Sequence[Shape]], int] = _no_params
    flops: Callable[[Attrs, Sequence[Shape], Shape], int] = _no_flops
    check: Callable[[Attrs, Sequence[Shape]], None] | None = None
    doc: str = ""
    #: extra names the generated module needs at top level (e.g. "import math")
    imports: tuple[str, ...] = field(default=())
    emit_inplace: Callable[[Sequence[str], Attrs, int], str | None] | None = None
    fresh_output: Callable[[Attrs, Sequence[Shape]], bool] = _not_fresh
    commutative: bool = False
    associative: bool = False
    zeros: bool = False
    zero_identity: bool = False
    transparent: Callable[[Attrs], bool] | None = None
    infix: str | None = None
    scalar_infix: tuple[str, ...] = ()
    weights: Weights = Weights()
    origin: str = ""

    @property
    def identity(self) -> str:
        """What the canonical hash calls the op: its name, and a user op's class."""
        return f"{self.name}={self.origin}" if self.origin else self.name

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def with_defaults(self, attrs: Attrs) -> Attrs:
        return with_defaults(self.params, attrs)

    def infer_shape(self, attrs: Attrs, in_shapes: Sequence[Shape]) -> Shape:
        """The output shape after every check: the input count, each `Param.check`, then
        `output_shape`. So a shape it returns is one the emitted PyTorch code produces."""
        self.check_arity(in_shapes)
        self.check_params(attrs)
        return self.output_shape(attrs, in_shapes)

    def output_shape(self, attrs: Attrs, in_shapes: Sequence[Shape]) -> Shape:
        """The op's own `check`, then its shape rule: for a caller that has checked the input
        count and each parameter already (the elaborator does, where they are written), so
        that each check runs once per node."""
        if self.check is not None:
            self.check(attrs, in_shapes)
        out = self.shape_rule(attrs, in_shapes)
        return out if isinstance(out, tuple) else tuple(out)  # a TypedShape stays one

    def check_arity(self, in_shapes: Sequence[Shape]) -> None:
        n, inputs = len(in_shapes), self.inputs
        if inputs is None and n == 0:
            raise OpError(f"`{self.name}` takes one or more inputs, but got none")
        if inputs is not None and n != inputs:
            want = f"{inputs} input" + ("" if inputs == 1 else "s")
            raise OpError(f"`{self.name}` takes {want}, but got {n}")

    def check_params(self, attrs: Attrs) -> None:
        """Run each `Param.check` on its value (or default); the first problem raises."""
        attrs = self.with_defaults(attrs)
        for p in self.params:
            message = p.check(attrs[p.name]) if p.check is not None else None
            if message:
                raise OpError(f"`{self.name}`: {message}", kind="param")

    def is_transparent(self, attrs: Attrs) -> bool:
        return self.transparent is not None and self.transparent(attrs)

    def variant(self, attrs: Attrs, in_shapes: Sequence[Shape]) -> str:
        """The `Weights.variant` tag of a node with these attributes and input shapes."""
        rule = self.weights.variant
        return "" if rule is None else rule(self.with_defaults(attrs), in_shapes)


class _Ops(dict):  # type: ignore[type-arg]
    """The registry's table; counts its changes, so that what was read from it (a label
    plan, archlang/ir/labels.py) knows when to read again."""

    changes = 0

    def __setitem__(self, key: str, value: OpSpec) -> None:
        _Ops.changes += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        _Ops.changes += 1
        super().__delitem__(key)

    def pop(self, *args: Any) -> Any:
        _Ops.changes += 1
        return super().pop(*args)

    def clear(self) -> None:
        _Ops.changes += 1
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        _Ops.changes += 1
        super().update(*args, **kwargs)

    def setdefault(self, key: str, default: Any = None) -> Any:
        _Ops.changes += 1
        return super().setdefault(key, default)

    def popitem(self) -> Any:
        _Ops.changes += 1
        return super().popitem()

    def __ior__(self, other: Any) -> Any:
        _Ops.changes += 1
        return super().__ior__(other)


OPS: dict[str, OpSpec] = _Ops()


def generation() -> int:
    """How many times the registry has changed (an op registered, replaced or removed)."""
    return _Ops.changes


def register(spec: OpSpec) -> OpSpec:
    """Add an op to the registry; a second op with the same name is a programming error."""
    if spec.name in OPS:
        raise ValueError(f"op `{spec.name}` is registered twice")
    OPS[spec.name] = spec
    return spec


def op_for_infix(symbol: str) -> OpSpec | None:
    """The op an infix operator between two tensors spells (``+`` is `add`), if any."""
    return next((s for s in all_ops().values() if s.infix == symbol), None)


def op_for_scalar_infix(symbol: str, tensor_first: bool) -> OpSpec | None:
    """The op ``x <symbol> c`` (or ``c <symbol> x`` unless `tensor_first`) spells, between a
    tensor ``x`` and a number ``c`` (``x * 0.5`` is `mul_scalar`), if any."""
    form = f"x {symbol} c" if tensor_first else f"c {symbol} x"
    return next((s for s in all_ops().values() if form in s.scalar_infix), None)


def unregister(name: str) -> OpSpec:
    """Remove an op (a test's or a plugin's own, registered for a while)."""
    return OPS.pop(name)


def get_op(name: str) -> OpSpec | None:
    if not _loaded:  # tested here, not in a call: get_op runs per node in bind and codegen
        _load_builtin_ops()
    return OPS.get(name)


def all_ops() -> dict[str, OpSpec]:
    _load_builtin_ops()
    return OPS


_loaded = False


def _load_builtin_ops() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from archlang.ops import builtin  # noqa: F401  (registers on import)

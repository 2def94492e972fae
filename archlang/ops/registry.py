"""The op registry: one `OpSpec` per primitive op, found by its `.arch` name.

An op owns its parameter signature, its shape rule, its parameter and FLOP counts, and the
PyTorch source it emits. The elaborator and the code generator dispatch through `OPS`; they
never special-case an op by name. Adding an op is one `register(OpSpec(...))` call.

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

    ``kind`` is "shape" for incompatible inputs and "param" for a bad parameter value.
    """

    def __init__(self, message: str, hint: str | None = None, kind: str = "shape") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.kind = kind


@dataclass(frozen=True)
class Param:
    """One parameter of an op: its name, kind (see `PARAM_KINDS`) and default."""

    name: str
    kind: str = "int"
    default: Any = REQUIRED
    #: returns an error message (Optuna style: "`k` must be odd, but got k=4") or None
    check: Callable[[Any], str | None] | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


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
        infer_shape: ``(attrs, in_shapes) -> out_shape``; raises `OpError` on a mismatch.
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
    """

    name: str
    params: tuple[Param, ...]
    inputs: int | None
    infer_shape: Callable[[Attrs, Sequence[Shape]], Shape]
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

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None


OPS: dict[str, OpSpec] = {}


def register(spec: OpSpec) -> OpSpec:
    """Add an op to the registry; a second op with the same name is a programming error."""
    if spec.name in OPS:
        raise ValueError(f"op `{spec.name}` is registered twice")
    OPS[spec.name] = spec
    return spec


def get_op(name: str) -> OpSpec | None:
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

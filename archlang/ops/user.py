"""User ops: any `torch.nn.Module` class made an archlang op with `archlang.op`.

Registering makes one `OpSpec` (the registry stays the one owner of ops): the constructor's
parameters become the op's parameters (names, defaults, kinds from the annotations or the
defaults), `forward`'s required parameters its inputs, and the class's qualified name its
`OpSpec.origin` (the canonical hash reads it, the generated source imports it). Shapes,
parameter counts and FLOPs come from building the module on the ``meta`` device and running
it there on inputs of the right shapes (no weights are allocated), with
`torch.utils.flop_counter.FlopCounterMode`; each `(op, arguments, input shapes)` is probed
once. A module that cannot run on meta (one whose forward depends on data, as
PyTorch Geometric's ``GCNConv`` does) takes an explicit ``shape=`` rule instead.

    >>> import torch.nn as nn
    >>> import archlang
    >>> @archlang.op(name="scaled_linear_doc")
    ... class ScaledLinear(nn.Module):
    ...     def __init__(self, in_features: int, out_features: int, scale: float = 1.0):
    ...         super().__init__()
    ...         self.lin, self.scale = nn.Linear(in_features, out_features), scale
    ...     def forward(self, x):
    ...         return self.lin(x) * self.scale
    >>> spec = archlang.ops.get_op("scaled_linear_doc")
    >>> [(p.name, p.kind) for p in spec.params], spec.inputs
    ([('in_features', 'int'), ('out_features', 'int'), ('scale', 'float')], 1)
    >>> spec.infer_shape({"in_features": 8, "out_features": 4}, [(5, 8)])
    (5, 4)
    >>> _ = archlang.ops.unregister("scaled_linear_doc")

This module does not import modules named on the command line (`archlang.ops.plugins`).
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
import traceback
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from archlang.diagnostics import ArchNameError
from archlang.ops._common import Code, call, lit
from archlang.ops.dims import Dim, dtype_of, from_full, full_shape, lead_of
from archlang.ops.registry import (
    OPS,
    REQUIRED,
    Attrs,
    OpError,
    OpSpec,
    Param,
    Shape,
    all_ops,
)

#: the batch size a batched input gets when an op is probed (1: FLOPs per example)
PROBE_BATCH = 1
#: OpError codes (registered in archlang/diagnostics_codes.py)
RAISED, NO_META, NOT_A_TENSOR = "E333", "E334", "E335"

_KINDS = {int: "int", float: "float", bool: "bool", str: "str"}
#: constructor parameters that say where weights live, not what the op computes
_FACTORY = ("device", "dtype")


@dataclass(frozen=True)
class Probe:
    """What one run of a user op on the meta device found."""

    shape: Shape
    params: int
    flops: int


def op(cls: type | None = None, *, name: str | None = None,
       shape: Callable[..., Sequence[int]] | None = None, inputs: int | None = None,
       derive: dict[str, Callable[..., Any]] | None = None, doc: str | None = None) -> Any:
    """Make an ``nn.Module`` class an archlang op; as a decorator or called on a class.

    Args:
        cls: the module class (``torch_geometric.nn.SAGEConv``); omitted in ``@op(...)``.
        name: the `.arch` name; by default the class name in snake case (``SAGEConv`` ->
            ``sage_conv``).
        shape: an explicit shape rule, ``shape(*input_shapes, **arguments) -> output shape``,
            for a module that cannot run on the meta device. Shapes are as `.arch` writes
            them: an unbatched input's in full (``[N, 16]``), a batched one without the batch.
        inputs: how many tensors `forward` takes; by default its parameters without a default.
        derive: constructor arguments computed from the input shapes rather than written,
            ``{"in_channels": lambda x, *rest: x[-1]}`` (the same shapes as `shape` sees).
        doc: the one line `archlang show --ops` prints; by default the class docstring's.

    Returns:
        The class, unchanged (so that ``@archlang.op`` leaves it usable as before).

    Raises:
        ArchNameError: the name is a built-in op's (E212) or another class's (E211).
    """
    def register_class(target: type) -> type:
        _register(_spec_for(target, name, shape, inputs, dict(derive or {}), doc))
        return target

    return register_class if cls is None else register_class(cls)


def _register(spec: OpSpec) -> None:
    builtin = all_ops().get(spec.name)
    if builtin is not None and not builtin.origin:
        raise ArchNameError(f"user op `{spec.name}` ({spec.origin}) has the name of a built-in "
                            f"op", None, hint="pass another name: archlang.op(..., "
                            f"name=\"my_{spec.name}\")", code="E212")
    if builtin is not None and builtin.origin != spec.origin:
        raise ArchNameError(f"two ops are registered as `{spec.name}`: {builtin.origin} and "
                            f"{spec.origin}", None, hint="give one of them another name with "
                            "archlang.op(..., name=...)", code="E211")
    OPS[spec.name] = spec  # the same class again (a module imported twice) replaces itself


def snake_case(name: str) -> str:
    """``SAGEConv`` -> ``sage_conv``, ``MyBlock`` -> ``my_block``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _spec_for(cls: type, name: str | None, shape: Callable[..., Sequence[int]] | None,
              inputs: int | None, derive: dict[str, Callable[..., Any]],
              doc: str | None) -> OpSpec:
    if not isinstance(cls, type):
        raise TypeError(f"archlang.op takes an nn.Module class, but got {cls!r}")
    name = name or snake_case(cls.__name__)
    signature = _params(cls)
    unknown = sorted(set(derive) - {p.name for p in signature})
    if unknown:
        raise TypeError(f"archlang.op: `derive` names {', '.join(unknown)}, which "
                        f"{cls.__name__}'s constructor does not take")
    params = tuple(p for p in signature if p.name not in derive)
    user = UserOp(cls, name, params, inputs or _input_count(cls), shape, derive)
    first = (doc or inspect.getdoc(cls) or "").strip().split("\n", 1)[0]
    return OpSpec(
        name, params, user.inputs, user.shape_rule, user.emit_forward,
        emit_init=user.emit_init, count_params=user.count_params, flops=user.flops,
        doc=first or f"the user op {user.origin}", imports=(user.import_line,),
        origin=user.origin)


def _params(cls: type) -> list[Param]:
    """The constructor's named parameters as op parameters (``*args``/``**kwargs`` skipped)."""
    init = cls.__init__  # type: ignore[misc]
    try:
        sig = inspect.signature(init)
    except (TypeError, ValueError):
        return []
    try:
        hints = typing.get_type_hints(init)
    except Exception:  # noqa: BLE001 - an annotation that does not evaluate says nothing
        hints = {}
    out = []
    for p in list(sig.parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in _FACTORY:
            continue
        default = REQUIRED if p.default is p.empty else p.default
        if default is not REQUIRED and not _plain(default):
            continue  # a default no `.arch` value can stand for (a module, a callable)
        out.append(Param(p.name, _kind(hints.get(p.name, p.annotation), default), default))
    return out


def _plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


def _kind(annotation: Any, default: Any) -> str:
    """An op parameter kind (`PARAM_KINDS`) for an annotation, or for the default's type."""
    optional = default is None
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        optional = optional or type(None) in args
        real = [a for a in args if a is not type(None)]
        annotation = real[0] if len(real) == 1 else Any
    if annotation is inspect.Parameter.empty:
        annotation = type(default) if default not in (REQUIRED, None) else Any
    kind = _KINDS.get(annotation, "any")
    return f"{kind}?" if optional and kind != "any" else kind


def _input_count(cls: type) -> int:
    forward = getattr(cls, "forward", None)
    try:
        params = list(inspect.signature(forward).parameters.values())[1:]  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1
    required = [p for p in params if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return max(1, len(required))


def public_path(cls: type) -> tuple[str, str]:
    """Where the generated source imports `cls` from: the shortest loaded package that
    exports it (``torch_geometric.nn`` for ``GCNConv``), else its own module."""
    module, qualname = cls.__module__, cls.__qualname__
    parts = module.split(".")
    for i in range(1, len(parts)):
        prefix = ".".join(parts[:i])
        loaded = sys.modules.get(prefix)
        if loaded is not None and getattr(loaded, qualname, None) is cls:
            return prefix, qualname
    return module, qualname


class UserOp:
    """The callables of one user op's `OpSpec`: probes, shape rule, counts and emitters."""

    def __init__(self, cls: type, name: str, params: tuple[Param, ...], inputs: int,
                 shape: Callable[..., Sequence[int]] | None,
                 derive: dict[str, Callable[..., Any]]) -> None:
        self.cls, self.name, self.params, self.inputs = cls, name, params, inputs
        self.rule, self.derive = shape, derive
        module, qualname = public_path(cls)
        self.origin = f"{module}.{qualname}"
        top = qualname.split(".")[0]
        self.import_line = f"from {module} import {top}"
        self.probe = functools.lru_cache(maxsize=4096)(self._probe)

    # ------------------------------------------------------------ OpSpec callables

    def shape_rule(self, attrs: Attrs, in_shapes: Sequence[Shape]) -> Shape:
        if self.rule is not None:
            return self._ruled(attrs, in_shapes)
        return self.probe(*_key(attrs, in_shapes)).shape

    def count_params(self, attrs: Attrs, in_shapes: Sequence[Shape]) -> int:
        return self.probe(*_key(attrs, in_shapes), need_run=False).params

    def flops(self, attrs: Attrs, in_shapes: Sequence[Shape], out: Shape) -> int:
        if self.rule is not None:
            return 0  # the module cannot run on meta, so nothing counts its FLOPs
        return self.probe(*_key(attrs, in_shapes)).flops

    def emit_init(self, attrs: Attrs, in_shapes: Sequence[Shape]) -> str:
        args = self.arguments(attrs, in_shapes)
        required, rest = [], {}
        for p in _params(self.cls):
            if p.name not in args:
                continue
            if p.required:
                required.append(Code(lit(args[p.name])))
            else:
                rest[p.name] = (args[p.name], p.default)
        return call(self.cls.__qualname__, *required, **rest)

    def emit_forward(self, in_vars: Sequence[str], attrs: Attrs, module: str | None) -> str:
        return f"{module}({', '.join(in_vars)})"

    # ------------------------------------------------------------ probing

    def arguments(self, attrs: Attrs, in_shapes: Sequence[Shape]) -> dict[str, Any]:
        """The constructor's keyword arguments: the written ones, defaults, derived ones."""
        args = {p.name: p.default for p in self.params if not p.required}
        args.update(attrs)
        shown = [_shown(s) for s in in_shapes]
        for key, fn in self.derive.items():
            args[key] = fn(*shown)
        return args

    def build(self, args: dict[str, Any]) -> Any:
        import torch

        try:
            with torch.device("meta"):
                return self.cls(**args).eval()
        except Exception as exc:  # noqa: BLE001 - the user's constructor failed
            raise self._failed(exc, f"{self.cls.__name__}({_call_text(args)})") from exc

    def _probe(self, attrs_key: tuple[Any, ...], shapes_key: tuple[Any, ...],
               need_run: bool = True) -> Probe:
        import torch
        from torch.utils.flop_counter import FlopCounterMode

        attrs, in_shapes = dict(attrs_key), [s for s, _ in shapes_key]
        module = self.build(self.arguments(attrs, in_shapes))
        params = sum(p.numel() for p in module.parameters() if p.requires_grad)
        if not need_run or self.rule is not None:
            shape = self._ruled(attrs, in_shapes) if self.rule is not None else ()
            return Probe(tuple(shape), params, 0)
        tensors = [_meta_tensor(s) for s in in_shapes]
        counter = FlopCounterMode(display=False)
        try:
            with torch.no_grad(), counter:
                out = module(*tensors)
        except NotImplementedError as exc:
            raise OpError(f"user op `{self.name}` ({self.origin}) cannot run on the meta "
                          f"device: {_first_line(exc)}", hint=self._rule_hint(),
                          code=NO_META) from None
        except Exception as exc:  # noqa: BLE001 - the user's forward failed
            raise self._failed(exc, f"its forward on {_shapes_text(in_shapes)}") from exc
        if not isinstance(out, torch.Tensor):
            raise OpError(f"user op `{self.name}` ({self.origin}) returns "
                          f"{type(out).__name__}, not a tensor",
                          hint="wrap it in a module whose forward returns one tensor",
                          code=NOT_A_TENSOR)
        shape = _named(from_full(out.shape, _batched(in_shapes)), in_shapes)
        return Probe(shape, params, counter.get_total_flops() // 2)

    def _ruled(self, attrs: Attrs, in_shapes: Sequence[Shape]) -> Shape:
        assert self.rule is not None
        try:
            out = self.rule(*[_shown(s) for s in in_shapes], **self.arguments(attrs, in_shapes))
        except OpError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's rule failed
            raise self._failed(exc, "its shape rule") from exc
        batched = _batched(in_shapes)
        dims = tuple(out)
        return tuple(dims) if batched else _named(from_full(dims, False), in_shapes)

    def _failed(self, exc: BaseException, what: str) -> OpError:
        where = _user_frame(exc)
        error = OpError(f"user op `{self.name}` ({self.origin}): {what} raised "
                        f"{type(exc).__name__}: {_first_line(exc)}",
                        hint=f"the error comes from {where}" if where else None, code=RAISED)
        error.__cause__ = exc  # `--traceback` prints the user's traceback (raised `from exc`)
        return error

    def _rule_hint(self) -> str:
        names = ", ".join(f"x{i}" for i in range(self.inputs))
        return (f"give it a shape rule: archlang.op({self.cls.__name__}, name=\"{self.name}\", "
                f"shape=lambda {names}, **args: ...) returning the output shape")


def _key(attrs: Attrs, in_shapes: Sequence[Shape]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A hashable key for one probe: arguments, and each input's whole shape and dtype."""
    items = tuple(sorted((k, _frozen(v)) for k, v in attrs.items()))
    return items, tuple((s, (lead_of(s), dtype_of(s))) for s in in_shapes)


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def _batched(in_shapes: Sequence[Shape]) -> bool:
    return any(lead_of(s) is None for s in in_shapes)


def _shown(shape: Shape) -> tuple[int, ...]:
    """A shape as `.arch` writes it: an unbatched one in full, a batched one without batch."""
    return full_shape(shape)


def _meta_tensor(shape: Shape) -> Any:
    import torch

    dims = full_shape(shape) if lead_of(shape) is not None else (PROBE_BATCH, *shape)
    dtype = torch.long if dtype_of(shape) == "long" else torch.float32
    return torch.empty(tuple(int(d) for d in dims), dtype=dtype, device="meta")


def _named(shape: Shape, in_shapes: Sequence[Shape]) -> Shape:
    """Give the output's run-time sizes their names back (a probe returns plain ints)."""
    dims = {int(d): d for s in in_shapes for d in full_shape(s) if isinstance(d, Dim)}
    lead = lead_of(shape)
    out = [dims.get(int(d), d) for d in shape]
    if lead is None:
        return tuple(out)
    from archlang.ops.dims import typed

    return typed(out, lead=dims.get(int(lead), lead))


def _call_text(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def _shapes_text(in_shapes: Sequence[Shape]) -> str:
    from archlang.ops.dims import shape_text

    return ", ".join(shape_text(s) for s in in_shapes)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.split("\n", 1)[0] if text else type(exc).__name__


def _user_frame(exc: BaseException) -> str:
    """``file.py:12`` of the innermost frame outside torch and archlang, if any."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        path = frame.filename.replace("\\", "/")
        if "/torch/" in path or "/archlang/" in path:
            continue
        where = f"{frame.filename}:{frame.lineno}"
    return where


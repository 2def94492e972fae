"""The primitive ops of archlang: the registry's public names, with every builtin op loaded."""

from __future__ import annotations

from archlang.ops.registry import (
    OPS,
    REQUIRED,
    OpError,
    OpSpec,
    Param,
    Shape,
    Weights,
    _load_builtin_ops,
    all_ops,
    get_op,
    op_for_infix,
    op_for_scalar_infix,
    unregister,
)

# Load the builtin ops now, so `OPS` is full however it was imported (even
# `from archlang.ops.registry import OPS`, which runs this file first).
_load_builtin_ops()

__all__ = ["OPS", "OpSpec", "Param", "OpError", "Weights", "get_op", "all_ops", "op_for_infix",
           "op_for_scalar_infix", "unregister", "Shape", "REQUIRED"]

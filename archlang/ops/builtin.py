"""Imports every op module so its ops register; `registry.all_ops()` loads this on first use.

Conventions all ops share: shapes and `dim` parameters exclude the batch dimension; `flops`
counts the multiply-accumulates of contractions only (conv, linear, attention matmuls) per
example, and elementwise ops, norms, pools, reshapes and lookups count 0; stateless ops
(activations, pools, dropout) emit functional calls and no submodule.
"""

from __future__ import annotations

from archlang.ops import (  # noqa: F401  (imported to register)
    activation,
    attention,
    conv,
    linear,
    merge,
    norm,
    parameter,
    pool,
    recurrent,
    resize,
    scalar,
    shape,
)

"""Free learned tensors: `parameter` (e.g. a position embedding) and `class_token` (ViT)."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import define, expect_rank, numel, one_of, positive
from archlang.ops.registry import Attrs, OpError, Param, Shape

INITS = ("zeros", "ones", "normal")
INIT = Param("init", "str", "zeros", check=one_of("init", INITS))


def _tensor(shape: Sequence[int], init: str) -> str:
    """``nn.Parameter(...)`` holding a tensor of `shape` built as `init` says (normal: std 0.02)."""
    dims = ", ".join(str(d) for d in shape)
    value = {"zeros": f"torch.zeros({dims})", "ones": f"torch.ones({dims})",
             "normal": f"torch.randn({dims}) * 0.02"}[init]
    return f"nn.Parameter({value})"


def _parameter_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    if not a["shape"]:
        raise OpError("`parameter` needs at least one dimension, but got shape=[]", kind="param")
    return tuple(a["shape"])


define(
    "parameter",
    (Param("shape", "shape", check=positive("shape")), INIT),
    _parameter_shape,
    lambda v, a, m: str(m),
    inputs=0,
    emit_init=lambda a, s: _tensor((1, *a["shape"]), a["init"]),
    count_params=lambda a, s: numel(a["shape"]),
    doc="a learned tensor of `shape`, stored with a leading 1 so it broadcasts over the batch "
        '(init "zeros", "ones" or "normal" with std 0.02): parameter(shape, init="zeros")',
)


def _token_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    expect_rank("class_token", in_shapes[0], [2], "[L, D]")
    length, d = in_shapes[0]
    return (length + 1, d)


define(
    "class_token",
    (INIT,),
    _token_shape,
    lambda v, a, m: f"torch.cat([{m}.expand({v[0]}.shape[0], -1, -1), {v[0]}], dim=1)",
    emit_init=lambda a, s: _tensor((1, 1, s[0][1]), a["init"]),
    count_params=lambda a, s: s[0][1],
    doc="prepend a learned token to a [L, D] sequence, giving [L+1, D]: "
        'class_token(init="zeros")',
)

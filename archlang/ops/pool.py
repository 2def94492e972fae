"""Pooling and reductions: `maxpool2d`, `avgpool2d`, `adaptive_avgpool2d`, `global_avgpool`,
`mean`; all stateless, emitted as `F.*` calls or tensor methods."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import (
    Code,
    axis,
    call,
    define,
    expect_rank,
    fmt,
    lit,
    nonnegative,
    ntuple,
    positive,
    torch_dim,
)
from archlang.ops.registry import Attrs, OpError, Param, Shape

CHW = "[C, H, W]"
CHW_HINT = "pooling needs a feature map; for a [L, D] sequence use `mean(0)`"


def _pool(name: str, fn: str, what: str, extra_params: tuple[Param, ...] = ()) -> None:
    def check(a: Attrs, in_shapes: Sequence[Shape]) -> None:
        expect_rank(name, in_shapes[0], [3], CHW, hint=CHW_HINT)
        k, p = ntuple(a["k"], 2, "k"), ntuple(a["padding"], 2, "padding")
        if any(2 * pi > ki for ki, pi in zip(k, p)):
            raise OpError(f"`{name}`: `padding` must be at most half of `k`, but got "
                          f"padding={lit(a['padding'])} with k={lit(a['k'])}", kind="param")

    def infer_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
        shape = in_shapes[0]
        k, p = ntuple(a["k"], 2, "k"), ntuple(a["padding"], 2, "padding")
        s = k if a["stride"] is None else ntuple(a["stride"], 2, "stride")
        sizes = tuple((n + 2 * pi - ki) // si + 1 for n, ki, si, pi in zip(shape[1:], k, s, p))
        if any(n < 1 for n in sizes):
            raise OpError(f"`{name}` output would be empty: window {lit(a['k'])} is larger than "
                          f"the input {fmt(shape)} padded by {lit(a['padding'])}",
                          hint="use a smaller window, or downsample less before this op")
        return (shape[0], *sizes)

    def emit_forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
        k = ntuple(a["k"], 2, "k")
        stride = k if a["stride"] is None else ntuple(a["stride"], 2, "stride")
        extra = {"count_include_pad": (a["count_include_pad"], True)} if extra_params else {}
        return call(fn, Code(v[0]), k, stride=(stride, k), padding=(a["padding"], 0), **extra)

    signature = ", ".join(f"{p.name}={lit(p.default).lower()}" for p in extra_params)
    define(
        name,
        (Param("k", "ints", check=positive("k")),
         Param("stride", "ints?", None, check=positive("stride")),
         Param("padding", "ints", 0, check=nonnegative("padding")), *extra_params),
        infer_shape, emit_forward, check=check,
        doc=f"{what} pooling over H, W of a {CHW} input: {name}(k, stride=k, padding=0"
            f"{', ' + signature if signature else ''})",
    )


_pool("maxpool2d", "F.max_pool2d", "max")
#: count_include_pad=false averages over the input cells only (NAS-Bench-201 and DARTS pool
#: that way); added after Arches were hashed, so its default stays out of the hash
_pool("avgpool2d", "F.avg_pool2d", "average",
      (Param("count_include_pad", "bool", True, omit_default=True),))


def _adaptive_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    expect_rank("adaptive_avgpool2d", in_shapes[0], [3], CHW, hint=CHW_HINT)
    return (in_shapes[0][0], *ntuple(a["size"], 2, "size"))


define(
    "adaptive_avgpool2d",
    (Param("size", "ints", check=positive("size")),),
    _adaptive_shape,
    lambda v, a, m: call("F.adaptive_avg_pool2d", Code(v[0]), a["size"]),
    doc="average pooling of a [C, H, W] input to a fixed [C, h, w]: adaptive_avgpool2d(size)",
)


def _global_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    hint = {2: "for a [L, D] token sequence use `mean(0)`; for a [C, L] signal use `mean(1)`",
            1: "the input is already flat"}.get(len(shape))
    expect_rank("global_avgpool", shape, [3], CHW, hint=hint)
    return shape[:1]


define(
    "global_avgpool",
    (),
    _global_shape,
    lambda v, a, m: f"{v[0]}.mean(dim=(2, 3))",
    doc="average over H and W, [C, H, W] -> [C]: global_avgpool()",
)


def _dims(a: Attrs, shape: Shape) -> list[int]:
    dims = (a["dim"],) if isinstance(a["dim"], int) else tuple(a["dim"])
    return [axis("mean", d, shape) for d in dims]


def _mean_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape, dims = in_shapes[0], _dims(a, in_shapes[0])
    if len(set(dims)) != len(dims):
        raise OpError(f"`mean` got dim={lit(a['dim'])}, which names a dimension twice",
                      kind="param")
    out = tuple(n for i, n in enumerate(shape) if i not in dims)
    if not out:
        raise OpError(f"`mean` over every dimension of {fmt(shape)} would leave a scalar",
                      hint="keep at least one dimension")
    return out


def _mean_forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    dims = [a["dim"]] if isinstance(a["dim"], int) else list(a["dim"])
    shifted = [torch_dim(d) for d in dims]
    return f"{v[0]}.mean(dim={shifted[0] if len(shifted) == 1 else tuple(shifted)})"


define(
    "mean",
    (Param("dim", "ints"),),
    _mean_shape,
    _mean_forward,
    doc="average over `dim` (an int or a list, counted without the batch); mean(0) pools a "
        "[L, D] token sequence to [D]: mean(dim)",
)

"""Ops that change spatial extent without weights: `upsample`, `pad`, `crop` and `slice`;
all stateless, emitted as `F.interpolate`, `F.pad` and tensor indexing."""

from __future__ import annotations

import math
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
    one_of,
    positive,
)
from archlang.ops.registry import Attrs, OpError, Param, Shape

CHW = "[C, H, W]"

# ---------------------------------------------------------------- upsample

UPSAMPLE_MODES = ("nearest", "bilinear")


def _upsample_check(a: Attrs, in_shapes: Sequence[Shape]) -> None:
    expect_rank("upsample", in_shapes[0], [3], CHW)
    if (a["scale"] is None) == (a["size"] is None):
        raise OpError("`upsample` takes one of `scale` and `size`, but got "
                      + ("both" if a["scale"] is not None else "neither"), kind="param",
                      hint="upsample(scale = 2) doubles H and W; upsample(size = [h, w]) "
                           "resizes to h x w")
    if a["align_corners"] and a["mode"] != "bilinear":
        raise OpError('`upsample`: `align_corners` needs mode="bilinear", but got '
                      f"mode={lit(a['mode'])}", kind="param")


def _upsample_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    if a["size"] is not None:
        return (shape[0], *ntuple(a["size"], 2, "size"))
    # as F.interpolate computes it: floor(size * scale) in double precision
    sizes = tuple(math.floor(float(n) * a["scale"]) for n in shape[1:])
    if any(n < 1 for n in sizes):
        raise OpError(f"`upsample` output would be empty: scale={lit(a['scale'])} shrinks "
                      f"{fmt(shape)} below one cell", hint="use a larger `scale`")
    return (shape[0], *sizes)


def _upsample_forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    how = ({"size": (ntuple(a["size"], 2, "size"), None)} if a["size"] is not None
           else {"scale_factor": (a["scale"], None)})
    corners = {"align_corners": (a["align_corners"], None)} if a["mode"] == "bilinear" else {}
    return call("F.interpolate", Code(v[0]), **how, mode=(a["mode"], None), **corners)


define(
    "upsample",
    (Param("scale", "float?", None, check=positive("scale")),
     Param("size", "ints?", None, check=positive("size")),
     Param("mode", "str", "nearest", check=one_of("mode", UPSAMPLE_MODES)),
     Param("align_corners", "bool", False)),
    _upsample_shape,
    _upsample_forward,
    check=_upsample_check,
    doc="resize H, W of a [C, H, W] input by a factor or to a size, nearest or bilinear: "
        'upsample(scale=none, size=none, mode="nearest", align_corners=false)',
)

# ---------------------------------------------------------------- pad

PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_widths(a: Attrs) -> tuple[int, ...]:
    """`padding` in F.pad's order (last dim first, before then after); an int pads both
    sides of H and W."""
    return (a["padding"],) * 4 if isinstance(a["padding"], int) else tuple(a["padding"])


def _pad_check(a: Attrs, in_shapes: Sequence[Shape]) -> None:
    shape, widths = in_shapes[0], _pad_widths(a)
    if isinstance(a["padding"], int) and len(shape) < 3:
        raise OpError(f"`pad`: an int `padding` pads H and W of a [C, H, W] input, but got "
                      f"{fmt(shape)}", hint=f"give widths, last dim first: "
                      f"padding = [{a['padding']}, {a['padding']}]")
    if len(widths) % 2 or len(widths) > 2 * len(shape):
        raise OpError(f"`pad` takes two widths per padded dim (last dim first) for at most "
                      f"the {len(shape)} dims of {fmt(shape)}, but got "
                      f"padding={lit(a['padding'])}", kind="param")
    if a["mode"] == "constant":
        return
    if a["value"] != 0:
        raise OpError(f'`pad`: `value` needs mode="constant", but got mode="{a["mode"]}" '
                      f"with value={lit(a['value'])}", kind="param")
    if not 2 <= len(shape) <= 4 or len(widths) != 2 * (len(shape) - 1):
        raise OpError(f'`pad`: mode="{a["mode"]}" pads every dim after the channels of a '
                      f"[C, L], [C, H, W] or [C, D, H, W] input (two widths each), but got "
                      f"padding={lit(a['padding'])} for {fmt(shape)}")
    limit = {"reflect": lambda w, n: w < n, "circular": lambda w, n: w <= n}.get(a["mode"])
    padded = shape[::-1][: len(widths) // 2]
    if limit and not all(limit(w, n) for w, n in zip(widths, [n for n in padded for _ in "ab"])):
        raise OpError(f'`pad`: mode="{a["mode"]}" needs each width '
                      f"{'below' if a['mode'] == 'reflect' else 'at most'} the size of its "
                      f"dim, but got padding={lit(a['padding'])} for {fmt(shape)}")


def _pad_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    out, widths = list(in_shapes[0]), _pad_widths(a)
    for i in range(len(widths) // 2):
        out[-1 - i] += widths[2 * i] + widths[2 * i + 1]
    return tuple(out)


def _pad_forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    return call("F.pad", Code(v[0]), Code(repr(_pad_widths(a))), mode=(a["mode"], "constant"),
                value=(a["value"], 0.0))


define(
    "pad",
    (Param("padding", "ints", check=nonnegative("padding")),
     Param("value", "float", 0.0),
     Param("mode", "str", "constant", check=one_of("mode", PAD_MODES))),
    _pad_shape,
    _pad_forward,
    check=_pad_check,
    doc="pad the last dims, widths in F.pad's order (last dim first; an int pads H and W): "
        'pad(padding, value=0.0, mode="constant")',
)

# ---------------------------------------------------------------- crop and slice


def _crop_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    expect_rank("crop", shape, [3], CHW)
    size = ntuple(a["size"], 2, "size")
    if any(want > have for want, have in zip(size, shape[1:])):
        raise OpError(f"`crop` to size={lit(a['size'])} needs an input at least that large, "
                      f"but got {fmt(shape)}", hint="pad the input first, or crop the other "
                      "side of the merge")
    return (shape[0], *size)


def _crop_forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    x, (h, w) = v[0], ntuple(a["size"], 2, "size")
    # the offsets read the run-time size, so the code also reads like a hand-written crop
    return (f"{x}.narrow(2, ({x}.shape[2] - {h}) // 2, {h})"
            f".narrow(3, ({x}.shape[3] - {w}) // 2, {w})")


define(
    "crop",
    (Param("size", "ints", check=positive("size")),),
    _crop_shape,
    _crop_forward,
    doc="the centre [C, h, w] of a [C, H, W] input, offset (H - h) // 2 and (W - w) // 2, as "
        "U-Net crops a skip connection: crop(size)",
)


def _slice_range(a: Attrs, shape: Shape) -> tuple[int, range]:
    d = axis("slice", a["dim"], shape)
    return d, range(shape[d])[a["start"] : a["end"] : a["step"]]


def _slice_shape(a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    d, kept = _slice_range(a, shape)
    if not kept:
        raise OpError(f"`slice` [{a['start']}:{'' if a['end'] is None else a['end']}] of dim "
                      f"{a['dim']} of {fmt(shape)} is empty", hint="Python slice rules apply: "
                      "negative start and end count from the end")
    return (*shape[:d], len(kept), *shape[d + 1 :])


def _slice_forward(v: Sequence[str], a: Attrs, m: str | None) -> str:
    start = "" if a["start"] == 0 else str(a["start"])
    end = "" if a["end"] is None else str(a["end"])
    step = "" if a["step"] == 1 else f":{a['step']}"
    part = f"{start}:{end}{step}"
    if a["dim"] < 0:
        return f"{v[0]}[..., {part}{', :' * (-1 - a['dim'])}]"
    return f"{v[0]}[{':, ' * (a['dim'] + 1)}{part}]"


define(
    "slice",
    (Param("start", "int", 0), Param("end", "int?", None), Param("dim", "int", 0),
     Param("step", "int", 1, check=positive("step"))),
    _slice_shape,
    _slice_forward,
    doc="elements start..end (end excluded, Python rules) of `dim`, counted without the batch; "
        "slice(0, 16) keeps the first 16 channels: slice(start=0, end=none, dim=0, step=1)",
)

"""Recurrent layers over a [T, F] sequence: `lstm` and `gru`, emitted as `nn.LSTM`/`nn.GRU`
with ``batch_first=True`` (archlang's batch comes first), giving the output sequence or the
last hidden state."""

from __future__ import annotations

from collections.abc import Sequence

from archlang.ops._common import always_fresh, call, define, expect_rank, positive, probability
from archlang.ops.registry import Attrs, Param, Shape, Weights

#: op name -> (PyTorch class, gates per cell)
CELLS = {"lstm": ("nn.LSTM", 4), "gru": ("nn.GRU", 3)}

PARAMS = (
    Param("hidden", "int", check=positive("hidden")),
    Param("layers", "int", 1, check=positive("layers")),
    Param("bidirectional", "bool", False),
    Param("last", "bool", False),
    Param("dropout", "float", 0.0, check=probability("dropout")),
)


def _directions(a: Attrs) -> int:
    return 2 if a["bidirectional"] else 1


def _shape(name: str, a: Attrs, in_shapes: Sequence[Shape]) -> Shape:
    shape = in_shapes[0]
    hint = "add `flatten(1) -> transpose()` to read a [C, H, W] map as [H*W, C] steps"
    expect_rank(name, shape, [2], "[T, F]", hint=hint if len(shape) == 3 else None)
    width = a["hidden"] * _directions(a)
    return (width,) if a["last"] else (shape[0], width)


def _per_step(gates: int, a: Attrs, features: int) -> int:
    """Weights one time step multiplies by, over every layer and direction (no biases)."""
    h, dirs = a["hidden"], _directions(a)
    first = gates * h * (features + h)
    rest = gates * h * (h * dirs + h)
    return dirs * (first + (a["layers"] - 1) * rest)


def _params(gates: int, a: Attrs, in_shapes: Sequence[Shape]) -> int:
    biases = _directions(a) * a["layers"] * 2 * gates * a["hidden"]  # b_ih and b_hh
    return _per_step(gates, a, in_shapes[0][1]) + biases


def _forward(name: str, v: Sequence[str], a: Attrs, m: str | None) -> str:
    if not a["last"]:
        return f"{m}({v[0]})[0]"
    state = f"{m}({v[0]})[1]" + ("[0]" if name == "lstm" else "")  # an LSTM's is (h_n, c_n)
    # h_n is [layers * directions, B, hidden]; the last layer's directions, side by side
    if a["bidirectional"]:
        return f"{state}[-2:].transpose(0, 1).flatten(1)"
    return f"{state}[-1]"


def _recurrent(name: str, cls: str, gates: int) -> None:
    define(
        name,
        PARAMS,
        lambda a, s: _shape(name, a, s),
        lambda v, a, m: _forward(name, v, a, m),
        emit_init=lambda a, s: call(cls, s[0][1], a["hidden"], num_layers=(a["layers"], 1),
                                    batch_first=(True, False), dropout=(a["dropout"], 0.0),
                                    bidirectional=(a["bidirectional"], False)),
        count_params=lambda a, s: _params(gates, a, s),
        flops=lambda a, s, out: s[0][0] * _per_step(gates, a, s[0][1]),
        fresh_output=always_fresh,
        # the gates are stacked in one tensor ([gates * hidden, F]), so a smaller hidden
        # size is not a slice of a larger one: each hidden size keeps its own weights
        weights=Weights(variant=lambda a, s: f"[hidden={a['hidden']}]"),
        doc=f"{cls[3:]} over a [T, F] sequence, giving [T, hidden] (times 2 if bidirectional) "
            f"or, with last=true, the last hidden state: {name}(hidden, layers=1, "
            "bidirectional=false, last=false, dropout=0.0)",
    )


for _name, (_cls, _gates) in CELLS.items():
    _recurrent(_name, _cls, _gates)

"""Run-time sizes (`Dim`), and shapes that say more than their dims (`TypedShape`).

Shapes exclude the batch everywhere (see `archlang.ops.registry`). A tensor declared
``unbatched`` (a graph's node features ``x: [N, 16] unbatched``) has none; its first
dimension stands where the batch would: the generated code sees a tensor of exactly the
declared shape, so every built-in op, written for ``(batch, *shape)``, computes the same on
``(lead, *shape)``. `TypedShape` is that shape: a plain tuple of the dimensions after the
first (what built-in shape rules read), carrying the first as `lead`; a `long` network
input's shape carries its dtype too, so that a user op probed on the meta device
(`archlang.ops.user`) gets an index tensor where the network feeds one. A `Dim` is a size
known only at run time (``N``, ``E``): an int with a name, printed by its name, whose value
is a stand-in that is the same for one name throughout a network, so equal names compare
equal and different ones do not.

    >>> n = Dim("N", 1009)
    >>> s = typed((16,), lead=n)
    >>> s == (16,), s.lead, full_shape(s), shape_text(s)
    (True, N, (N, 16), '[N, 16]')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: the stand-in values of run-time sizes, in the order a network first names them: primes
#: far from the sizes people write, so that two names rarely compare equal by accident
_STAND_INS = (1009, 1013, 1019, 1021, 1031, 1033, 1039, 1049, 1051, 1061, 1063, 1069)


class Dim(int):
    """A run-time size: an int (its stand-in value) that prints as its name."""

    name: str

    def __new__(cls, name: str, value: int) -> Dim:
        self = super().__new__(cls, value)
        self.name = name
        return self

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__

    def __reduce__(self) -> Any:
        return (Dim, (self.name, int(self)))


def stand_in(index: int) -> int:
    """The stand-in value of the `index`-th run-time size a network names."""
    return _STAND_INS[index % len(_STAND_INS)] + 1000 * (index // len(_STAND_INS))


class TypedShape(tuple):  # type: ignore[type-arg]
    """A shape (batch excluded) with its `lead` (None: batched) and element `dtype`.

    It equals the plain tuple of its dims, so shape rules and comparisons read it as one.
    """

    lead: int | None
    dtype: str

    def __new__(cls, dims: Sequence[int], lead: int | None, dtype: str = "float") -> TypedShape:
        self = super().__new__(cls, tuple(dims))
        self.lead, self.dtype = lead, dtype
        return self

    def __repr__(self) -> str:
        return f"TypedShape({tuple(self)!r}, lead={self.lead!r}, dtype={self.dtype!r})"

    def __reduce__(self) -> Any:
        return (TypedShape, (tuple(self), self.lead, self.dtype))


def typed(dims: Sequence[int], lead: int | None = None, dtype: str = "float") -> tuple[int, ...]:
    """`dims` with a lead and dtype where either says something; a plain tuple otherwise."""
    if lead is None and dtype == "float":
        return tuple(dims)
    return TypedShape(dims, lead, dtype)


def dtype_of(shape: Sequence[int]) -> str:
    return shape.dtype if isinstance(shape, TypedShape) else "float"


def lead_of(shape: Sequence[int]) -> int | None:
    """The first dimension of an unbatched shape; None for a batched one."""
    return shape.lead if isinstance(shape, TypedShape) else None


def full_shape(shape: Sequence[int]) -> tuple[int, ...]:
    """The shape as the tensor has it: the lead first for an unbatched shape."""
    lead = lead_of(shape)
    return tuple(shape) if lead is None else (lead, *shape)


def from_full(dims: Sequence[int], batched: bool) -> tuple[int, ...]:
    """A tensor's whole shape back to archlang's form: the batch dropped, or the lead kept."""
    dims = tuple(dims)
    return dims[1:] if batched else typed(dims[1:], lead=dims[0])


def shape_text(shape: Sequence[int]) -> str:
    """``[N, 16]``: the shape as written in `.arch` (an unbatched one with its lead)."""
    return "[" + ", ".join(str(d) for d in full_shape(shape)) + "]"

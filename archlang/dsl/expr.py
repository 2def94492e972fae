"""`Expr`: a Python handle on one archlang expression, with operators that build the AST.

Every DSL value is an `Expr` wrapping a frozen node of `archlang.syntax.ast`; operators
return new `Expr`s, so Python code reads like the `.arch` text it stands for:

    ===================  =====================  ======================================
    Python               .arch                  AST node
    ===================  =====================  ======================================
    ``x >> relu()``      ``x -> relu()``        ``Pipe`` (chains flatten, as parsed)
    ``a + b``, ``c * 4`` ``a + b``, ``c * 4``   ``BinOp`` (also - / // % **)
    ``-a``               ``-a``                 ``Neg``
    ``a < b`` ...        ``a < b``              ``Compare`` (``a.eq(b)``, ``a.ne(b)``)
    ``a | b``, ``a & b`` ``a or b``, ``a and b````BoolOp``; ``~a`` is ``not a``
    ``t[0]``             ``t[0]``               ``Index``
    ``xs[1:i]``          ``xs[1:i]``            ``Slice`` (either end may be left out)
    ``x.shape``          ``x.shape``            ``Attribute`` (also ``.channels``)
    ``[a, b]``, ``xs +   ``[a, b]``,            ``ListLit``, ``BinOp`` (a list of
    [h]``                ``xs + [h]``           tensors is a value like any other)
    ``f(*xs)``           ``f(*xs)``             ``Starred`` (in call arguments only)
    ===================  =====================  ======================================

``>>`` binds more loosely than arithmetic in Python, as ``->`` does in `.arch`:
``h + x >> relu()`` is ``(h + x) -> relu()`` in both. ``==`` is left to Python (an `Expr`
must stay usable as a dict key), hence ``a.eq(b)``.

Python's ``*`` on an `Expr` spreads the `.arch` list it stands for into a call:
``choice(*OPS)``, ``subset(2, *states[:i])``, ``concat(*xs)``. The list's length is known
only when the network is built, so the spread is one `Spread` item standing for all of
them; it is refused anywhere but a call's arguments (a Python ``for s in xs`` over an
`Expr` is a mistake: the `.arch` loop is ``with b.loop("s", xs) as s:``).

Plain Python values become literals through `lit`: int, float, bool, str, None, and
lists/tuples of them (``[1, 8, 8]`` is a shape).
"""

from __future__ import annotations

from typing import Any

from archlang.syntax import ast as A
from archlang.syntax.literals import to_literal


class Expr:
    """One archlang expression. `node` is the AST it stands for."""

    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    # ------------------------------------------------------------ pipelines

    def __rshift__(self, other: Any) -> Expr:
        return pipe(self, other)

    def __rrshift__(self, other: Any) -> Expr:
        return pipe(other, self)

    def then(self, *stages: Any) -> Expr:
        """``x.then(a, b)`` is ``x >> a >> b``."""
        out: Expr = self
        for s in stages:
            out = pipe(out, s)
        return out

    # ------------------------------------------------------------ arithmetic

    def _bin(self, op: str, other: Any, swap: bool = False) -> Expr:
        left, right = (lit(other), self.node) if swap else (self.node, lit(other))
        return Expr(A.BinOp(op, left, right))

    def __neg__(self) -> Expr:
        return Expr(A.Neg(self.node))

    # ------------------------------------------------------------ logic and comparison

    def _cmp(self, op: str, other: Any) -> Expr:
        return Expr(A.Compare(op, self.node, lit(other)))

    def eq(self, other: Any) -> Expr:
        """``self == other`` in `.arch` (Python's ``==`` compares the handles)."""
        return self._cmp("==", other)

    def ne(self, other: Any) -> Expr:
        """``self != other`` in `.arch`."""
        return self._cmp("!=", other)

    def __or__(self, o: Any) -> Expr: return Expr(A.BoolOp("or", self.node, lit(o)))
    def __ror__(self, o: Any) -> Expr: return Expr(A.BoolOp("or", lit(o), self.node))
    def __and__(self, o: Any) -> Expr: return Expr(A.BoolOp("and", self.node, lit(o)))
    def __rand__(self, o: Any) -> Expr: return Expr(A.BoolOp("and", lit(o), self.node))

    def __invert__(self) -> Expr:
        return Expr(A.Not(self.node))

    def __bool__(self) -> bool:
        raise TypeError("an archlang expression has no truth value in Python; use "
                        "`cond(test, a, b)` or `with b.when(test):` for `.arch` conditionals")

    # ------------------------------------------------------------ postfix

    def __getitem__(self, index: Any) -> Expr:
        if isinstance(index, slice):
            return Expr(_slice(self.node, index))
        return Expr(A.Index(self.node, lit(index)))

    def __iter__(self) -> Any:
        """``*xs``: one `Spread` standing for the items (see the module docstring)."""
        return iter((Spread(self.node),))

    @property
    def shape(self) -> Expr:
        return Expr(A.Attribute(self.node, "shape"))

    @property
    def channels(self) -> Expr:
        return Expr(A.Attribute(self.node, "channels"))

    # ------------------------------------------------------------ printing

    def to_arch(self) -> str:
        """The expression as `.arch` text."""
        from archlang.syntax.format import format_expr

        return format_expr(self.node)

    def __repr__(self) -> str:
        return f"<archlang {self.to_arch()}>"


def _binary(op: str, swap: bool) -> Any:
    def method(self: Expr, other: Any) -> Expr:
        return self._bin(op, other, swap)

    return method


def _comparison(op: str) -> Any:
    def method(self: Expr, other: Any) -> Expr:
        return self._cmp(op, other)

    return method


for _op, _name in {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "//": "floordiv",
                   "%": "mod", "**": "pow"}.items():
    setattr(Expr, f"__{_name}__", _binary(_op, False))
    setattr(Expr, f"__r{_name}__", _binary(_op, True))
for _op, _name in {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}.items():
    setattr(Expr, f"__{_name}__", _comparison(_op))

_EXPR_TYPES = tuple(t for t in A.Expr.__args__)  # type: ignore[attr-defined]


def lit(value: Any) -> Any:
    """The AST node for a DSL value: an `Expr`'s node, or a literal for a Python value.

    Raises:
        TypeError: a value with no archlang literal (a set, an object, NaN...).
    """
    return to_literal(value, other=_not_plain)


def _not_plain(value: Any) -> Any:
    """The node of a DSL value that is not a plain Python value."""
    if isinstance(value, Expr):
        return value.node
    if isinstance(value, Spread):
        value._refuse()
    if isinstance(value, _EXPR_TYPES):
        return value
    if hasattr(value, "__archlang_expr__"):
        return value.__archlang_expr__()
    raise TypeError(f"{type(value).__name__} {value!r} has no archlang literal; use numbers, "
                    "strings, booleans, None, lists, tuples or archlang expressions")


class Spread:
    """``*xs`` for an `.arch` list `xs`: valid only as a call argument (`arg` takes it)."""

    __slots__ = ("node",)

    def __init__(self, value: Any) -> None:
        self.node = A.Starred(value)

    def _refuse(self, *_: Any) -> Any:
        raise TypeError(_SPREAD_ONLY_IN_CALLS.format(x=_text(self.node.value)))

    __add__ = __radd__ = __rshift__ = __rrshift__ = __getitem__ = _refuse

    def __repr__(self) -> str:
        return f"<archlang *{_text(self.node.value)}>"


_SPREAD_ONLY_IN_CALLS = (
    "`*{x}` spreads a list only into a call's arguments (`choice(*{x})`, `subset(2, *{x})`, "
    "`concat(*{x})`); to loop over it write `with b.loop(\"s\", {x}) as s:`, to sum it "
    "`sum_({x})` (from archlang.dsl.ops)")


def _text(node: Any) -> str:
    from archlang.syntax.format import format_expr

    return format_expr(node)


def _slice(value: Any, index: slice) -> A.Slice:
    if index.step is not None:
        raise TypeError(f"archlang slices have no step, but got `{_text(value)}[...:...:"
                        f"{index.step!r}]`; write `{_text(value)}[lo:hi]`")
    return A.Slice(value, None if index.start is None else lit(index.start),
                   None if index.stop is None else lit(index.stop))


def arg(value: Any) -> Any:
    """The AST node of a call argument: `lit`, or ``*xs`` for a `Spread`."""
    return value.node if isinstance(value, Spread) else lit(value)


def wrap(value: Any) -> Expr:
    """`value` as an `Expr` (literals converted)."""
    return value if isinstance(value, Expr) else Expr(lit(value))


def pipe(left: Any, right: Any) -> Expr:
    """``left -> right``; a pipe on the left is extended, as the parser flattens chains."""
    a, b = lit(left), lit(right)
    stages = a.stages if isinstance(a, A.Pipe) else (a,)
    return Expr(A.Pipe(stages + (b,)))


def call(func: str, *args: Any, **kwargs: Any) -> Expr:
    """``func(args..., name = value...)``: an op, a block, a builtin, by name."""
    return Expr(A.Call(func, tuple(arg(a) for a in args),
                       tuple(A.Kwarg(k, lit(v)) for k, v in kwargs.items())))


def cond(test: Any, then: Any, orelse: Any) -> Expr:
    """``then if test else orelse``, evaluated when the network is built."""
    return Expr(A.CondExpr(lit(test), lit(then), lit(orelse)))


def name(ident: str) -> Expr:
    """A reference to a name in scope: a parameter, a tensor, a constant."""
    return Expr(A.Name(ident))


def or_(a: Any, b: Any) -> Expr:
    return Expr(A.BoolOp("or", lit(a), lit(b)))


def and_(a: Any, b: Any) -> Expr:
    return Expr(A.BoolOp("and", lit(a), lit(b)))


def not_(a: Any) -> Expr:
    return Expr(A.Not(lit(a)))

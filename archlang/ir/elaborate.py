"""The elaborator: walks a network's program tree and evaluates it.

One walk serves two purposes (so that decision keys agree by construction):

* the **space walk** (no assignment) computes with unknowns and records every decision point
  with its condition: this is how a Space learns its decisions;
* the **bind walk** (an assignment) computes concrete values on the chosen branches, builds
  the concrete `Graph` with shapes, and reports errors at the `.arch` place that caused them.

The Elaborator is assembled from its parts: what a walk has found and the methods that change
it (ir/walkstate.py), statements (ir/statements.py), expressions (ir/expressions.py); here
are the entry points. Decisions are evaluated in ir/hyper.py, layers applied in ir/apply.py,
arguments bound in ir/arguments.py; those act on the walk through its methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archlang.diagnostics import ArchError, ArchTypeError
from archlang.ir import stmtmemo as _stmtmemo
from archlang.ir.blockmemo import source_key
from archlang.ir.expressions import Expressions
from archlang.ir.scope import Env, Frame, Scope
from archlang.ir.statements import Statements, free_names
from archlang.ir.values import Tensor, describe, is_unknown, type_name
from archlang.ir.zeros import simplify_zeros
from archlang.ops.dims import Dim, stand_in, typed
from archlang.ops.registry import generation
from archlang.syntax import ast as A


class Elaborator(Statements, Expressions):
    """Evaluates one network. See the module docstring for the two kinds of walk."""

    # ------------------------------------------------------------ entry point

    def run(self, net: A.NetworkDef, env: Env, overrides: dict[str, Any]) -> Tensor:
        self.graph.name = net.name
        scope = Scope(net.name, active=not self.space_walk)
        frame = Frame(Env(env))
        args = {}
        for p in net.params:
            if p.name in overrides:
                args[p.name] = overrides[p.name]
            elif p.default is not None:
                args[p.name] = self.eval(p.default, scope, Frame(Env(env, dict(args))),
                                         hint=p.name)
            else:
                raise ArchTypeError(
                    f"network `{net.name}` needs a value for its parameter `{p.name}`", p.span,
                    hint=f"give it a default: `{p.name}: int = ...`", code="E305")
        frame.env.vars.update(args)
        dims: dict[str, Dim] = {}  # the run-time sizes the inputs name, shared among them
        inputs = [self._network_input(i, scope, frame, dims) for i in net.inputs]
        # (every input's shape a literal one, worked out before: `_network_input`)
        static = not self.space_walk and len(self.source_parts) == len(inputs)
        if self.observer is not None:
            inputs = self.observer.inputs(net.inputs, inputs)
        for i, t in zip(net.inputs, inputs):
            frame.env.vars[i.name] = t
        frame.current = inputs[0] if len(inputs) == 1 else None
        start = None
        if static and not args and self.remember and \
                self.observer is None and _stmtmemo.ENABLED and _stmtmemo.STATES and \
                "printed" not in self.program.bind_caches:
            # the body starts in the same State on every bind where the inputs' shapes
            # are literals: worked out once (ir/stmtmemo.py)
            start = _stmtmemo.network_start(self, net, scope, frame)
        result = self.exec_body(net.body, scope, frame, net.span, start)
        if not isinstance(result, Tensor):
            raise ArchTypeError(f"network `{net.name}` must return a tensor, but returns "
                                f"{type_name(result)}", net.span, code="E307")
        if result.node is not None:
            self.graph.output = result.node
            simplify_zeros(self.graph)
            self.graph.prune()
            self.check_figures()
        return result

    def _network_input(self, inp: A.Input, scope: Scope, frame: Frame,
                       dims: dict[str, Dim]) -> Tensor:
        cache = self.program.bind_caches.setdefault("input_shapes", {})
        hit = cache.get(id(inp))
        if hit is not None and hit[0] is inp and hit[1] is not None:
            shape, dtype = hit[1], hit[2]  # a shape of literals, worked out before
        else:
            shape, dtype = self._input_shape(inp, scope, frame, dims)
            if hit is None or hit[0] is not inp:  # holding `inp` keeps its id from reuse
                static = not inp.unbatched and all(
                    isinstance(n, (A.ListLit, A.TupleLit, A.IntLit))
                    for n in A.walk(_shape_part(inp.shape)))  # type: ignore[arg-type]
                cache[id(inp)] = (inp, shape if static else None, dtype, [-1, None])
            hit = None
        if self.space_walk:
            return Tensor(None, shape, dtype)
        node = self.add_node("input", [], {}, shape, inp.name, inp.span, dtype)
        t = Tensor(node, shape, dtype)
        if hit is not None:  # what a remembered statement's key holds of it, made once
            part = hit[3]  # per program and op registry (ir/stmtmemo.py reads it)
            if part[0] != generation():
                part[:] = generation(), source_key(t)
            self.source_parts[id(t)] = (t, part[1])
        return t

    def _input_shape(self, inp: A.Input, scope: Scope, frame: Frame,
                     dims: dict[str, Dim]) -> tuple[Any, str]:
        """The shape of a network input (batch excluded) and its dtype."""
        if inp.shape is None:
            raise ArchTypeError(f"network input `{inp.name}` needs a shape", inp.span,
                                hint=f"write `{inp.name}: [C, H, W]` (no batch dimension) or "
                                     f"`{inp.name}: [N, F] unbatched`",
                                code="E308")
        dtype, shape_expr = "float", inp.shape
        if isinstance(shape_expr, A.Index) and isinstance(shape_expr.value, A.Name):
            dtype, shape_expr = shape_expr.value.id, shape_expr.index
            if dtype not in ("long", "float"):
                raise ArchTypeError(f"unknown input type `{dtype}`", inp.shape.span,
                                    hint="use `long[...]` for token ids", code="E308")
        if inp.unbatched and isinstance(shape_expr, (A.ListLit, A.TupleLit)):
            shape = tuple(self._dim(d, scope, frame, dims) for d in shape_expr.items)
        else:
            shape = self.eval(shape_expr, scope, frame)
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        if not (isinstance(shape, tuple) and all(isinstance(d, int) and not isinstance(d, bool)
                                                 and d > 0 for d in shape)):
            raise ArchTypeError(
                f"the shape of `{inp.name}` must be a list of positive integers, but got "
                f"{describe(shape)}", inp.shape.span, code="E308")
        if inp.unbatched:
            return typed(shape[1:], lead=shape[0], dtype=dtype), dtype
        return typed(shape, dtype=dtype), dtype

    def _dim(self, expr: A.Expr, scope: Scope, frame: Frame, dims: dict[str, Dim]) -> Any:
        """One dimension of an unbatched input: a name that nothing defines is a run-time
        size (`Dim`), the same object wherever the network's inputs name it."""
        if isinstance(expr, A.Name) and expr.id not in frame.env and \
                self.program.lookup_global(frame.env, expr.id) is None:
            if expr.id not in dims:
                dims[expr.id] = Dim(expr.id, stand_in(len(dims)))
            return dims[expr.id]
        return self.eval(expr, scope, frame)

    # ------------------------------------------------------------ single expressions

    def eval_constant(self, expr: A.Expr, scope: Scope, env: Env) -> tuple[Any, bool]:
        """The value of a module constant's expression, and whether it reads a decision."""
        value = self.eval(expr, scope, Frame(env))
        return value, is_unknown(value) or bool(self.decisions)

    def eval_substituted(self, expr: A.Expr, scope: Scope, frame: Frame,
                         substitute: Callable[[Any], Any]) -> Any:
        """`expr` evaluated where each name it reads from `frame` holds `substitute` of
        that name's value (a recorded `require`, re-checked against an assignment)."""
        names = {n: substitute(frame.env.vars[n]) for n in free_names(expr)
                 if n in frame.env.vars}
        return self.eval(expr, scope, Frame(Env(frame.env.parent, names)))



def _shape_part(shape: A.Expr) -> A.Expr:
    """The dims of an input's shape, without its type (``long[8]`` -> ``[8]``)."""
    if isinstance(shape, A.Index) and isinstance(shape.value, A.Name):
        return shape.index
    return shape


__all__ = ["ArchError", "Elaborator"]

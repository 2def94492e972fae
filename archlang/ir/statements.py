"""Running statements: assignments, layer statements, `return`, `for`, `if` (also over
decisions, off the chosen path) and `require` (now, or once the graph's figures are known).

`Statements` is one part of the Elaborator (ir/elaborate.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchSpaceError, ArchTypeError
from archlang.ir import apply as _apply
from archlang.ir import stmtmemo as _stmtmemo
from archlang.ir.scope import Env, Frame
from archlang.ir.values import (
    SHADOW,
    Layer,
    Tensor,
    describe,
    is_unknown,
    type_name,
    unknown_of,
)
from archlang.ir.walkstate import WalkState
from archlang.source import Span
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.scope import Scope


class Statements(WalkState):
    """The statement half of the Elaborator."""

    def exec_body(self, body: tuple[A.Stmt, ...], scope: Scope, frame: Frame,
                  span: Span, start: tuple[Any, Any] | None = None) -> Any:
        """Run statements; the result is the `return` value, else the current tensor.
        `start`: the statements' memo `Context` and the `State` the body starts in
        (ir/stmtmemo.py), where the caller knows them."""
        if start is not None:
            memo, state = start
        else:
            # statements are remembered one by one (ir/stmtmemo.py) in active bind walks,
            # but not in a block body the block memo is gathering: it remembers the body
            # whole; nor in a program `to_arch` printed (its check: most of its lines come
            # back once or twice, too few times to pay for remembering them)
            memo = _stmtmemo.Context(self, scope) if (
                _stmtmemo.ENABLED and self.remember and not self.space_walk
                and self.observer is None and scope.active and scope.dynamic_if is None
                and not (self.memo_stack and self.memo_stack[-1].block)
                and "printed" not in self.program.bind_caches) else None
            # (the body's state as statement keys read it: ir/stmtmemo.py `State`)
            state = _stmtmemo.FRESH if memo is not None and _stmtmemo.STATES else None
        for stmt in body:
            if memo is not None and type(stmt) in _REMEMBERED:
                state = _stmtmemo.run(self, stmt, scope, frame, memo,  # type: ignore[arg-type]
                                      state)
                continue
            if memo is not None and type(stmt) is A.Return and type(stmt.value) is not A.Name \
                    and self.recorder is None:
                # remembered as an expression statement whose value the body returns
                # (`return h -> linear(4)`; a name alone costs less to read than to look up;
                # a walk that records runs it, as before)
                _stmtmemo.run(self, stmt, scope, frame, memo, state)  # type: ignore[arg-type]
                return frame.current
            if state is not None:
                state = _stmtmemo.FRESH
            result = self.exec_stmt(stmt, scope, frame)
            if result is not None:
                return result[0]
        if frame.current is None:
            raise ArchTypeError("this body computes no tensor", span,
                                hint="end it with `return <tensor>`", code="E307")
        return frame.current

    def exec_stmt(self, stmt: A.Stmt, scope: Scope, frame: Frame) -> tuple[Any] | None:
        self._tick(stmt.span)
        if isinstance(stmt, A.Assign):
            value = self.eval(stmt.value, scope, frame, hint=stmt.name)
            frame.env.vars[stmt.name] = value
            if self.observer is not None:
                self.observer.assigned(stmt, value)
            if isinstance(value, Tensor):
                frame.current = value
        elif isinstance(stmt, A.Unpack):
            self._unpack(stmt, scope, frame)
        elif isinstance(stmt, A.ExprStmt):
            value = self.eval(stmt.expr, scope, frame)
            frame.current = self._feed(value, frame, scope, stmt.expr)
        elif isinstance(stmt, A.Return):
            value = self.eval(stmt.value, scope, frame)
            if self.observer is not None:
                self.observer.returned(stmt, value)
            return (value,)
        elif isinstance(stmt, A.For):
            return self._exec_for(stmt, scope, frame)
        elif isinstance(stmt, A.If):
            return self._exec_if(stmt, scope, frame)
        elif isinstance(stmt, A.Require):
            self._require(stmt, scope, frame)
        return None

    def _unpack(self, stmt: A.Unpack, scope: Scope, frame: Frame) -> None:
        """``(a, b) = value``: one name per item; a symbolic value gives symbolic items."""
        value = self.eval(stmt.value, scope, frame)
        n = len(stmt.names)
        if value is SHADOW or (isinstance(value, Tensor) and value.node is None):
            value = (SHADOW,) * n
        elif is_unknown(value) and not isinstance(value, tuple):
            value = (unknown_of(value),) * n
        if not isinstance(value, tuple) or len(value) != n:
            got = f"{len(value)} items" if isinstance(value, tuple) else type_name(value)
            raise ArchTypeError(f"cannot unpack {got} into {n} names ({', '.join(stmt.names)})",
                                stmt.value.span, hint=f"the right side must give exactly {n} "
                                "values, e.g. a block that ends with `return (a, b)`",
                                code="E323")
        for name, v in zip(stmt.names, value):
            frame.env.vars[name] = v
        if all(isinstance(v, Tensor) for v in value):
            frame.current = value[-1]

    def _require(self, stmt: A.Require, scope: Scope, frame: Frame) -> None:
        """Check a constraint now, or at the end when it reads `params` or `flops`."""
        if self.observer is not None:
            self.observer.required(stmt)
        if _FIGURES & free_names(stmt.expr) and not any(n in frame.env for n in _FIGURES):
            self.requires.append((stmt, Frame(_snapshot(frame.env)), scope))
            return
        self._check_require(stmt, scope, frame)

    def _check_require(self, stmt: A.Require, scope: Scope, frame: Frame) -> None:
        ok = self.eval(stmt.expr, scope, frame)
        if is_unknown(ok) and self.space_walk and scope.dynamic_if is None:
            self.decision_requires.append((stmt, Frame(_snapshot(frame.env)), scope))
        if is_unknown(ok) or ok:
            return
        from archlang.syntax.format import format_expr

        used = ", ".join(f"{k} = {v!r}" for k, v in list(self.used.items())[:6])
        raise ArchSpaceError(f"requirement `{format_expr(stmt.expr)}` does not hold", stmt.span,
                             notes=[f"with {used}"] if used else [], code="E514")

    def check_figures(self) -> None:
        """The requirements that read static figures, once the graph is complete."""
        if not self.requires or self.space_walk:
            return
        from archlang.ops.registry import get_op as op

        params = flops = 0
        for n in self.graph.nodes:
            spec = op(n.op)
            assert spec is not None
            shapes = [x.shape for x in n.inputs]
            params += spec.count_params(n.attrs, shapes)
            flops += spec.flops(n.attrs, shapes, n.shape)
        for stmt, frame, scope in self.requires:
            frame.env.vars.update({"params": params, "flops": flops})
            self._check_require(stmt, scope, frame)

    def _feed(self, value: Any, frame: Frame, scope: Scope, expr: A.Expr) -> Any:
        """An expression statement: a layer is applied to the current tensor."""
        span = expr.span
        if isinstance(value, Layer):
            if frame.current is None:
                raise ArchTypeError(
                    "there is no tensor to apply this layer to", span,
                    hint="write `h = x -> layer(...)`, naming the input", code="E309")
            return _apply.apply_layer(self, value, frame.current, scope, span, stage=expr)
        if isinstance(value, Tensor) or (isinstance(value, tuple) and value
                                         and all(isinstance(v, Tensor) for v in value)):
            return value
        raise ArchTypeError(f"a statement must compute a layer or a tensor, but this computes "
                            f"{type_name(value)}", span,
                            hint="bind values to names: `name = ...`", code="E310")

    def _exec_for(self, stmt: A.For, scope: Scope, frame: Frame) -> tuple[Any] | None:
        if self.observer is None:
            return self._run_for(stmt, scope, frame)
        with self.observer.body(stmt):
            return self._run_for(stmt, scope, frame)

    def _run_for(self, stmt: A.For, scope: Scope, frame: Frame) -> tuple[Any] | None:
        items = self.eval(stmt.iterable, scope, frame)
        if not isinstance(items, tuple) and is_unknown(items):
            raise ArchSpaceError("a `for` loop cannot run over a decision", stmt.iterable.span,
                                 hint="use `repeat(n) { ... }` for a searched number of copies",
                                 code="E506")
        if not isinstance(items, tuple):
            raise ArchTypeError(f"`for` expects a list, but got {type_name(items)}",
                                stmt.iterable.span, code="E311")
        rec = self.recorder if scope.active else None
        for i, item in enumerate(items):
            self._bind_targets(stmt, item, frame)
            if rec is not None:
                rec.add(scope.path, stmt, item)
                outer, rec.loop_ctx = rec.loop_ctx, rec.loop_ctx + ((id(stmt), i),)
            try:
                result = self._exec_stmts(stmt.body, scope, frame)
            finally:
                if rec is not None:
                    rec.loop_ctx = outer
            if result is not None:
                return result
        return None

    def _bind_targets(self, stmt: A.For, item: Any, frame: Frame) -> None:
        if len(stmt.targets) == 1:
            frame.env.vars[stmt.targets[0]] = item
            return
        if not isinstance(item, tuple) or len(item) != len(stmt.targets):
            raise ArchTypeError(
                f"cannot unpack {describe(item)} into {len(stmt.targets)} names "
                f"({', '.join(stmt.targets)})", stmt.iterable.span, code="E311")
        for name, v in zip(stmt.targets, item):
            frame.env.vars[name] = v

    def _exec_stmts(self, body: tuple[A.Stmt, ...], scope: Scope,
                    frame: Frame) -> tuple[Any] | None:
        for s in body:
            result = self.exec_stmt(s, scope, frame)
            if result is not None:
                return result
        return None

    def _exec_if(self, stmt: A.If, scope: Scope, frame: Frame) -> tuple[Any] | None:
        for i, (test_expr, body) in enumerate(stmt.branches):
            test = self.eval(test_expr, scope, frame)
            if is_unknown(test):
                return self._exec_dynamic_if(stmt, scope, frame)
            if test:
                self.record(scope, stmt, i)
                return self._exec_branch(stmt, i, body, scope, frame)
        self.record(scope, stmt, len(stmt.branches))
        if stmt.orelse is not None:
            return self._exec_branch(stmt, len(stmt.branches), stmt.orelse, scope, frame)
        if self.observer is not None:
            with self.observer.body(stmt):  # the `if` is drawn where it is, if no branch ran
                pass
        return None

    def _exec_branch(self, stmt: A.If, index: int, body: tuple[A.Stmt, ...], scope: Scope,
                     frame: Frame) -> tuple[Any] | None:
        if self.observer is None:
            return self._exec_stmts(body, scope, frame)
        with self.observer.body(stmt, index):
            return self._exec_stmts(body, scope, frame)

    def _exec_dynamic_if(self, stmt: A.If, scope: Scope, frame: Frame) -> tuple[Any] | None:
        """A test that depends on decisions (only off the chosen path): walk every branch."""
        shadow = scope.shadow(stmt.span)
        bodies = [b for _, b in stmt.branches] + ([stmt.orelse] if stmt.orelse else [])
        changed: set[str] = set()
        returned = False
        branches = []
        for i, body in enumerate(bodies):
            branch = Frame(Env(frame.env), frame.current)
            returned |= self._exec_branch(stmt, i, body, shadow, branch) is not None
            changed |= set(branch.env.vars)
            branches.append(branch.env.vars)
        before = dict(frame.env.vars)
        for name in changed:
            old = frame.env.vars.get(name)
            frame.env.vars[name] = SHADOW if isinstance(old, Tensor) or old is None else \
                unknown_of(old)
        frame.current = SHADOW if frame.current is not None else None
        if self.observer is not None:
            self.observer.joined(changed, before, branches, stmt.orelse is not None,
                                 frame.env.vars)
        return (SHADOW,) if returned else None


_FIGURES = frozenset({"params", "flops"})


#: the statements ir/stmtmemo.py remembers (the others read or write more than one value)
_REMEMBERED = (A.Assign, A.ExprStmt)


def free_names(e: Any) -> set[str]:
    """Names an expression reads (a syntactic over-approximation)."""
    return {n.id for n in A.walk(e) if isinstance(n, A.Name)}


def _snapshot(env: Env) -> Env:
    flat: dict[str, Any] = {}
    chain = []
    e: Env | None = env
    while e is not None and e.owner is None:
        chain.append(e)
        e = e.parent
    for part in reversed(chain):
        flat.update(part.vars)
    return Env(e, flat)

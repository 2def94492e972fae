"""The diagram of a space, drawn from the network's source with its decision points marked.

The network's body is walked once, symbolically (no decision is taken):

* a layer or block call is a box with its source text (``conv_bn_relu(width, k = choice(3, 5))``),
  and the keys of the decisions written in it;
* a choice between layers is a hexagon listing its candidates, numbered as the assignment
  numbers them; a choice or subset between tensors (an *input choice*) is a diamond reached by
  dashed edges from every candidate;
* a `repeat` is a box (a cluster) around its body, labelled with its count (``repeat int(1, 3)``);
  `for` and `if` bodies are clusters too;
* a decision bound to a name (``width = choice(16, 32, 64)``) is a note; dotted edges go from it
  to the layers that use the name, so tied places show as one note with several edges.

Decisions are matched to source places by their spans: a decision made in every copy of a
repeat shows once, with ``[i]`` for the copy (``digits_cnn.repeat[i].choice``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archlang.ops.registry import op_for_infix
from archlang.source import Span
from archlang.syntax import ast as A
from archlang.syntax.format import format_expr
from archlang.viz.dot import Digraph

if TYPE_CHECKING:
    from archlang.ir.space import Space

#: longest source text shown in one box line
MAX_TEXT = 60
#: most decision lines in one box
MAX_KEYS = 8
CHOICE_STYLE = {"shape": "hexagon", "fillcolor": "#fff4e0"}
INPUT_CHOICE_STYLE = {"shape": "diamond", "fillcolor": "#fff4e0"}
NOTE_STYLE = {"shape": "note", "fillcolor": "#fffbe6", "style": "filled"}
TIE_EDGE = {"style": "dotted", "arrowhead": "none", "color": "#c08000"}
INPUT_EDGE = {"style": "dashed"}


@dataclass
class _Value:
    """What a name holds while walking: tensors (node ids), a decision note, or nothing drawn."""

    kind: str  # "tensor" | "decision" | "layer" | "value"
    nodes: tuple[str, ...] = ()
    note: str | None = None


def space_dot(space: Space) -> str:
    """DOT text for a space: the network body with its decision points drawn as such."""
    return _SpaceWalk(space).run()


class _SpaceWalk:
    def __init__(self, space: Space) -> None:
        self.space = space
        self.dot = Digraph(space.name)
        self.keys: dict[tuple[str, int, int], list[str]] = {}
        for d in space.decisions:
            self.keys.setdefault(_place(d.span), []).append(d.key)
        self.env: dict[str, _Value] = {}
        #: where the network body writes decisions: those are drawn, not listed with ↳
        self.body_places = {_place(n.span) for stmt in space.network_def.body
                            for n in _walk_stmt(stmt)
                            if isinstance(n, A.Call) and n.func in A.HYPER_NAMES}

    def run(self) -> str:
        net = self.space.network_def
        for p in net.params:
            self.env[p.name] = _Value("value")
        for inp in net.inputs:
            shape = f": {format_expr(inp.shape)}" if inp.shape is not None else ""
            node = self.dot.node(f"{inp.name}{shape}", shape="ellipse", fillcolor="#e8f0fe")
            self.env[inp.name] = _Value("tensor", (node,))
        self.body(net.body, None)
        self._unplaced()
        return self.dot.source()

    def _unplaced(self) -> None:
        """Decisions the walk could not place (declared in blocks, not under a drawn decision)
        go in one note, so that the diagram names every decision of the space."""
        shown = set(re.findall(r"[◆↳] ([^\s\\\"]+)", self.dot.source()))
        missing = list(dict.fromkeys(_generic(d.key) for d in self.space.decisions
                                     if _generic(d.key) not in shown))
        if missing:
            lines = missing if len(missing) <= MAX_KEYS else [
                *missing[:MAX_KEYS - 1], f"… {len(missing) - MAX_KEYS + 1} more"]
            self.dot.node("\n".join(["decisions inside blocks:", *(f"◆ {k}" for k in lines)]),
                          **NOTE_STYLE)

    # ------------------------------------------------------------ statements

    def body(self, stmts: tuple[A.Stmt, ...], current: tuple[str, ...] | None
             ) -> tuple[str, ...] | None:
        """Walk statements; `current` is the tensor a pipeline body's lines apply to."""
        for stmt in stmts:
            current = self.stmt(stmt, current)
        return current

    def stmt(self, stmt: A.Stmt, current: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if isinstance(stmt, A.Assign):
            self.env[stmt.name] = self.bound(stmt.name, stmt.value)
        elif isinstance(stmt, A.ExprStmt):
            if current is not None and not self._is_tensor(stmt.expr):
                return self.apply(stmt.expr, current)
            value = self.flow(stmt.expr)
            return value if value else current
        elif isinstance(stmt, A.Return):
            result = self.flow(stmt.value)
            out = self.dot.node("output", shape="ellipse", fillcolor="#e8f0fe")
            for n in result:
                self.dot.edge(n, out)
        elif isinstance(stmt, A.For):
            targets = ", ".join(stmt.targets)
            if len(stmt.targets) > 1:
                targets = f"({targets})"
            self.dot.open_cluster(f"for {targets} in {_short(format_expr(stmt.iterable))}")
            for t in stmt.targets:
                self.env[t] = _Value("value")
            current = self.body(stmt.body, current)
            self.dot.close_cluster()
        elif isinstance(stmt, A.If):
            current = self.branches(stmt, current)
        elif isinstance(stmt, A.Require):
            self.dot.node(f"require {_short(format_expr(stmt.expr))}", **NOTE_STYLE)
        return current

    def branches(self, stmt: A.If, current: tuple[str, ...] | None) -> tuple[str, ...] | None:
        """Each branch in its own cluster; a tensor name a branch rebinds joins at a point."""
        before = dict(self.env)
        arms = [(f"if {_short(format_expr(t))}", body) for t, body in stmt.branches]
        if stmt.orelse is not None:
            arms.append(("else", stmt.orelse))
        envs = []
        for label, body in arms:
            self.env = dict(before)
            self.dot.open_cluster(label)
            self.body(body, current)
            envs.append(self.env)
            self.dot.close_cluster()
        if stmt.orelse is None:
            envs.append(before)
        self.env = dict(before)
        for name in dict.fromkeys(n for env in envs for n in env):  # in a stable order
            values = [env[name] for env in envs if name in env]
            if all(v.kind == "tensor" for v in values) and len({v.nodes for v in values}) > 1:
                join = self.dot.node("", shape="point", width="0.08")
                for v in values:
                    for n in v.nodes:
                        self.dot.edge(n, join)
                self.env[name] = _Value("tensor", (join,))
            elif values:
                self.env[name] = values[-1]
        return current

    def bound(self, name: str, expr: A.Expr) -> _Value:
        """The value a name is bound to; decisions bound to names become notes."""
        if self._is_tensor(expr):
            return _Value("tensor", self.flow(expr))
        if isinstance(expr, A.Call) and expr.func in A.HYPER_NAMES:
            if self._is_layer_choice(expr):
                lines = [f"{name} = choice{self._keys_of(expr)}"]
                lines += [f"{i}: {_short(format_expr(c))}" for i, c in enumerate(expr.args)]
                note = self.dot.node("\n".join(lines), **NOTE_STYLE)
            else:
                label = f"{name} = {_short(format_expr(expr))}{self._keys_of(expr)}"
                note = self.dot.node(label, **NOTE_STYLE)
            self._ties(expr, note)
            return _Value("layer" if self._is_layer_choice(expr) else "decision", note=note)
        note = self._note_in(expr)
        return _Value("decision", note=note) if note else _Value("value")

    # ------------------------------------------------------------ tensors

    def flow(self, expr: A.Expr) -> tuple[str, ...]:
        """The nodes a tensor-valued expression ends at (several for a tuple of tensors)."""
        if isinstance(expr, A.Name):
            value = self.env.get(expr.id)
            return value.nodes if value is not None and value.kind == "tensor" else ()
        if isinstance(expr, A.Pipe):
            first, *rest = expr.stages
            current = self.flow(first) if self._is_tensor(first) else self.apply(first, ())
            for stage in rest:
                current = self.apply(stage, current)
            return current
        if isinstance(expr, A.TupleLit):
            return tuple(n for item in expr.items for n in self.flow(item))
        infix = op_for_infix(expr.op) if isinstance(expr, A.BinOp) else None
        if infix is not None:
            node = self.dot.node(infix.name, shape="circle", width="0.3", fixedsize="false")
            for side in (expr.left, expr.right):
                for n in self._operand(side):
                    self.dot.edge(n, node)
            return (node,)
        if isinstance(expr, A.Call) and expr.func in ("choice", "subset"):
            return (self.input_choice(expr),)
        return self.apply(expr, ())

    def _operand(self, expr: A.Expr) -> tuple[str, ...]:
        return self.flow(expr) if self._is_tensor(expr) else self.apply(expr, ())

    def input_choice(self, call: A.Call) -> str:
        label = f"{call.func}{self._keys_of(call)}"
        if call.func == "subset" and call.args:
            label = f"subset({format_expr(call.args[0])}){self._keys_of(call)}"
        node = self.dot.node(label, **INPUT_CHOICE_STYLE)
        candidates = call.args[1:] if call.func == "subset" else call.args
        for i, cand in enumerate(candidates):
            for n in self.flow(cand):
                self.dot.edge(n, node, label=str(i), **INPUT_EDGE)
        return node

    def apply(self, stage: A.Expr, inputs: tuple[str, ...]) -> tuple[str, ...]:
        """Draw one pipeline stage applied to `inputs`; returns the stage's node."""
        if isinstance(stage, A.Repeat):
            return self.repeat(stage, inputs)
        if isinstance(stage, A.Pipe):
            for s in stage.stages:
                inputs = self.apply(s, inputs)
            return inputs
        if isinstance(stage, A.Call) and stage.func == "choice":
            lines = [f"choice{self._keys_of(stage)}"]
            lines += [f"{i}: {_short(format_expr(c))}" for i, c in enumerate(stage.args)]
            node = self.dot.node("\n".join(lines), **CHOICE_STYLE)
            self._ties(stage, node)
        elif isinstance(stage, A.Name) and stage.id in self.env and \
                self.env[stage.id].kind in ("layer", "decision"):
            node = self.dot.node(f"{stage.id}  (layer choice)", **CHOICE_STYLE)
            self._ties(stage, node)
        else:
            node = self.dot.node(f"{_short(format_expr(stage))}{self._keys_of(stage)}")
            self._ties(stage, node)
        for n in inputs:
            self.dot.edge(n, node)
        return (node,)

    def repeat(self, stage: A.Repeat, inputs: tuple[str, ...]) -> tuple[str, ...]:
        count = format_expr(stage.count)
        self.dot.open_cluster(f"repeat {count}{self._keys_of(stage.count, ', ')}",
                              style="rounded,filled", fillcolor="#f6f6f6")
        self._ties(stage.count, None)
        saved = dict(self.env)
        result = self.body(stage.body, inputs)
        self.env = {**saved, **{k: v for k, v in self.env.items() if k in saved}}
        self.dot.close_cluster()
        return result if result is not None else inputs

    # ------------------------------------------------------------ decisions and ties

    def _keys_of(self, expr: A.Expr, sep: str = "\n") -> str:
        """The keys of the decisions written inside `expr` (a decision made in every copy of a
        repeat shows once, with ``[i]``), and below each the decisions it activates inside
        blocks, which the diagram does not draw (``↳ net.repeat[i].residual.conv.k if 1``)."""
        keys: list[str] = []
        for node in _walk(expr):
            if isinstance(node, A.Call) and node.func in A.HYPER_NAMES:
                for key in self.keys.get(_place(node.span), []):
                    for line in [f"◆ {_generic(key)}", *self._hidden(key)]:
                        if line not in keys:
                            keys.append(line)
        if len(keys) > MAX_KEYS:
            keys = [*keys[:MAX_KEYS - 1], f"… {len(keys) - MAX_KEYS + 1} more"]
        return "".join(f"{sep}{k}" for k in keys)

    def _hidden(self, key: str) -> list[str]:
        """Decisions conditional on `key` that are declared outside the network's body."""
        parent = self.space.tree.by_key[key]
        out = []
        for c in self.space.tree.children.get(key, []):
            if _place(c.span) in self.body_places:
                continue
            when = parent.diagram_when(c.cond[1]) if c.cond is not None else ""
            out.append(f"↳ {_generic(c.key)}{when}")
            out.extend(self._hidden(c.key))
        return out

    def _ties(self, expr: A.Expr, node: str | None) -> None:
        """Dotted edges from the notes of decisions that `expr` reads by name to `node`."""
        if node is None:
            return
        seen: set[str] = set()
        for sub in _walk(expr):
            if isinstance(sub, A.Name) and sub.id not in seen:
                value = self.env.get(sub.id)
                if value is not None and value.note is not None:
                    seen.add(sub.id)
                    self.dot.edge(value.note, node, **TIE_EDGE)

    def _note_in(self, expr: A.Expr) -> str | None:
        """A name computed from a decided name (``c = width * 2``) carries that decision."""
        for sub in _walk(expr):
            if isinstance(sub, A.Name) and sub.id in self.env and self.env[sub.id].note:
                return self.env[sub.id].note
        return None

    def _is_tensor(self, expr: A.Expr) -> bool:
        if isinstance(expr, A.Name):
            value = self.env.get(expr.id)
            return value is not None and value.kind == "tensor"
        if isinstance(expr, A.Pipe):
            return True
        if isinstance(expr, (A.TupleLit, A.BinOp)):
            items = expr.items if isinstance(expr, A.TupleLit) else (expr.left, expr.right)
            return any(self._is_tensor(i) for i in items)
        if isinstance(expr, A.Call) and expr.func in ("choice", "subset"):
            return any(self._is_tensor(a) for a in expr.args)
        return False

    def _is_layer_choice(self, call: A.Call) -> bool:
        return call.func == "choice" and any(
            isinstance(a, (A.Call, A.Pipe)) and not (isinstance(a, A.Call) and
                                                     a.func in A.HYPER_NAMES)
            for a in call.args)


def _walk(expr: Any) -> list[Any]:
    """Every AST node inside `expr` (expressions only; repeat bodies are not entered)."""
    out, stack = [], [expr]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, A.Repeat):
            stack.append(node.count)
            continue
        for value in vars(node).values():
            if isinstance(value, tuple):
                stack.extend(v for v in reversed(value) if hasattr(v, "span"))
            elif hasattr(value, "span") and not isinstance(value, type(node.span)):
                stack.append(value)
    return out


def _walk_stmt(stmt: A.Stmt) -> list[Any]:
    """Every AST node of a statement, bodies of repeats, loops and branches included."""
    out: list[Any] = []
    stack: list[Any] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):  # a body, an argument list, an `if` branch (test, body)
            stack.extend(node)
        elif hasattr(node, "span") and not isinstance(node, Span):
            out.append(node)
            stack.extend(vars(node).values())
    return out


def _generic(key: str) -> str:
    return re.sub(r"\[\d+\]", "[i]", key)


def _place(span: Any) -> tuple[str, int, int]:
    return (span.path, span.line, span.col)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"

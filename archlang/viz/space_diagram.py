"""The diagram of a space, drawn from its space walk with the decision points marked.

The elaborator's own space walk records the network's body (`Space.structure()`,
ir/structure.py: what it applies, the decisions it registers, the tensors that flow); this
module draws that record:

* a layer or block call is a box with its source text (``conv_bn_relu(width, k = choice(3, 5))``),
  and the keys of the decisions written in it;
* a choice between layers is a hexagon listing its candidates, numbered as the assignment
  numbers them; a choice or subset between tensors (an *input choice*) is a diamond reached by
  dashed edges from every candidate;
* a `repeat` is a box (a cluster) around its body, labelled with its count (``repeat int(1, 3)``);
  `for` and `if` bodies are clusters too;
* a decision bound to a name (``width = choice(16, 32, 64)``) is a note; dotted edges go from it
  to the layers that use the name, so tied places show as one note with several edges.

A decision made in every copy of a repeat shows once, with ``[i]`` for the copy
(``digits_cnn.repeat[i].choice``); a `repeat` body is drawn from its first copy, a `for`
body once with the data flow of every iteration.
"""


from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from archlang.ir import structure as S
from archlang.ir.values import ChoiceLayer
from archlang.ops.registry import op_for_infix
from archlang.syntax import ast as A
from archlang.syntax.format import format_expr
from archlang.viz.dot import Digraph

if TYPE_CHECKING:
    from archlang.ir.decisions import DecisionPoint
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
REPEAT_STYLE = {"style": "rounded,filled", "fillcolor": "#f6f6f6"}


def space_dot(space: Space) -> str:
    """DOT text for a space: the network body with its decision points drawn as such."""
    return _Drawing(space, space.structure()).run()


class _Drawing:
    """Draws a `StructureRecorder`'s record: groups become clusters, items nodes."""

    def __init__(self, space: Space, rec: S.StructureRecorder) -> None:
        self.space = space
        self.rec = rec
        self.dot = Digraph(space.name)
        self.ids: dict[int, str] = {}  # id(item) -> its node
        #: id(item) -> edges to nodes drawn before it (a loop reading its last iteration)
        self.waiting: dict[int, list[tuple[str, dict[str, str]]]] = defaultdict(list)
        self.owned = _owned(rec.root)
        self.note_order = {id(n): i for i, n in enumerate(dict.fromkeys(rec.notes.values()))}
        self.shown: set[str] = set()
        #: the key lines a label left out (past `MAX_KEYS`), for the next node's tooltip
        self.left_out: list[str] = []

    def run(self) -> str:
        self.group(self.rec.root)
        self._unplaced()
        return self.dot.source()

    def _unplaced(self) -> None:
        """Decisions no label shows (declared in blocks, not under a drawn decision) go in
        one note, so that the diagram names every decision of the space."""
        missing = list(dict.fromkeys(_generic(d.key) for d in self.space.decisions
                                     if _generic(d.key) not in self.shown))
        if missing:
            lines = _cut([f"◆ {k}" for k in missing], self.left_out)
            self.dot.node("\n".join(["decisions inside blocks:", *lines]),
                          **self._tooltip(NOTE_STYLE))

    # ------------------------------------------------------------ groups

    def group(self, group: S.Group) -> None:
        for child in group.children:
            if isinstance(child, S.IfGroup):
                stmt = child.ast
                for i in sorted(child.branches):
                    label = f"if {_short(format_expr(stmt.branches[i][0]))}" \
                        if i < len(stmt.branches) else "else"
                    self.cluster(label, child.branches[i])
            elif isinstance(child, S.Group) and isinstance(child.ast, A.Repeat):
                count = format_expr(child.ast.count)
                self.cluster(f"repeat {count}{self.keys(child.decisions, ', ')}", child,
                             **REPEAT_STYLE)
            elif isinstance(child, S.Group):
                targets = ", ".join(child.ast.targets)
                if len(child.ast.targets) > 1:
                    targets = f"({targets})"
                self.cluster(f"for {targets} in {_short(format_expr(child.ast.iterable))}",
                             child)
            elif id(child) not in self.owned:
                self.item(child)

    def cluster(self, label: str, group: S.Group, **attrs: str) -> None:
        self.dot.open_cluster(label, **self._tooltip(attrs))
        self.group(group)
        self.dot.close_cluster()

    # ------------------------------------------------------------ items

    def item(self, item: S.Item) -> str:
        """Draw `item` (once); returns its node."""
        node = self.ids.get(id(item))
        if node is None:
            node = _DRAW[type(item)](self, item)
            for head, attrs in self.waiting.pop(id(item), []):
                self.dot.edge(node, head, **attrs)
        return node

    def node(self, item: S.Item, label: str, **attrs: str) -> str:
        node = self.ids[id(item)] = self.dot.node(label, **self._tooltip(attrs))
        return node

    def _tooltip(self, attrs: dict[str, str]) -> dict[str, str]:
        """`attrs`, with the key lines the label left out as its tooltip: a loop that
        declares 66 decisions at one place shows 7 and names every one on hover."""
        if not self.left_out:
            return attrs
        tip, self.left_out = "\n".join(self.left_out), []
        return {**attrs, "tooltip": tip}

    def edge(self, source: S.Item, head: str, **attrs: str) -> None:
        """An edge from `source`'s node, drawing `source` first where its reader owns it."""
        if id(source) in self.ids or id(source) in self.owned:
            self.dot.edge(self.item(source), head, **attrs)
        else:
            self.waiting[id(source)].append((head, attrs))

    def _input(self, item: S.Item) -> str:
        return self.node(item, f"{item.ast.name}{_shape(item.ast)}", shape="ellipse",
                         fillcolor="#e8f0fe")

    def _note(self, item: S.NoteItem) -> str:
        stmt = item.ast
        if isinstance(item.value, ChoiceLayer):
            lines = [f"{stmt.name} = choice{self.keys(item.decisions)}"]
            lines += [f"{i}: {_short(format_expr(c))}" for i, c in enumerate(stmt.value.args)]
            return self.node(item, "\n".join(lines), **NOTE_STYLE)
        label = f"{stmt.name} = {_short(format_expr(stmt.value))}{self.keys(item.decisions)}"
        return self.node(item, label, **NOTE_STYLE)

    def _layer(self, item: S.LayerItem) -> str:
        stage = item.ast
        if isinstance(stage, A.BinOp):  # a sum is drawn before the operands it owns
            spec = op_for_infix(stage.op)
            node = self.node(item, spec.name if spec else stage.op, shape="circle",
                             width="0.3", fixedsize="false")
            for source in item.inputs:
                self.edge(source, node)
            return node
        for source in item.inputs:
            if id(source) in self.owned:
                self.item(source)
        if isinstance(item.layer, ChoiceLayer) and isinstance(stage, A.Call):
            lines = [f"choice{self.keys(item.decisions)}"]
            lines += [f"{i}: {_short(format_expr(c))}" for i, c in enumerate(stage.args)]
            node = self.node(item, "\n".join(lines), **CHOICE_STYLE)
        elif isinstance(item.layer, ChoiceLayer):
            node = self.node(item, f"{format_expr(stage)}  (layer choice)", **CHOICE_STYLE)
        else:
            node = self.node(item, f"{_short(format_expr(stage))}{self.keys(item.decisions)}")
        notes = {id(n): n for key in item.reads if (n := self.rec.notes.get(key)) is not None}
        for note in sorted(notes.values(), key=lambda n: self.note_order[id(n)]):
            self.edge(note, node, **TIE_EDGE)
        for source in item.inputs:
            self.edge(source, node)
        return node

    def _input_choice(self, item: S.InputChoiceItem) -> str:
        call = item.ast
        label = f"{call.func}{self.keys(item.decisions)}"
        if call.func == "subset":
            label = f"subset({format_expr(call.args[0])}){self.keys(item.decisions)}"
        node = self.node(item, label, **INPUT_CHOICE_STYLE)
        for source, i in zip(item.inputs, item.labels):
            self.edge(source, node, label=str(i), **INPUT_EDGE)
        return node

    def _join(self, item: S.Item) -> str:
        node = self.node(item, "", shape="point", width="0.08")
        for source in item.inputs:
            self.edge(source, node)
        return node

    def _require(self, item: S.Item) -> str:
        return self.node(item, f"require {_short(format_expr(item.ast.expr))}", **NOTE_STYLE)

    def _output(self, item: S.Item) -> str:
        node = self.node(item, "output", shape="ellipse", fillcolor="#e8f0fe")
        for source in item.inputs:
            self.edge(source, node)
        return node

    # ------------------------------------------------------------ decisions

    def keys(self, decisions: list[DecisionPoint], sep: str = "\n") -> str:
        """The keys of the decisions written in a place (a decision made in every copy of a
        repeat shows once, with ``[i]``), and below each the decisions it activates inside
        blocks, which the diagram does not draw (``↳ net.repeat[i].residual.conv.k if 1``)."""
        keys: list[str] = []
        for d in decisions:
            if d.key not in self.space.tree.by_key:  # fixed
                continue
            for line in [f"◆ {_generic(d.key)}", *self._hidden(d.key)]:
                if line not in keys:
                    keys.append(line)
        self.shown.update(k.split()[1] for k in keys if k[0] in "◆↳")
        return "".join(f"{sep}{k}" for k in _cut(keys, self.left_out))

    def _hidden(self, key: str) -> list[str]:
        """Decisions conditional on `key` that are declared outside the network's body."""
        parent = self.space.tree.by_key[key]
        out = []
        for c in self.space.tree.children.get(key, []):
            if c.key in self.rec.body_keys:
                continue
            when = parent.diagram_when(c.cond[1]) if c.cond is not None else ""
            out.append(f"↳ {_generic(c.key)}{when}")
            out.extend(self._hidden(c.key))
        return out


_DRAW: dict[type, Any] = {
    S.InputItem: _Drawing._input, S.NoteItem: _Drawing._note, S.LayerItem: _Drawing._layer,
    S.InputChoiceItem: _Drawing._input_choice, S.JoinItem: _Drawing._join,
    S.RequireItem: _Drawing._require, S.OutputItem: _Drawing._output,
}


def _cut(lines: list[str], left_out: list[str]) -> list[str]:
    """At most `MAX_KEYS` lines: past that the first ones and ``… N more``; the lines cut
    go to `left_out` (the node's tooltip, so that the diagram still names them)."""
    if len(lines) <= MAX_KEYS:
        return lines
    left_out.extend(lines[MAX_KEYS - 1:])
    return [*lines[:MAX_KEYS - 1], f"… {len(lines) - MAX_KEYS + 1} more"]


def _owned(root: S.Group) -> set[int]:
    """The items a sum or an input choice draws itself, right after its own node (the
    operands written inside it: ``h + (h -> norm())``), as the source reads."""
    owned: set[int] = set()

    def own(item: S.Item, span: Any) -> None:
        for source in item.inputs:
            if isinstance(source, (S.LayerItem, S.InputChoiceItem)) and \
                    id(source) not in owned and S.within(source.ast.span, span):
                owned.add(id(source))
                own(source, span)

    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, S.IfGroup):
            stack.extend(node.branches.values())
        elif isinstance(node, S.Group):
            stack.extend(node.children)
        elif isinstance(node, S.InputChoiceItem) or (
                isinstance(node, S.LayerItem) and isinstance(node.ast, A.BinOp)):
            own(node, node.ast.span)
    return owned


def _shape(inp: A.Input) -> str:
    return f": {format_expr(inp.shape)}" if inp.shape is not None else ""


def _generic(key: str) -> str:
    return re.sub(r"\[\d+\]", "[i]", key)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"

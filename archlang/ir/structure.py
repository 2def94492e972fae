"""What a space walk passes through at its network's own level, recorded for the space diagram.

An Elaborator given a `StructureRecorder` as its observer (``Space.structure()``) reports
the network's inputs, each layer it applies, each decision it registers, input choices,
assignments of decisions to names, `for`/`if`/`repeat` bodies, joins after an `if` over
decisions, `require` and `return`. The record is a tree of `Group`s holding `Item`s, linked
by the tensors that flow between them:

* only the network's own body is recorded: what runs inside a block application or a
  choice's candidates belongs to that one item (its decisions are listed, not drawn);
* a `repeat` body is recorded once, from its first copy (every copy is the same recipe);
* a `for` body is recorded once per statement, with the data flow of every iteration (so a
  layer that reads the previous iteration's output has that edge);
* an item is keyed by the AST node it was written as, so a statement seen again (the next
  iteration of a loop) adds to its item.

The recorder gives each tensor the walk makes at this level an identity of its own (a fresh
symbolic `Tensor`, equal in every field to the walk's): that is how data flow is followed.
An elaborator without an observer pays one `is None` test per hook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from archlang.ir.decisions import DecisionPoint
from archlang.ir.values import (
    BlockLayer,
    ChainLayer,
    ChoiceLayer,
    Layer,
    OpLayer,
    RepeatLayer,
    Tensor,
    Unknown,
)
from archlang.source import Span
from archlang.syntax import ast as A


@dataclass(eq=False)
class Item:
    """One drawn thing: `ast` is where it is written, `inputs` the items its tensors come from,
    `decisions` the decisions written in it (in the order the walk registered them)."""

    ast: Any
    inputs: list[Item] = field(default_factory=list)
    decisions: list[DecisionPoint] = field(default_factory=list)


@dataclass(eq=False)
class InputItem(Item):
    """A network input (`ast` is the `A.Input`)."""


@dataclass(eq=False)
class LayerItem(Item):
    """A layer applied to tensors (`ast` is the stage: a call, a name, a `choice`, ``a + b``).

    `reads` holds the keys of the decisions the layer's arguments depend on."""

    layer: Layer | None = None
    reads: set[str] = field(default_factory=set)


@dataclass(eq=False)
class InputChoiceItem(Item):
    """A `choice` or `subset` between tensors; `inputs[i]` feeds candidate `labels[i]`."""

    labels: list[int] = field(default_factory=list)


@dataclass(eq=False)
class JoinItem(Item):
    """Where the tensors a name holds after the branches of an `if` over decisions meet."""


@dataclass(eq=False)
class NoteItem(Item):
    """A decision bound to a name (`ast` is the `A.Assign`); `value` is what it evaluated to."""

    value: Any = None


@dataclass(eq=False)
class RequireItem(Item):
    """A `require` statement."""


@dataclass(eq=False)
class OutputItem(Item):
    """The network's `return`."""


@dataclass(eq=False)
class Group:
    """A body: the network's (`ast` None), a `for`'s, an `if`'s branches, a `repeat`'s."""

    ast: Any
    children: list[Item | Group] = field(default_factory=list)
    decisions: list[DecisionPoint] = field(default_factory=list)


@dataclass(eq=False)
class IfGroup(Group):
    """An `if` statement, placed where it runs; `branches` maps a branch index (the `else`
    is ``len(ast.branches)``) to its body, for the branches the walk ran."""

    branches: dict[int, Group] = field(default_factory=dict)


class StructureRecorder:
    """The observer an Elaborator reports to; `root` is the record, see the module docstring."""

    def __init__(self) -> None:
        self.root = Group(None)
        self._stack: list[Group] = [self.root]
        self._depth = 0  # layer applications entered below the network's level
        self._muted = 0  # > 0 inside the second and later copies of a repeat
        self._made: dict[int, Item | Group] = {}  # id(ast) -> what it made (holds the ast)
        self._tensors: dict[int, tuple[Tensor, Item]] = {}
        self._pending: list[DecisionPoint] = []
        #: decision key -> the note of the name it is bound to
        self.notes: dict[str, NoteItem] = {}
        #: keys of the decisions declared in the network's body (not inside a block)
        self.body_keys: set[str] = set()
        self._repeat_out: dict[int, Any] = {}

    @property
    def recording(self) -> bool:
        return self._depth == 0 and self._muted == 0

    # ------------------------------------------------------------ hooks

    def inputs(self, inputs: tuple[A.Input, ...], tensors: list[Tensor]) -> list[Tensor]:
        return [self._track(t, self._item(InputItem, inp)) for inp, t in zip(inputs, tensors)]

    def registered(self, d: DecisionPoint) -> None:
        if self._depth == 0:
            self.body_keys.add(d.key)
            if not self._muted:
                self._pending.append(d)

    def apply(self, layer: Layer, inputs: Any, stage: A.Expr | None,
              run: Callable[[], Any]) -> Any:
        """Around one layer application: `run` applies it; returns the output to use."""
        if not self.recording or stage is None:
            return run()
        if isinstance(layer, RepeatLayer):
            return self._repeat(layer, run)
        self._depth += 1
        out = run()
        self._depth -= 1
        item = self._item(LayerItem, stage, layer=layer)
        assert isinstance(item, LayerItem)
        self._feed(item, inputs)
        _reads(layer, item.reads)
        return self._track(out, item) if isinstance(out, Tensor) else out

    def repeat_copied(self, node: A.Repeat, index: int, value: Any) -> None:
        """A repeat's copy `index` made `value`: later copies are not recorded."""
        if index == 0 and self.recording:
            self._repeat_out[id(node)] = value
            self._muted += 1

    def input_choice(self, call: A.Call, candidates: list[Any], out: Any) -> Any:
        """A `choice`/`subset` between tensors: `out` is what the walk returns for it."""
        if not self.recording:
            return out
        item = self._item(InputChoiceItem, call)
        assert isinstance(item, InputChoiceItem)
        for i, value in enumerate(candidates):
            for t in _tensors(value):
                source = self._source(t)
                if source is not None and (source, i) not in zip(item.inputs, item.labels):
                    item.inputs.append(source)
                    item.labels.append(i)
        if isinstance(out, tuple):
            return tuple(self._track(t, item) if isinstance(t, Tensor) else t for t in out)
        return self._track(out, item)

    def assigned(self, stmt: A.Assign, value: Any) -> None:
        """``name = value``: a decision bound to a name is a note."""
        if not (self.recording and isinstance(stmt.value, A.Call)
                and stmt.value.func in A.HYPER_NAMES) or _tensors(value):
            return
        note = self._item(NoteItem, stmt, value=value)
        for d in note.decisions:
            self.notes.setdefault(d.key, note)  # type: ignore[arg-type]

    def required(self, stmt: A.Require) -> None:
        if self.recording:
            self._item(RequireItem, stmt)

    def returned(self, stmt: A.Return, value: Any) -> None:
        if self.recording:
            self._feed(self._item(OutputItem, stmt), value)

    @contextmanager
    def body(self, stmt: A.For | A.If, branch: int | None = None) -> Iterator[None]:
        """While a `for` body, or branch `branch` of an `if`, runs (None: no branch ran)."""
        if not self.recording:
            yield
            return
        if isinstance(stmt, A.For):
            group = self._group(Group, stmt)
        else:
            outer = self._group(IfGroup, stmt)
            assert isinstance(outer, IfGroup)
            if branch is None:
                yield
                return
            group = outer.branches.setdefault(branch, Group(stmt))
        self._stack.append(group)
        try:
            yield
        finally:
            self._stack.pop()

    def joined(self, names: set[str], before: dict[str, Any], branches: list[dict[str, Any]],
               has_else: bool, vars: dict[str, Any]) -> None:
        """After an `if` over decisions: a tensor name that the branches bind to different
        tensors now holds their join (`vars` is the enclosing body's variables)."""
        if not self.recording:
            return
        arms = [{**before, **b} for b in branches] + ([] if has_else else [before])
        for name in sorted(names, key=list({n: 0 for arm in arms for n in arm}).index):
            sources = [self._source(arm[name]) if isinstance(arm.get(name), Tensor) else None
                       for arm in arms if name in arm]
            if None in sources or len(set(map(id, sources))) < 2:
                continue
            join = JoinItem(None, inputs=sources)  # type: ignore[arg-type]
            self._stack[-1].children.append(join)
            vars[name] = self._track(vars[name], join)

    # ------------------------------------------------------------ the record

    def _repeat(self, layer: RepeatLayer, run: Callable[[], Any]) -> Any:
        group = self._group(Group, layer.node, layer.node.count.span)
        self._stack.append(group)
        muted = self._muted
        out = run()
        self._muted = muted
        self._stack.pop()
        first = self._repeat_out.pop(id(layer.node), None)
        return first if isinstance(first, Tensor) and isinstance(out, Tensor) else out

    def _item(self, cls: type[Item], ast: Any, **fields: Any) -> Item:
        item = self._made.get(id(ast))
        if item is None:
            item = self._made[id(ast)] = cls(ast, **fields)
            self._stack[-1].children.append(item)
        assert isinstance(item, Item)
        item.decisions.extend(self._take(ast.span))
        return item

    def _group(self, cls: type[Group], ast: Any, span: Span | None = None) -> Group:
        group = self._made.get(id(ast))
        if group is None:
            group = self._made[id(ast)] = cls(ast)
            self._stack[-1].children.append(group)
        assert isinstance(group, Group)
        if span is not None:
            group.decisions.extend(self._take(span))
        return group

    def _take(self, span: Span) -> list[DecisionPoint]:
        """The pending decisions written inside `span`."""
        mine = [d for d in self._pending if within(d.span, span)]
        if mine:
            self._pending = [d for d in self._pending if not within(d.span, span)]
        return mine

    def _feed(self, item: Item, value: Any) -> None:
        for t in _tensors(value):
            source = self._source(t)
            if source is not None and source is not item and source not in item.inputs:
                item.inputs.append(source)

    def _track(self, t: Tensor, item: Item) -> Tensor:
        mine = Tensor(t.node, t.shape, t.dtype)
        self._tensors[id(mine)] = (mine, item)
        return mine

    def _source(self, t: Tensor) -> Item | None:
        hit = self._tensors.get(id(t))
        return hit[1] if hit is not None and hit[0] is t else None


def _tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, tuple):
        return [t for v in value for t in _tensors(v)]
    return []


def _reads(value: Any, out: set[str]) -> None:
    """The keys of the decisions that a layer's arguments depend on."""
    if isinstance(value, Unknown):
        out |= value.deps
    elif isinstance(value, tuple):
        for v in value:
            _reads(v, out)
    elif isinstance(value, OpLayer):
        _reads(tuple(value.attrs.values()), out)
    elif isinstance(value, BlockLayer):
        _reads(tuple(value.args.values()), out)
    elif isinstance(value, ChoiceLayer):
        out.add(value.key)
        _reads(value.candidates, out)
    elif isinstance(value, ChainLayer):
        _reads(value.stages, out)


def within(inner: Span, outer: Span) -> bool:
    return inner.path == outer.path and (outer.line, outer.col) <= (inner.line, inner.col) \
        and (inner.end_line, inner.end_col) <= (outer.end_line, outer.end_col)

"""What an elaboration walk has found so far, and the only methods that change it.

The decisions a space walk registers, the values a bind walk used, the graph it builds, the
block applications around the current point, the recorder of a walk that records, the
observer of a space walk that records its structure (ir/structure.py), the step count.
ir/apply.py and ir/hyper.py act on a walk through these methods, never on its fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchLimitError, ArchSpaceError
from archlang.ir.blockmemo import Recording
from archlang.ir.decisions import Assignment, DecisionPoint
from archlang.ir.graph import Graph, Instance, Node
from archlang.ir.record import Recorder
from archlang.ir.scope import Frame, Scope
from archlang.ir.sharing import join
from archlang.ir.structure import StructureRecorder
from archlang.source import Span
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.program import Program

#: work limits: elaboration always ends, in bounded memory
MAX_STEPS = 5_000_000
MAX_NODES = 200_000
MAX_DECISIONS = 200_000


class WalkState:
    """The state of one walk (the Elaborator's base): see the module docstring."""

    def __init__(self, program: Program, assignment: Assignment | None = None,
                 recorder: Recorder | None = None,
                 observer: StructureRecorder | None = None) -> None:
        self.program = program
        self.assignment = assignment
        self.space_walk = assignment is None
        self.decisions: list[DecisionPoint] = []
        self.decision_index: dict[str, DecisionPoint] = {}
        #: the keys declared in a ``shared(name, ...)`` application: another application
        #: of the same name finds them registered and shares them
        self.shared_keys: set[str] = set()
        #: (block name, call span) of the block applications around the current point
        self.call_stack: list[tuple[str, Span]] = []
        self.used: Assignment = {}
        self.graph = Graph("")
        self.requires: list[tuple[A.Require, Frame, Scope]] = []
        #: space walk: the requires that read decisions but no static figure, for
        #: `Space.allows` to check before anything is bound
        self.decision_requires: list[tuple[A.Require, Frame, Scope]] = []
        #: set by a bind walk that should remember its decisions (for `Arch.to_arch`)
        self.recorder = recorder
        #: set by a space walk that records the network's structure (the space diagram)
        self.observer = observer
        self.steps = 0
        #: the block applications whose effects are being gathered (ir/blockmemo.py)
        self.memo_stack: list[Recording] = []
        #: id(tensor) -> (tensor, what a remembered statement's key holds of it)
        #: (ir/stmtmemo.py), made once per walk
        self.source_parts: dict[int, tuple[Any, Any]] = {}
        #: False: this bind walk remembers no block application or statement
        #: (ir/blockmemo.py, ir/stmtmemo.py): a decided network's first bind, which no
        #: later bind may replay (`Space.bind`)
        self.remember = True
        #: a space walk's block applications walked before its first decision
        #: (ir/spacememo.py)
        self.space_memo: dict[Any, Any] = {}

    # ------------------------------------------------------------ limits

    def _tick(self, span: Span) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ArchLimitError(f"elaboration takes more than {MAX_STEPS:,} steps", span,
                                 hint="is a loop or a repeat far larger than intended?",
                                 code="E604")
        if len(self.graph.nodes) > MAX_NODES:
            raise ArchLimitError(f"the network has more than {MAX_NODES:,} layers", span,
                                 code="E604")

    def room_for(self, steps: int, nodes: int) -> bool:
        """Whether this many more steps and nodes stay within the limits."""
        return self.steps + steps <= MAX_STEPS and len(self.graph.nodes) + nodes <= MAX_NODES

    # ------------------------------------------------------------ decisions

    def register(self, d: DecisionPoint, scope: Scope) -> None:
        """Record a decision found by the space walk."""
        if scope.dynamic_if is not None:
            raise ArchSpaceError(
                "a decision cannot be declared inside an `if` whose test depends on "
                "decisions", d.span, hint="declare it before the `if`, or use `choice(...)` "
                "between the alternatives", code="E505")
        if d.key in self.decision_index:
            if scope.keys is not None and d.key in self.shared_keys:
                self._share(d)
                return
            raise ArchSpaceError(f"two decisions get the same key `{d.key}`", d.span,
                                 hint="bind one of them to a different name", code="E507")
        if scope.keys is not None:
            self.shared_keys.add(d.key)
        if len(self.decisions) >= MAX_DECISIONS:
            raise ArchLimitError(f"the space has more than {MAX_DECISIONS:,} decisions",
                                 d.span, code="E606")
        self.decision_index[d.key] = d
        self.decisions.append(d)
        if self.observer is not None:
            self.observer.registered(d)

    def _share(self, d: DecisionPoint) -> None:
        """`d` again, from another application of the same ``shared(name, ...)``."""
        first = self.decision_index[d.key]
        merged = join(first, d)
        if merged is not first:
            self.decision_index[d.key] = merged
            self.decisions[self.decisions.index(first)] = merged

    def lookup_decision(self, key: str, span: Span) -> Any:
        """The assigned value of an active decision (bind walk)."""
        assert self.assignment is not None
        if key not in self.assignment:
            raise ArchSpaceError(
                f"decision `{key}` is open", span,
                hint="fix it with `--set KEY=VALUE` or `space.bind({...})`, or pick one at "
                     "random with `--seed N`", code="E501")
        return self.assignment[key]

    def use(self, key: str, value: Any) -> None:
        """Note the value a bind walk took for an active decision."""
        self.used[key] = value
        if self.memo_stack:
            self.memo_stack[-1].reads.append((key, self.assignment[key]))  # type: ignore[index]

    def decision_of(self, key: str | None) -> DecisionPoint | None:
        """The registered decision `key` (None: unknown here, or no key)."""
        return self.decision_index.get(key) if key else None

    # ------------------------------------------------------------ the graph and the call stack

    def add_node(self, op: str, inputs: list[Node], attrs: dict[str, Any],
                 shape: tuple[int, ...], path: str, span: Span, dtype: str = "float") -> Node:
        """A new node of the bind walk's graph."""
        return self.graph.add(op, inputs, attrs, shape, path, span, dtype)

    def add_instance(self, scope: Scope, block: str, name: str | None, span: Span) -> None:
        """Note a block application (or repeat) of the bind walk at instance `scope`."""
        if scope.active and not self.space_walk:
            path = scope.path.partition(".")[2]
            instance = self.graph.instances[path] = Instance(block, name, span)
            if self.memo_stack:
                self.memo_stack[-1].instances.append((path, instance))

    @contextmanager
    def in_block(self, name: str, span: Span) -> Iterator[None]:
        """While a block applied at `span` runs (errors name the blocks around them)."""
        self.call_stack.append((name, span))
        try:
            yield
        finally:
            self.call_stack.pop()

    def block_trail(self, depth: int) -> list[tuple[str, Span]]:
        """The innermost `depth` block applications, innermost first."""
        return list(reversed(self.call_stack[-depth:]))

    # ------------------------------------------------------------ recording (Arch.to_arch)

    def loop_ctx(self) -> Any:
        return self.recorder.loop_ctx if self.recorder is not None else ()

    def record(self, scope: Scope, node: Any, value: Any) -> None:
        """Remember what `node` evaluated to on the chosen path (bind walks that record)."""
        if self.recorder is not None and scope.active:
            self.recorder.add(scope.path, node, value)

    def record_at(self, path: str, node: Any, value: Any, ctx: Any, scope: Scope) -> None:
        """Like `record`, for an event whose place and loop context were saved earlier."""
        if self.recorder is not None and scope.active:
            self.recorder.add(path, node, value, ctx)

    def record_instance(self, origin: tuple[str, Any], call: A.Call, child: Scope,
                        block: A.BlockDef, scope: Scope) -> None:
        """A block application's instance path, and which block it instantiates."""
        if self.recorder is not None and scope.active:
            self.recorder.add(origin[0], call, child.path, origin[1])
            self.recorder.instances[child.path] = block

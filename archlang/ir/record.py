"""What a bind walk decided, where: the trace `to_arch` prints a decided network from.

Each event is keyed by the instance path and the AST node (by identity) that produced it,
and carries the loop context (which iteration of which `for` loops) it happened in, so a
printer can tell whether one line of source took one value everywhere or several.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

#: ((id of a `for` node, iteration), ...) from the outermost loop in
LoopCtx = tuple[tuple[int, int], ...]


class Recorder:
    def __init__(self) -> None:
        self.events: dict[tuple[str, int], list[tuple[LoopCtx, Any]]] = defaultdict(list)
        #: instance path -> the block it instantiates
        self.instances: dict[str, Any] = {}
        self.loop_ctx: LoopCtx = ()
        #: how many events were added (the block memo asks whether a body added any)
        self.count = 0

    def add(self, path: str, node: Any, value: Any, ctx: LoopCtx | None = None) -> None:
        self.count += 1
        self.events[(path, id(node))].append((self.loop_ctx if ctx is None else ctx, value))

    def values(self, path: str, node: Any, pattern: dict[int, int | None]) -> list[Any]:
        """The values recorded for `node` in `path` whose loop context fits `pattern`
        (a loop id absent from the pattern, or mapped to None, matches any iteration)."""
        out = []
        for ctx, value in self.events.get((path, id(node)), ()):
            if all(pattern.get(loop) in (None, it) for loop, it in ctx):
                out.append(value)
        return out

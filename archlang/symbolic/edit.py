"""Symbolic edits of a Space: find, rebind, replace, insert, remove, clone.

Each edit returns a *new* Space (checked by `Draft.commit`) and leaves the one it was given
as it was. Nodes are named by paths (symbolic/paths.py), decisions by their keys.

    space.find("digits_cnn.*.k")                 # decisions whose key matches a glob
    space.find_nodes("conv_bn*")                  # call nodes (ops, blocks) by name glob
    space.rebind({"digits_cnn.width": 32})        # fix decisions (and/or replace nodes)
    space.replace("digits_cnn.body[0].value", choice(8, 16))
    space.insert("residual.body[1].value.stages[1]", dropout(0.1))   # after that stage
    space.remove("digits_cnn.body[4]")            # a statement, a stage or a candidate
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archlang.symbolic import paths as P
from archlang.symbolic.draft import Draft, RewriteError
from archlang.syntax import ast as A

if TYPE_CHECKING:
    from archlang.ir.decisions import DecisionPoint
    from archlang.ir.space import Space


@dataclass(frozen=True)
class Match:
    """A node of the program: its path, the node, and its text."""

    path: str
    node: Any

    @property
    def text(self) -> str:
        return P.node_text(self.node)

    def __str__(self) -> str:
        return f"{self.path}: {self.text}"

    def __repr__(self) -> str:
        return f"<Match {self}>"


# ---------------------------------------------------------------- finding


def glob(pattern: str) -> re.Pattern[str]:
    """A key glob: ``*`` matches within one dotted segment, ``**`` across segments, ``?``
    one character; everything else (``[0]`` included) matches itself."""
    parts = re.split(r"(\*\*|\*|\?)", pattern)
    table = {"**": ".*", "*": r"[^.]*", "?": "."}
    return re.compile("".join(table.get(p, re.escape(p)) for p in parts))


def find(space: Space, pattern: str) -> list[DecisionPoint]:
    """The open decisions whose keys match a glob (see `glob`): ``net.*.k``, ``net.**.k``."""
    rx = glob(pattern)
    return [d for d in space.decisions if rx.fullmatch(d.key)]


def reachable(space: Space) -> list[Any]:
    """The definitions the network uses, itself first, then in the order first reached."""
    prog = space.program
    seen: dict[str, Any] = {}
    todo = [space.network_def]
    while todo:
        item = todo.pop(0)
        if item.name in seen:
            continue
        seen[item.name] = item
        visible = prog.module_of(item).visible
        for _, n in P.walk(item):
            ref = n.func if isinstance(n, A.Call) else n.id if isinstance(n, A.Name) else None
            target = visible.get(ref) if ref is not None else None
            if isinstance(target, (A.BlockDef, A.ConstDef)) and target.name not in seen:
                todo.append(target)
    return list(seen.values())


def iter_nodes(space: Space) -> Iterator[Match]:
    """Every node of every definition the network uses, in preorder."""
    for item in reachable(space):
        for steps, node in P.walk(item):
            if steps:
                yield Match(P.format_path(item.name, steps), node)


def find_nodes(space: Space, pattern: str | Callable[[Any], bool]) -> list[Match]:
    """Call nodes (ops, blocks, hyper primitives) whose name matches a glob, or the nodes
    a predicate accepts."""
    if callable(pattern):
        return [m for m in iter_nodes(space) if pattern(m.node)]
    return [m for m in iter_nodes(space)
            if isinstance(m.node, A.Call) and fnmatch.fnmatchcase(m.node.func, pattern)]


def clone(space: Space) -> Space:
    """A copy that shares the (immutable) program and what was computed about it."""
    return space.copy()


# ---------------------------------------------------------------- edits on a draft


def locate(draft: Draft, path: str) -> tuple[str, tuple[P.Step, ...], Any]:
    """The item name, the steps and the node at `path` (vendoring its definition)."""
    try:
        name, steps = P.parse_path(path)
        node = P.get(draft.item(name), steps, name)
    except P.PathError as exc:
        raise RewriteError(f"`{path}` names no node: {exc}", None,
                           hint="`space.find_nodes(...)` lists nodes with their paths",
                           code="E521") from None
    if not steps:
        raise RewriteError(f"`{path}` is a whole definition; give a path inside it", None,
                           code="E521")
    return name, steps, node


def _node(value: Any) -> Any:
    from archlang.dsl.expr import lit

    try:
        return lit(value)
    except TypeError as exc:
        raise RewriteError(str(exc), None, code="E526") from None


def flat_pipe(node: Any) -> Any:
    """A pipe whose first stage is a pipe is one pipe (as the parser reads it)."""
    if isinstance(node, A.Pipe) and isinstance(node.stages[0], A.Pipe):
        return A.Pipe(node.stages[0].stages + node.stages[1:])
    if isinstance(node, A.Pipe) and len(node.stages) == 1:
        return node.stages[0]
    return node


def _put(draft: Draft, name: str, steps: tuple[P.Step, ...], new: Any) -> None:
    item = P.put(draft.item(name), steps, new)
    if len(steps) > 1:  # the pipe that holds the edited node, if any, stays canonical
        owner = steps[:-1]
        item = P.put(item, owner, flat_pipe(P.get(item, owner)))
    draft.set_item(name, item)
    draft.adopt(new)


_EXPRS = tuple(A.Expr.__args__)  # type: ignore[attr-defined]


def _expression_at(path: str, node: Any, verb: str) -> None:
    if not isinstance(node, _EXPRS):
        what = type(node).__name__.lower()
        raise RewriteError(f"cannot {verb} at `{path}`: it is a {what}, not an expression",
                           None, hint="give the path of an expression inside it "
                           "(`space.find_nodes(...)` lists them)", code="E521")


def do_replace(draft: Draft, path: str, value: Any) -> None:
    name, steps, node = locate(draft, path)
    _expression_at(path, node, "replace")
    _put(draft, name, steps, flat_pipe(_node(value)))


def do_insert(draft: Draft, path: str, layer: Any, before: bool = False) -> None:
    """Apply `layer` right after (or before) the node at `path`:

    * a pipe stage: a new stage beside it;
    * a statement: a pipeline line beside it; after ``h = ...`` it is ``h = h -> layer``,
      after ``return v`` it is ``return v -> layer``;
    * any other layer or tensor expression `e`: ``e -> layer`` (``layer -> e``).
    """
    name, steps, node = locate(draft, path)
    new = _node(layer)
    field, idx = steps[-1]
    item = draft.item(name)
    if field == "stages" and idx:
        item = P.edit_sequence(item, steps, lambda s, i: s[:i + (not before)] + (new,)
                               + s[i + (not before):])
    elif isinstance(node, (A.ExprStmt, A.Assign, A.Return)) and idx:
        item = P.edit_sequence(item, steps, lambda s, i: _insert_stmt(s, i, new, before,
                                                                        path))
    else:
        _expression_at(path, node, "insert")
        wrapped = A.Pipe((new, node) if before else (node, new))
        item = P.put(item, steps, flat_pipe(wrapped))
    draft.set_item(name, item)
    draft.adopt(new)


def _insert_stmt(stmts: tuple[Any, ...], i: int, layer: Any, before: bool,
                 path: str) -> tuple[Any, ...]:
    s = stmts[i]
    if isinstance(s, A.ExprStmt):
        return stmts[:i + (not before)] + (A.ExprStmt(layer),) + stmts[i + (not before):]
    if before:
        raise RewriteError(f"cannot insert before `{path}`: it is not a pipeline line", None,
                           hint="give the path of the pipe stage to insert before", code="E521")
    if isinstance(s, A.Assign):
        again = A.Assign(s.name, A.Pipe((A.Name(s.name), layer)))
        return stmts[:i + 1] + (again,) + stmts[i + 1:]
    return stmts[:i] + (A.Return(flat_pipe(A.Pipe((s.value, layer)))),) + stmts[i + 1:]


def do_remove(draft: Draft, path: str) -> None:
    """Remove a statement, a pipe stage or a candidate of a `choice`/`subset`."""
    name, steps, node = locate(draft, path)
    field, idx = steps[-1]
    item = draft.item(name)
    owner = P.get(item, steps[:-1])
    removable = (field in ("body", "orelse", "branches") or
                 (field == "stages" and idx and isinstance(owner, A.Pipe)) or
                 (field == "args" and isinstance(owner, A.Call)
                  and owner.func in ("choice", "subset") and idx[0] >= (owner.func == "subset")))
    if not idx or not removable:
        raise RewriteError(f"cannot remove `{path}`: only statements, pipe stages and "
                           "candidates of a choice can be removed", None,
                           hint="use `replace` to put something else there", code="E521")
    item = P.edit_sequence(item, steps, lambda s, i: s[:i] + s[i + 1:])
    if field == "stages":
        item = P.put(item, steps[:-1], flat_pipe(P.get(item, steps[:-1])))
    draft.set_item(name, item)


# ---------------------------------------------------------------- one-edit entry points


def replace_at(space: Space, path: str, value: Any) -> Space:
    """A new Space with the node at `path` replaced by `value` (a DSL expression or a
    Python literal)."""
    draft = Draft(space)
    do_replace(draft, path, value)
    return draft.commit("replacing the node", path)


def insert_at(space: Space, path: str, layer: Any, before: bool = False) -> Space:
    """A new Space with `layer` applied after (or before) the node at `path`."""
    draft = Draft(space)
    do_insert(draft, path, layer, before)
    return draft.commit(f"inserting {'before' if before else 'after'} the node", path)


def remove_at(space: Space, path: str) -> Space:
    """A new Space without the statement, stage or candidate at `path`."""
    draft = Draft(space)
    do_remove(draft, path)
    return draft.commit("removing the node", path)


def rebind(space: Space, values: dict[str, Any]) -> Space:
    """Fix decisions (keys) and replace nodes (paths) in one step: PyGlove's rebind."""
    keys = space.full_tree.by_key
    nodes = {k: v for k, v in values.items() if k not in keys}
    fixed = {k: v for k, v in values.items() if k in keys}
    if nodes:
        draft = Draft(space)
        for path, value in nodes.items():
            try:
                locate(draft, path)
            except RewriteError:
                from archlang.diagnostics import Suggest

                raise RewriteError(f"`{path}` is neither a decision key nor a node path", None,
                                   hint=Suggest(keys).hint(path), code="E521") from None
            do_replace(draft, path, value)
        space = draft.commit("rebinding", ", ".join(nodes))
    if not fixed:
        return space
    return space.fix(fixed)  # same program, network and parameters: the walk is reused


__all__ = ["Match", "clone", "find", "find_nodes", "insert_at", "iter_nodes", "rebind",
           "reachable", "remove_at", "replace_at"]

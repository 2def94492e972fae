"""Symbolic manipulation of spaces: find, rebind, replace, insert, remove, clone, diff, and
rewrite rules that turn a fixed network into a search space.

The symbolic object is the program tree the network is written in (syntax/ast.py, frozen
dataclasses), the same whether it came from `.arch` text or from archlang.dsl. An edit
builds a new tree with `dataclasses.replace`, relinks it and re-walks the space, binding a
few members: a rewrite that breaks the network raises one `RewriteError` naming the path and
the reason, and the Space it was given is left as it was.

The same operations are methods of `Space` (``space.find``, ``space.rebind``,
``space.replace``, ``space.insert``, ``space.remove``, ``space.apply``, ``space.clone``,
``space.diff``, ``space.to_arch``).

Modules: paths.py (node paths), draft.py (the edited copy, vendoring, the checked commit),
edit.py (the edits), rules.py (patterns and rules), diff.py (readable differences).
"""

from archlang.symbolic.diff import Change, Diff, diff
from archlang.symbolic.draft import RewriteError
from archlang.symbolic.edit import (
    Match,
    clone,
    find,
    find_nodes,
    insert_at,
    rebind,
    remove_at,
    replace_at,
)
from archlang.symbolic.rules import Pattern, Rule, apply, every

__all__ = [
    "Change", "Diff", "Match", "Pattern", "RewriteError", "Rule", "apply", "clone", "diff",
    "every", "find", "find_nodes", "insert_at", "rebind", "remove_at", "replace_at",
]

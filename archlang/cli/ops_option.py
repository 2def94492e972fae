"""The `--ops MODULE` option: import the user's op modules before a command reads `.arch` files.

Repeatable; MODULE is a dotted name or a ``.py`` path (`archlang.ops.plugins.load_ops`).
The ``[tool.archlang] ops`` of the nearest ``pyproject.toml`` load first, so a project need
not repeat them. A module that does not import is one diagnostic (E213), exit code 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _load(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    from archlang.ops.plugins import configured_ops, load_ops

    ctx.meta["archlang.ops"] = load_ops([*configured_ops(), *value])


def ops_option(command: F) -> F:
    """Add `--ops` to a command (eager: it loads before the other options are checked)."""
    return click.option(
        "--ops", "ops", multiple=True, metavar="MODULE", expose_value=False, is_eager=True,
        callback=_load,
        help="A Python module (dotted name or .py path) that registers user ops with "
             "archlang.op; repeatable. pyproject.toml's [tool.archlang] ops load too.")(command)

"""Which Python modules register user ops: `--ops MODULE` and ``[tool.archlang] ops``.

A `.arch` file never imports or runs Python; the user's command (``--ops my_ops.py``,
repeatable, a dotted name or a ``.py`` path) or the ``pyproject.toml`` nearest above the
current directory says which modules to import, and importing them registers their ops
(`archlang.op`). `load_ops` remembers what it imported, so that worker processes
(`archlang.search.executors.SpaceRecipe`) import the same modules (`loaded_ops`).

    [tool.archlang]
    ops = ["examples/gnn_ops.py", "mypkg.layers"]

Paths in ``pyproject.toml`` are relative to the folder that holds it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from archlang.diagnostics import ArchNameError
from archlang.pyimport import ImportProblem, import_module

_LOADED: list[str] = []

#: the hint of an unknown op name, where a `--ops` module might have provided it
UNKNOWN_OP_HINT = ("if this is your own layer, register it with archlang.op and pass "
                   "--ops MODULE (or list it in pyproject.toml's [tool.archlang] ops)")


def load_ops(modules: Iterable[str]) -> list[str]:
    """Import each module (once); `ArchNameError` E213 for one that does not import.

    Returns the modules as workers should import them (``.py`` paths made absolute).
    """
    done = []
    for name in modules:
        spec = str(Path(name).resolve()) if name.endswith(".py") else name
        try:
            import_module(spec)
        except ImportProblem as exc:
            raise ArchNameError(f"--ops {name}: {exc.message}", None, hint=exc.hint,
                                code="E213") from None
        if spec not in _LOADED:
            _LOADED.append(spec)
        done.append(spec)
    return done


def loaded_ops() -> tuple[str, ...]:
    """Every module `load_ops` imported in this process, in order."""
    return tuple(_LOADED)


def configured_ops(start: str | os.PathLike[str] | None = None) -> list[str]:
    """The ``[tool.archlang] ops`` of the nearest ``pyproject.toml`` at or above `start`
    (the cwd), with paths made relative to the cwd's view; [] when there is none."""
    folder = Path(start or os.getcwd()).resolve()
    for parent in (folder, *folder.parents):
        file = parent / "pyproject.toml"
        if file.is_file():
            return _read(file)
    return []


def _read(file: Path) -> list[str]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchNameError(f"cannot read {file}: {exc}", None, code="E213") from None
    ops = data.get("tool", {}).get("archlang", {}).get("ops", [])
    if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
        raise ArchNameError(f"{file}: [tool.archlang] ops must be a list of module names or "
                            f".py paths, but got {ops!r}", None, code="E213")
    return [str(file.parent / o) if o.endswith(".py") else o for o in ops]

"""Importing a user's Python module by dotted name or by ``.py`` path, for `--task` and `--ops`.

The current directory comes first on the import path, as with ``python -m``; a missing
module, a missing file and a module that fails while importing each raise `ImportProblem`
with a message that names the file and line where it failed (never a traceback). Callers
turn it into their own error (`TaskError`, a diagnostic).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any


class ImportProblem(Exception):
    """A user module that cannot be imported: ``message`` and an optional ``hint``."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def import_module(name: str) -> Any:
    """Import a module by dotted name (cwd first on the path) or from a ``.py`` file."""
    if name.endswith(".py"):
        return _import_file(name)
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise ImportProblem(f"cannot import `{name}`: no module named `{exc.name}`",
                                hint=f"run from the folder that holds it (the current "
                                     f"directory, {cwd}, is on the import path) or install "
                                     f"its package") from None
        raise failed(name, exc) from None
    except Exception as exc:  # noqa: BLE001 - the user's module failed while importing
        raise failed(name, exc) from None


def _import_file(path: str) -> Any:
    file = Path(path)
    if not file.is_file():
        raise ImportProblem(f"no such file: {path}",
                            hint="give a dotted module name or a path to a .py file")
    key = str(file.resolve())
    if key in _BY_PATH:  # the same file again: its classes are registered already
        return _BY_PATH[key]
    spec = importlib.util.spec_from_file_location(file.stem, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # registered under its stem, as `python file.py` would import it, so pickling and the
    # generated `from stem import Class` find it
    sys.modules.setdefault(file.stem, module)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's file failed while importing
        if sys.modules.get(file.stem) is module:
            del sys.modules[file.stem]
        raise failed(path, exc) from None
    _BY_PATH[key] = module
    return module


_BY_PATH: dict[str, Any] = {}


def failed(name: str, exc: BaseException) -> ImportProblem:
    """The problem for a module `name` whose import raised `exc`, naming where it failed."""
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith("<frozen"):
            where = f" ({tb.tb_frame.f_code.co_filename}:{tb.tb_lineno})"
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" ({exc.filename}:{exc.lineno})"
    return ImportProblem(f"importing `{name}` failed{where}: {type(exc).__name__}: {exc}")

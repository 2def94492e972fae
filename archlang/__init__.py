"""archlang: write neural architectures with open choices, search them, compile to PyTorch.

    >>> import archlang
    >>> space = archlang.load("examples/digits.arch").network()     # doctest: +SKIP
    >>> arch = space.sample(seed=0)                                   # doctest: +SKIP
    >>> model = arch.compile()                                        # doctest: +SKIP

Heavy modules (lark, torch) load on first use, so `import archlang` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Arch", "ArchError", "DecisionPoint", "Program", "Space", "load", "parse", "__version__",
    # the Python DSL (archlang.dsl) and rewrites (archlang.symbolic)
    "RewriteError", "block", "choice", "diff", "every", "float_range", "int_range", "network",
    "repeat", "subset", "use",
    # user ops (archlang.ops.user)
    "op",
]

_LAZY = {
    "load": "archlang.api",
    "parse": "archlang.api",
    "Program": "archlang.facade",
    "Space": "archlang.facade",
    "Arch": "archlang.facade",
    "DecisionPoint": "archlang.ir.decisions",
    "ArchError": "archlang.diagnostics",
    "op": "archlang.ops.user",
    **dict.fromkeys(("block", "choice", "float_range", "int_range", "network", "repeat",
                     "subset", "use"), "archlang.dsl"),
    **dict.fromkeys(("RewriteError", "diff", "every"), "archlang.symbolic"),
}

if TYPE_CHECKING:
    from archlang.api import load, parse
    from archlang.diagnostics import ArchError
    from archlang.dsl import block, choice, float_range, int_range, network, repeat, subset, use
    from archlang.facade import Arch, Program, Space
    from archlang.ir.decisions import DecisionPoint
    from archlang.ops.user import op
    from archlang.symbolic import RewriteError, diff, every


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'archlang' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

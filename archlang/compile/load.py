"""Generated source -> a live `torch.nn.Module`, built from exactly that source.

The source is registered in `linecache` under its `<archlang:...>` file name, so tracebacks
through `forward` show the generated lines, each ending in the `.arch` place it came from.
"""

from __future__ import annotations

import linecache
from typing import Any

from archlang.compile.codegen import GeneratedModule


def load_class(gen: GeneratedModule) -> Any:
    """Execute the generated source and return the module class it defines."""
    # NOTE: an mtime of None keeps the entry through `linecache.checkcache`.
    linecache.cache[gen.filename] = (len(gen.src), None, gen.src.splitlines(True), gen.filename)
    namespace: dict[str, Any] = {"__name__": f"archlang.generated.{gen.class_name}"}
    exec(compile(gen.src, gen.filename, "exec"), namespace)  # noqa: S102 - our own codegen
    return namespace[gen.class_name]


def load_module(gen: GeneratedModule) -> Any:
    """Instantiate the generated module (fresh weights)."""
    return load_class(gen)()

"""The concrete graph: a DAG of primitive ops with fixed arguments and inferred shapes.

Built by the bind walk (ir/elaborate.py), read by the code generator (compile/codegen.py) and
by static figures (parameters, FLOPs). It holds no decisions: every value is concrete.

Printed form (``str(graph)``)::

    graph digits_cnn(x: [1, 8, 8]):
        conv2d = conv2d(x, out=32, k=3, padding=1)    # [32, 8, 8]
        relu = relu(conv2d)                           # [32, 8, 8]
        return relu
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from archlang.ir.canonical import canonical_form, canonical_text
from archlang.source import NO_SPAN, Span

#: names the generated module binds at its top level: the imports and `build`
MODULE_NAMES = frozenset({"torch", "nn", "F", "math", "build"})

#: names no generated identifier may take. A forward local or the class named after a
#: Python builtin, `torch`, `nn` or `F` would shadow it for the code after it (a network `f`
#: became `class F`, and `F.relu` then failed in every trial); a layer named after an
#: `nn.Module` attribute would hide that attribute behind `self.<name>`.
RESERVED = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | MODULE_NAMES | {
    "self", "forward", "training", "cuda", "cpu", "to", "eval", "train", "parameters",
    "modules", "children", "state_dict", "apply", "type", "float", "double", "half", "buffers",
    "zero_grad", "register_buffer", "T_destination", "add_module", "bfloat16",
    "call_super_init", "compile", "dump_patches", "extra_repr", "get_buffer",
    "get_extra_state", "get_parameter", "get_submodule", "ipu", "load_state_dict", "mtia",
    "named_buffers", "named_children", "named_modules", "named_parameters",
    "register_backward_hook", "register_forward_hook", "register_forward_pre_hook",
    "register_full_backward_hook", "register_full_backward_pre_hook",
    "register_load_state_dict_post_hook", "register_load_state_dict_pre_hook",
    "register_module", "register_parameter", "register_state_dict_post_hook",
    "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule",
    "share_memory", "to_empty", "xpu",
}


#: `Node.meta` key: the module name the source gave an op (`conv2d(64, 3, name = "conv1")`)
META_MODULE = "module"


@dataclass(frozen=True)
class Instance:
    """A block application (or a repeat, or one repeat copy) of the bind walk: the block's
    name, and the module name the source gave it (`name = "layer1"`; "" when it gave none;
    None for `name = none`, whose layers join the enclosing module). The code generator nests
    the generated modules by these (compile/nested.py); paths and keys never depend on them.
    """

    block: str
    name: str | None = ""
    span: Span = NO_SPAN


@dataclass(eq=False)
class Node:
    """One op instance. `name` is a unique Python identifier; `path` its source instance path."""

    name: str
    op: str
    inputs: list[Node]
    attrs: dict[str, Any]
    shape: tuple[int, ...]
    path: str = ""
    span: Span = NO_SPAN
    dtype: str = "float"
    meta: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Node({self.name}: {self.op})"


@dataclass(eq=False)
class Graph:
    name: str
    inputs: list[Node] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)  # in creation (topological) order
    output: Node | None = None
    #: instance path (as in `Node.path`) -> the block application there, in walk order
    instances: dict[str, Instance] = field(default_factory=dict)
    _names: set[str] = field(default_factory=set, repr=False)

    def unique_name(self, path: str) -> str:
        base = sanitize(path)
        name, i = base, 1
        while name in self._names:
            name, i = f"{base}_{i}", i + 1
        self._names.add(name)
        return name

    def add(self, op: str, inputs: list[Node], attrs: dict[str, Any], shape: tuple[int, ...],
            path: str, span: Span, dtype: str = "float") -> Node:
        node = Node(self.unique_name(path), op, inputs, attrs, shape, path, span, dtype)
        (self.inputs if op == "input" else self.nodes).append(node)
        return node

    def prune(self) -> None:
        """Drop nodes the output does not depend on (unchosen input-choice candidates)."""
        live: set[int] = set()
        stack = [self.output] if self.output is not None else []
        while stack:
            n = stack.pop()
            if id(n) not in live:
                live.add(id(n))
                stack.extend(n.inputs)
        self.nodes = [n for n in self.nodes if id(n) in live]

    def canonical(self) -> list[Any]:
        """A name-free description, the same for equal networks up to isomorphism.

        Invariant to the order of independent nodes, to the input order of `add`/`mul`, and to
        `identity()`/`dropout(0.0)` nodes; see `archlang.ir.canonical` for how and its limits.
        """
        return canonical_form(self)

    def hash(self) -> str:
        """SHA-256 of the canonical form: stable across processes and machines."""
        # the text is json.dumps(self.canonical(), sort_keys=True, separators=(",", ":")),
        # built without the form (archlang/ir/canonical.py): the hash runs on every trial
        return hashlib.sha256(canonical_text(self).encode()).hexdigest()

    def __str__(self) -> str:
        from archlang.ops.dims import shape_text

        ins = ", ".join(f"{n.name}: {shape_text(n.shape)}" for n in self.inputs)
        lines = [f"graph {self.name}({ins}):"]
        for n in self.nodes:
            args = [x.name for x in n.inputs] + [f"{k}={v!r}" for k, v in n.attrs.items()]
            lines.append(f"    {n.name} = {n.op}({', '.join(args)})  # {shape_text(n.shape)}")
        if self.output is not None:
            lines.append(f"    return {self.output.name}")
        return "\n".join(lines)


@functools.lru_cache(maxsize=1 << 16)
def sanitize(path: str) -> str:
    """A decision or instance path -> a safe Python identifier (``a.b[1].c`` -> ``a_b_1_c``).
    Cached: every node a bind adds is named from its path, and searches bind the same
    paths again and again."""
    name = re.sub(r"[^0-9A-Za-z_]+", "_", path).strip("_") or "node"
    if name[0].isdigit():
        name = "n_" + name
    if name in RESERVED or name.startswith("__"):
        name = name.strip("_") + "_"
    return name


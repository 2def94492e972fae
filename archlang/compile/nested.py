"""The module tree of a generated network: which nested `nn.Module` owns which nodes.

Built from the bind walk's block instances (`Graph.instances`) and the nodes' instance paths;
codegen.py emits one class per distinct part. This module decides structure and names only;
it emits no code.

A block instance becomes a part when its nodes give the rest of the network exactly one
value (its result); otherwise (or when the call said ``name = none``) its layers join the
enclosing part. A part whose only item is another part is that part (a block that just wraps
another one makes one module, as torchvision's `Conv2dNormActivation` is one), unless the
source named the inner one. A part whose
items form a plain chain and carry no names the source gave is numbered like an
`nn.Sequential` (``layer1[0]``, ``features[0][1]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archlang.diagnostics import ArchTypeError
from archlang.ir.graph import META_MODULE, Graph, Node, sanitize
from archlang.ops.registry import get_op
from archlang.source import NO_SPAN, Span


@dataclass(eq=False)
class Part:
    """One generated module: a block instance (or the network, `path` "")."""

    path: str
    block: str
    user_name: str = ""
    #: nodes and sub-parts in the order `forward` computes them
    items: list[Node | Part] = field(default_factory=list)
    #: values computed outside the part that it reads, in order of first use
    inputs: list[Node] = field(default_factory=list)
    output: Node | None = None
    #: item -> its attribute name (nodes only where the op owns a submodule)
    attrs: dict[int, str] = field(default_factory=dict)
    numbered: bool = False
    span: Span = NO_SPAN


def layer_inits(graph: Graph) -> dict[int, str | None]:
    """Each node's `OpSpec.emit_init` expression by `id` (None: its op owns no module).

    The tree and the classes read it several times per node (is it a layer, does its part
    chain, what builds it); working each out once is a third of compiling mobilenet_v2."""
    inits: dict[int, str | None] = {}
    for n in graph.nodes:
        spec = get_op(n.op)
        inits[id(n)] = None if spec is None else spec.emit_init(
            n.attrs, [x.shape for x in n.inputs])
    return inits


def module_tree(graph: Graph, inits: dict[int, str | None] | None = None) -> Part:
    """The network's part, with its sub-parts; see the module docstring. `inits` is
    `layer_inits(graph)`, where the caller has it."""
    if inits is None:
        inits = layer_inits(graph)
    root = Part("", "")
    parts = {path: Part(path, inst.block, inst.name or "", span=inst.span)
             for path, inst in graph.instances.items() if inst.name is not None}
    around = _Around(root, parts)
    # where each node's instance ends (`_Around.of`): the nodes of one instance share it,
    # and so the parts around them
    heads = [n.path[:_last_separator(n.path)] for n in graph.nodes]
    by_head: dict[str, list[Node]] = {}
    for n, head in zip(graph.nodes, heads):
        same = by_head.get(head)
        if same is None:
            by_head[head] = [n]
        else:
            same.append(n)
    # nodes and parts are keys by identity (neither defines `__eq__`)
    members: dict[Part, set[Node]] = {}
    for head, same in by_head.items():
        for part in around.within(head):
            nodes = members.get(part)
            if nodes is None:
                members[part] = set(same)
            else:
                nodes.update(same)
    users = _Users(graph)
    for part, nodes in members.items():
        out = users.outside(nodes)
        if len(set(out)) == 1:  # a single output: the part is a module
            around.output[part] = out[0]
    output = around.output
    for n, head in zip(graph.nodes, heads):
        chain = around.kept_at(head)
        for outer, inner in zip(chain, chain[1:]):
            if n is output[inner]:
                inner.output = n
                outer.items.append(inner)
        chain[-1].items.append(n)
    root.output = graph.output
    _finish(root, inits)
    return root


class _Around:
    """The parts around each node, found once per instance path rather than once per node
    (the nodes of one instance share them): ``a.b[1].conv2d`` is in the parts among ``a``,
    ``a.b`` and ``a.b[1]``, outermost first."""

    def __init__(self, root: Part, parts: dict[str, Part]) -> None:
        self.root = root
        self.parts = parts
        #: part -> its one output, for the parts that become modules
        self.output: dict[Part, Node] = {}
        self._of: dict[str, list[Part]] = {}
        self._kept: dict[str, list[Part]] = {}

    def kept_at(self, head: str) -> list[Part]:
        """The root, then the parts that become modules among those at `head` or around it
        (those enclosing a node whose path is `head` and one more segment)."""
        chain = self._kept.get(head)
        if chain is None:
            chain = self._kept[head] = [self.root] + [
                p for p in self.within(head) if p in self.output]
        return chain

    def within(self, head: str) -> list[Part]:
        """The parts at `head` or around it (those enclosing a node whose path is `head` and
        one more segment, ``a.b[1]`` for ``a.b[1].conv2d``)."""
        if not head:
            return []
        chain = self._of.get(head)
        if chain is None:
            chain = list(self.within(head[:_last_separator(head)]))
            part = self.parts.get(head)
            if part is not None:
                chain.append(part)
            self._of[head] = chain
        return chain


def _last_separator(path: str) -> int:
    """Where the instance around `path` ends (``a.b`` in ``a.b.c``, ``a`` in ``a[1]``);
    0 when none does."""
    return max(path.rfind("."), path.rfind("["), 0)


class _Users:
    """Who reads each node, and where each node is in the graph's order: so that a part's
    outside readers are found from its own nodes, not by scanning the whole graph for each
    part (that was quadratic: most of compiling mobilenet_v2)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.position = {n: i for i, n in enumerate(graph.nodes)}
        self.readers: dict[Node, list[Node]] = {}
        for m in graph.nodes:
            for n in m.inputs:
                readers = self.readers.get(n)
                if readers is None:
                    readers = self.readers[n] = []
                readers.append(m)

    def outside(self, nodes: set[Node]) -> list[Node]:
        """The nodes of `nodes` read from outside them, in the order of the graph's nodes
        that read them (each reader's inputs in order), then the output if it is one."""
        readers = {m for n in nodes for m in self.readers.get(n, ()) if m not in nodes}
        out = [n for m in sorted(readers, key=self.position.__getitem__)
               for n in m.inputs if n in nodes]
        graph = self.graph
        if graph.output is not None and graph.output in nodes:
            out.append(graph.output)
        return out


def _finish(part: Part, inits: dict[int, str | None]) -> None:
    """Collapse wrappers, then find each part's inputs and attribute names, depth first."""
    for item in part.items:
        if isinstance(item, Part):
            _finish(item, inits)
    while (part.path and len(part.items) == 1 and isinstance(part.items[0], Part)
           and not part.items[0].user_name):
        inner = part.items[0]
        part.items, part.numbered, part.attrs = inner.items, inner.numbered, inner.attrs
        part.inputs, part.user_name = inner.inputs, part.user_name or inner.user_name
    if part.path:
        part.inputs = _inputs(part)
    part.numbered = bool(part.path) and _is_chain(part, inits)
    _name_items(part, inits)


def _inputs(part: Part) -> list[Node]:
    inside: set[int] = set()
    out: list[Node] = []
    for item in part.items:
        reads = item.inputs
        for x in reads:
            if id(x) not in inside and x not in out:
                out.append(x)
        if isinstance(item, Part):
            assert item.output is not None
            inside.add(id(item.output))
        else:
            inside.add(id(item))
    return out


def _is_chain(part: Part, inits: dict[int, str | None]) -> bool:
    """Items that each read only the one before (the first: the part's one input), none
    named by the source, every op with weights called as ``module(x)``."""
    if len(part.inputs) != 1 or len(part.items) < 2:
        return False
    prev = part.inputs[0]
    for item in part.items:
        if list(item.inputs) != [prev] or _user_name(item):
            return False
        if isinstance(item, Node):
            spec = get_op(item.op)
            if spec is None or (inits[id(item)] is not None and spec.emit_forward(
                    ["x"], item.attrs, "m") != "m(x)"):
                return False
        prev = item.output if isinstance(item, Part) else item  # type: ignore[assignment]
    return prev is part.output


def _user_name(item: Node | Part) -> str:
    return item.user_name if isinstance(item, Part) else item.meta.get(META_MODULE, "")


def _name_items(part: Part, inits: dict[int, str | None]) -> None:
    """Each item's attribute: its index in a numbered part, else the name the source gave,
    else its instance path below the part."""
    taken: dict[str, Node | Part] = {}
    counts = _loop_names(part)
    for i, item in enumerate(part.items):
        if isinstance(item, Node) and inits[id(item)] is None:
            continue
        if part.numbered:
            part.attrs[id(item)] = str(i)
            continue
        given = _user_name(item)
        if given in counts:
            counts[given] += 1
            given = f"{given}{counts[given]}"
        name = given or _relative(item, part)
        if name in taken:
            if given or _user_name(taken[name]):
                span = item.span
                raise ArchTypeError(
                    f"two layers of one module are both named `{name}`", span,
                    hint="give each layer of a block its own `name`", code="E331")
            base, k = name, 1
            while name in taken:
                name, k = f"{base}_{k}", k + 1
        taken[name] = item
        part.attrs[id(item)] = name


def _loop_names(part: Part) -> dict[str, int]:
    """The names the source gave to several items of `part` from one call (in a loop): they
    are numbered from 1, as torchvision's ``layer1``, ``layer2``, ..."""
    spans: dict[str, set[tuple[int, int]]] = {}  # (Span never compares unequal)
    seen: dict[str, int] = {}
    for item in part.items:
        given = _user_name(item)
        if given:
            spans.setdefault(given, set()).add((item.span.line, item.span.col))
            seen[given] = seen.get(given, 0) + 1
    return {name: 0 for name, found in spans.items() if len(found) == 1 and seen[name] > 1}


def _relative(item: Node | Part, part: Part) -> str:
    path = item.path
    if part.path and path.startswith(part.path):
        path = path[len(part.path):]
    return sanitize(path)

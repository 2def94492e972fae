"""A small writer of Graphviz DOT text: nodes, edges and nested clusters, escaped and stable.

The diagrams build a `Digraph` and call `source()`; the output depends only on the order of
the calls, so golden files stay stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: how every diagram looks: one font, left-to-right reading top-down
GRAPH_ATTRS = {"rankdir": "TB", "fontname": "Helvetica", "fontsize": "11",
               "nodesep": "0.25", "ranksep": "0.3"}
NODE_ATTRS = {"fontname": "Helvetica", "fontsize": "10", "shape": "box",
              "style": "rounded,filled", "fillcolor": "white", "color": "gray35"}
EDGE_ATTRS = {"color": "gray35", "arrowsize": "0.6", "fontname": "Helvetica", "fontsize": "9"}


def quote(text: str) -> str:
    """A DOT double-quoted string; newlines become centred line breaks (``\\n``)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


def _attrs(attrs: dict[str, str]) -> str:
    if not attrs:
        return ""
    return " [" + ", ".join(f"{k}={quote(v)}" for k, v in attrs.items()) + "]"


@dataclass
class Cluster:
    """A subgraph drawn as a box around its nodes (``cluster_<n>`` in DOT)."""

    id: str
    label: str
    attrs: dict[str, str] = field(default_factory=dict)
    lines: list[str | Cluster] = field(default_factory=list)


class Digraph:
    """Nodes and edges added in order; `cluster()` opens a nested box that later nodes join."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.root = Cluster("", name)
        self._stack: list[Cluster] = [self.root]
        self.edges: list[str] = []
        self._count = 0
        self._by_path: dict[tuple[str, ...], Cluster] = {}

    def new_id(self, prefix: str = "n") -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def node(self, label: str, **attrs: str) -> str:
        """Add a node in the current cluster; returns its id."""
        node_id = self.new_id()
        self._stack[-1].lines.append(f"{node_id}{_attrs({'label': label, **attrs})}")
        return node_id

    def node_at(self, path: tuple[str, ...], labels: dict[tuple[str, ...], str], label: str,
                **attrs: str) -> str:
        """Add a node inside the nested clusters named by `path` (created on first use).

        `labels[path[:i]]` is the label of the cluster for the first i parts of `path`.
        """
        cluster = self.root
        for i in range(1, len(path) + 1):
            key = path[:i]
            found = self._by_path.get(key)
            if found is None:
                found = Cluster(self.new_id("cluster_"), labels.get(key, key[-1]))
                cluster.lines.append(found)
                self._by_path[key] = found
            cluster = found
        node_id = self.new_id()
        cluster.lines.append(f"{node_id}{_attrs({'label': label, **attrs})}")
        return node_id

    def edge(self, tail: str, head: str, **attrs: str) -> None:
        self.edges.append(f"{tail} -> {head}{_attrs(attrs)}")

    def open_cluster(self, label: str, **attrs: str) -> Cluster:
        cluster = Cluster(self.new_id("cluster_"), label, attrs)
        self._stack[-1].lines.append(cluster)
        self._stack.append(cluster)
        return cluster

    def close_cluster(self) -> None:
        assert len(self._stack) > 1, "no cluster is open"
        self._stack.pop()

    def source(self) -> str:
        out = [f"digraph {quote(self.name)} {{"]
        out.append(f"  graph{_attrs(GRAPH_ATTRS)}")
        out.append(f"  node{_attrs(NODE_ATTRS)}")
        out.append(f"  edge{_attrs(EDGE_ATTRS)}")
        self._emit(self.root, "  ", out)
        out.extend(f"  {e}" for e in self.edges)
        out.append("}")
        return "\n".join(out) + "\n"

    def _emit(self, cluster: Cluster, indent: str, out: list[str]) -> None:
        for line in cluster.lines:
            if isinstance(line, str):
                out.append(f"{indent}{line}")
                continue
            out.append(f"{indent}subgraph {line.id} {{")
            attrs = {"label": line.label, "labeljust": "l", "style": "rounded,dashed",
                     "color": "gray50", **line.attrs}
            out.extend(f"{indent}  {k}={quote(v)}" for k, v in attrs.items())
            self._emit(line, indent + "  ", out)
            out.append(f"{indent}}}")

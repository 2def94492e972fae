"""Diagrams of spaces and decided networks, as Graphviz DOT text (rendered when `dot` exists).

    >>> import archlang
    >>> from archlang.viz import space_dot, arch_dot
    >>> text = 'network n() (x: [8]) { return x -> linear(choice(4, 8)) }'
    >>> space = archlang.parse(text).network()
    >>> print(space_dot(space).splitlines()[0])
    digraph "n" {

`space_dot` draws a space from its space walk (decision points drawn as such), `arch_dot` a decided
network from its concrete graph (shapes, parameter counts, blocks as clusters), `render` turns
DOT text into SVG or PNG with the Graphviz `dot` program. Nothing here imports torch.
"""

from archlang.viz.arch_diagram import arch_dot
from archlang.viz.render import DiagramError, render, write_diagram
from archlang.viz.space_diagram import space_dot

__all__ = ["DiagramError", "arch_dot", "render", "space_dot", "write_diagram"]

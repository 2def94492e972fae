"""archlang in Python: the embedded DSL that builds the same program tree as `.arch` text.

    from archlang.dsl import block, network, choice, int_range, repeat, use
    from archlang.dsl.ops import conv2d, relu, global_avgpool, linear

    blocks = use("stdlib/blocks.arch")

    @network(inputs={"x": [1, 8, 8]})
    def tiny(b, x, classes: int = 10):
        b.width = choice(16, 32)                        # width = choice(16, 32)
        b.h = x >> blocks.conv_bn_relu(b.width)         # h = x -> conv_bn_relu(width)
        return b.h >> global_avgpool() >> linear(classes)

    space = tiny.space()      # the Space the .arch text would give
    print(tiny.to_arch())     # that text

Why the tree and not a graph of Python objects: the program tree (syntax/ast.py) is
already the one symbolic form both front-ends share; building it from Python makes the
two front-ends equal by construction (a parity test checks every example), and rewrites
(archlang.symbolic) edit the same tree whichever front-end wrote it.

Modules: expr.py (`Expr` and operators), hyper.py (choice, ranges, subset, repeat, shared),
body.py (the statement builder), defs.py (block, network, const, use, module), ops.py
(primitive ops as callables).

Facade: archlang.dsl -> archlang.api (`Network.program()`, `Network.space()` and `use()`
link the printed module with `archlang.parse`, so that the user gets the same Program and
Space as from text; they are the only calls upward. archlang.symbolic, below api, builds
on dsl's expressions for replacement values and vendoring, so this edge closes a cycle by
design: the rest of dsl never imports api.)
"""

from archlang.dsl.body import Body
from archlang.dsl.defs import (
    Const,
    Definition,
    Layer,
    Library,
    Network,
    Tensor,
    block,
    const,
    long,
    module,
    network,
    unbatched,
    use,
)
from archlang.dsl.expr import Expr, and_, call, cond, lit, name, not_, or_, pipe
from archlang.dsl.hyper import choice, float_range, int_range, repeat, shared, subset

__all__ = [
    "Body", "Const", "Definition", "Expr", "Layer", "Library", "Network", "Tensor", "and_",
    "block", "call", "choice", "cond", "const", "float_range", "int_range", "lit",
    "long", "module", "name", "network", "not_", "or_", "pipe", "repeat", "shared", "subset",
    "unbatched",
    "use",
]

"""enas_macro.arch in Python: the macro search space of ENAS (Pham et al., ICML 2018).

Twelve layers; layer i applies one of 6 operations to the layer before it, then adds any
subset of the i layers before that one: 6^12 * 2^66 members. The `.arch` file is
examples/enas_macro.arch (until it moves there: tests/ir/data/enas_macro.arch).

    PYTHONPATH=. python examples/python/enas_macro.py
"""

from archlang.dsl import block, choice, module, network
from archlang.dsl.ops import (
    avgpool2d,
    batchnorm2d,
    conv2d,
    global_avgpool,
    linear,
    maxpool2d,
    range_,
    relu,
)


@block
def conv_bn(b, c: int, k: int, groups: int = 1):
    b.then(conv2d(c, k, padding=k // 2, groups=groups, bias=False), batchnorm2d(), relu())


@block
def op(b, c: int):
    """The 6 candidate operations of a layer (each use is a fresh choice)."""
    b.then(choice(
        conv_bn(c, 3),
        conv_bn(c, 5),
        conv_bn(c, 3, groups=c),
        conv_bn(c, 5, groups=c),
        maxpool2d(3, stride=1, padding=1),
        avgpool2d(3, stride=1, padding=1),
    ))


@network(inputs={"x": [3, 32, 32]})
def enas_macro(b, x, c: int = 24, classes: int = 10):
    b.h = x >> conv_bn(c, 3)
    b.outs = []                                   # a Python list is an .arch list
    with b.loop("i", range_(12)) as i:
        b.h = b.h >> op(c)
        with b.loop("j", range_(i)) as j:
            b.skip = choice(False, True)          # one skip decision per earlier layer
            with b.when(b.skip):
                b.h = b.h + b.outs[j]
        b.outs = b.outs + [b.h]
    return b.h >> global_avgpool() >> linear(classes)


MODULE = module(enas_macro)

if __name__ == "__main__":
    print(enas_macro.to_arch(), end="")

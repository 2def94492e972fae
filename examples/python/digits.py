"""examples/digits.arch, written in Python with archlang.dsl (same program tree).

    PYTHONPATH=. python examples/python/digits.py      # prints the .arch text
"""

from archlang.dsl import block, choice, int_range, module, network, repeat, use
from archlang.dsl.ops import dropout, global_avgpool, identity, linear, maxpool2d, relu

blocks = use("stdlib/blocks.arch")  # conv_bn_relu, conv_bn, ...


@block(inputs=["x"])
def residual(b, x, c: int):
    """Two convolutions around a skip connection; the first kernel is a decision."""
    b.h = x >> blocks.conv_bn_relu(c, k=choice(3, 5)) >> blocks.conv_bn(c, 3)
    return b.h + x >> relu()


@network(inputs={"x": [1, 8, 8]})
def digits_cnn(b, x, classes: int = 10):
    b.width = choice(16, 32, 64)  # one decision, used everywhere below
    b.h = x >> blocks.conv_bn_relu(b.width, k=choice(3, 5))
    b.h = b.h >> repeat(int_range(1, 3), choice(blocks.conv_bn_relu(b.width), residual(b.width)))
    b.pool = choice(maxpool2d(2), identity())  # downsample to 4x4, or not
    b.h = b.h >> b.pool
    return b.h >> global_avgpool() >> dropout(choice(0.0, 0.25)) >> linear(classes)


MODULE = module(digits_cnn)

if __name__ == "__main__":
    print(digits_cnn.to_arch(), end="")

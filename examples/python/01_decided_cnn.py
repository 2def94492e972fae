"""examples/01_decided_cnn.arch in Python: a small, fully decided CNN (same program tree).

    PYTHONPATH=. python examples/python/01_decided_cnn.py
"""

from archlang.dsl import block, module, network
from archlang.dsl.ops import batchnorm2d, channels, conv2d, global_avgpool, linear, relu


@block
def conv_bn_relu(b, out: int, k: int = 3, stride: int = 1):
    """conv -> batchnorm -> relu; each line is applied to the current tensor."""
    b.then(conv2d(out, k, stride=stride, padding=k // 2, bias=False), batchnorm2d(), relu())


@block(inputs=["x"])
def residual(b, x):
    """relu(f(x) + x), the channel count read from the input."""
    b.c = channels(x)
    b.h = x >> conv_bn_relu(b.c) >> conv2d(b.c, 3, padding=1, bias=False) >> batchnorm2d()
    return b.h + x >> relu()


@network(inputs={"x": [1, 8, 8]})
def decided_cnn(b, x, classes: int = 10, width: int = 32):
    b.h = x >> conv_bn_relu(width)
    b.h = b.h >> residual()
    b.h = b.h >> conv_bn_relu(2 * width, stride=2)
    b.h = b.h >> residual()
    return b.h >> global_avgpool() >> linear(classes)


MODULE = module(decided_cnn)

if __name__ == "__main__":
    print(decided_cnn.to_arch(), end="")

"""From a fixed network to a search space in a handful of lines: stdlib `resnet18`.

    PYTHONPATH=. python examples/python/resnet18_space.py

The reference ResNet-18 (torchvision's, 11,689,512 parameters at 1000 classes) has no
decisions. Four rewrite rules make it a space: an activation per unit, a width multiplier
per residual block, dropout after each block, and an optional stem max-pool. The input is
rebound to CIFAR-sized 32x32 images so one member compiles and runs in a moment.
"""

import archlang
from archlang.dsl import choice
from archlang.dsl.ops import dropout, gelu, identity, relu, silu
from archlang.symbolic import every

resnet = archlang.parse('import "stdlib/models/resnet.arch"')
fixed = resnet.network("resnet18", classes=10).rebind({"resnet18.inputs[0].shape": [3, 32, 32]})

space = fixed.apply(
    every("relu").becomes(choice(relu(), gelu(), silu())),        # activation per unit
    every("basic_block").widen(choice(1, 2)),                      # out -> out * choice(1, 2)
    every("basic_block").then(dropout(choice(0.0, 0.1))),          # after each block
    every("maxpool2d").becomes(lambda pool: choice(pool, identity())),  # keep the stem pool?
)

if __name__ == "__main__":
    import torch

    print(f"resnet18: {fixed.bind().params:,} parameters, {len(fixed.decisions)} decisions")
    print(f"its space: {len(space.decisions)} decisions, {space.size:,} members")
    arch = space.sample(seed=0)
    model = arch.compile()
    out = model(torch.zeros(2, 3, 32, 32))
    print(f"member 0: {arch.params:,} parameters, {arch.flops:,} FLOPs, output {list(out.shape)}")
    print(archlang.diff(fixed, space))

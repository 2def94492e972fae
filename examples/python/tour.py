"""A tour of archlang from Python: read, inspect, bind, print, compile, define, rewrite,
search.

    PYTHONPATH=. python examples/python/tour.py          # about 20 s on 2 busy CPU cores

Each step prints what it shows. The README's "Using archlang from Python" has the same
steps as short snippets.
"""

import archlang
from archlang.dsl import block, choice, int_range, network, repeat, use
from archlang.dsl.ops import conv2d, dropout, gelu, global_avgpool, linear, relu, silu
from archlang.search import search
from archlang.symbolic import every


def section(title: str) -> None:
    print(f"\n== {title}")


# 1. Load a .arch file (or parse text): a Program; its network is a Space.
section("load and inspect")
space = archlang.load("examples/digits.arch").network()
print(space)                                              # 11 decisions, size 936
for d in space.decisions[:4]:
    print(f"  {d.key:40s} {d.describe()}")
print("  kernel decisions:", [d.key for d in space.find("digits_cnn.**.k")])

# 2. Bind every decision (or sample), then read the static figures without building it.
section("bind, summary, print")
arch = space.sample(seed=0)
print(f"  params {arch.params:,}  FLOPs {arch.flops:,}  output {arch.output_shape}")
print(arch.to_arch().split("\n\n")[-1])   # the network with every decision fixed, as .arch
chosen = space.bind({**arch.assignment, "digits_cnn.width": 64})
print("  the same with width 64:\n" + str(archlang.diff(arch, chosen)))

# 3. Compile: a torch.nn.Module built from readable generated source.
section("compile")
model = arch.compile()
print(f"  {type(model).__name__}, {len(arch.source().splitlines())} lines of generated Python")

# 4. The same kind of network, written in Python: the DSL builds the same program tree.
section("define in Python")
blocks = use("stdlib/blocks.arch")


@block(inputs=["x"])
def projected(b, x, c: int):
    """Two convolutions beside a 1x1 projection of the input, summed."""
    b.skip = x >> conv2d(c, 1)
    return b.skip + (x >> blocks.conv_bn_relu(c, k=choice(3, 5)) >> blocks.conv_bn(c, 3)) >> relu()


@network(inputs={"x": [1, 8, 8]})
def small_cnn(b, x, classes: int = 10):
    b.width = choice(16, 32)
    b.h = x >> blocks.conv_bn_relu(b.width)
    b.h = b.h >> repeat(int_range(1, 2), choice(blocks.conv_bn_relu(b.width), projected(b.width)))
    return b.h >> global_avgpool() >> linear(classes)


py_space = small_cnn.space()
print(" ", py_space)
print(small_cnn.to_arch())

# 5. Rewrite: rules turn a network into a (bigger) space; edits work on paths.
section("rewrite")
richer = py_space.apply(
    every("relu").becomes(choice(relu(), gelu(), silu())),
    every("global_avgpool").then(dropout(choice(0.0, 0.25))),
)
print(f"  {py_space.size} -> {richer.size} members")
print(py_space.diff(richer))
narrow = richer.rebind({"small_cnn.width": 16})              # fix a decision
print("  fixed:", narrow.fixed, f"{narrow.size} members")
try:
    richer.remove("small_cnn.body[1]")                         # `h` would dangle
except archlang.RewriteError as err:
    print("  refused:", err.diagnostic.message)
copy = archlang.Space.from_json(richer.to_json())            # JSON round trip
assert copy.decisions == richer.decisions

# 6. Search: the engine the command line uses, from Python; returns the Study.
section("search")
study = search(richer, lambda a: {"val_accuracy": -a.params / 1e6}, "random", budget=5, seed=0)
best = study.best
print(f"  {len(study.trials)} trials; the smallest network: {-best.metrics['val_accuracy']:.3f}M "
      "parameters")

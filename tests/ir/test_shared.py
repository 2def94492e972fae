"""Decisions shared across block applications, `shared(name, block(...))` (issue 13 item 3),
and the field's spaces written with it: examples/darts.arch, stdlib/models/darts.arch."""

from __future__ import annotations

from pathlib import Path

import pytest

import archlang
from archlang.diagnostics import ArchError

ROOT = Path(__file__).resolve().parents[2]

CELLS = """
block cell(c: int) (s0, s1) {
    states = [s0, s1]
    for i in range(2) {
        pair = subset(2, states)
        states = states + [sum(pair) -> choice(conv2d(c, 3, padding = 1), identity())]
    }
    return (s1, states[2:] -> concat() -> conv2d(c, 1))
}

network n(c: int = 4) (x: [3, 8, 8]) {
    s = x -> conv2d(c, 3, padding = 1)
    (a, b) = (s, s)
    for i in range(3) {
        (a, b) = (a, b) -> shared("reduction" if i == 1 else "normal", cell(c))
    }
    return b -> global_avgpool()
}
"""


def test_applications_of_one_name_share_decisions_and_keep_their_weights() -> None:
    space = archlang.parse(CELLS).network()
    keys = [d.key for d in space.decisions]
    assert keys[:2] == ["n.normal.pair", "n.normal.choice"] and len(keys) == 8
    assert space.size == 12 * 12  # one genotype per name, not 12 ** 3 for three cells
    conv = {"n.normal.choice": 0, "n.normal.choice_1": 0}
    arch = space.bind({**{k: [0, 1] for k in keys if "pair" in k},
                       **{k: 1 for k in keys if "choice" in k}, **conv})
    # both normal cells apply the conv on both nodes, each with its own weights
    convs = [n.name for n in arch.graph.nodes if n.op == "conv2d" and n.attrs["padding"] == 1]
    assert len(convs) == 1 + 2 * 2 and len(set(convs)) == len(convs)
    assert archlang.parse(arch.to_arch()).network().bind({}).hash == arch.hash


def test_without_shared_every_cell_decides_for_itself() -> None:
    plain = CELLS.replace('shared("reduction" if i == 1 else "normal", cell(c))', "cell(c)")
    assert archlang.parse(plain).network().size == 12 ** 3


def test_a_shared_block_in_a_searched_repeat_exists_where_any_copy_does() -> None:
    text = """block unit() { linear(4) -> choice(relu(), identity()) }
    network n() (x: [4]) {
        return x -> repeat(int(1, 3)) { shared("unit", unit()) }
    }"""
    space = archlang.parse(text).network()
    (rep, op) = space.decisions
    assert op.key == "n.unit.choice" and op.cond == (rep.key, frozenset({1, 2, 3}))
    assert space.size == 3 * 2


@pytest.mark.parametrize(("text", "code", "hint"), [
    ('network n() (x: [4]) {\n return x -> shared("a", relu())\n}', "E324", "block call"),
    ('block b() { relu() }\nnetwork n() (x: [4]) {\n return x -> shared(1, b())\n}',
     "E324", "a name"),
    ("block b(k: int) { linear(choice(k, 8)) }\nnetwork n() (x: [4]) {\n"
     ' h = x -> shared("s", b(4))\n return h -> shared("s", b(2))\n}', "E519",
     "same candidates"),
])
def test_bad_shared_is_one_located_diagnostic(text: str, code: str, hint: str) -> None:
    with pytest.raises(ArchError) as info:
        assert archlang.parse(text).network().decisions is not None
    (diag,) = info.value.diagnostics
    assert diag.code == code and hint in (diag.hint or "") and diag.span.line >= 1


def test_darts_example_size_and_keys() -> None:
    space = archlang.load(ROOT / "examples" / "darts.arch").network()
    assert space.size == (180 * 7 ** 8) ** 2 == 1_076_746_950_455_072_400
    keys = {d.key for d in space.decisions}
    assert {"darts.normal.node_2", "darts.reduction.edge_7.op"} <= keys and len(keys) == 24
    text = (ROOT / "examples" / "darts.arch").read_text(encoding="utf-8")
    code = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(code) <= 60


def test_darts_v2_has_the_published_parameter_count() -> None:
    torch = pytest.importorskip("torch")
    arch = archlang.load(ROOT / "stdlib" / "models" / "darts.arch").network("darts_v2").bind()
    assert arch.params == 3_349_342 and arch.output_shape == (10,)
    model = arch.compile().eval()
    assert sum(p.numel() for p in model.parameters()) == 3_349_342
    with torch.no_grad():
        assert tuple(model(torch.randn(1, 3, 32, 32)).shape) == (1, 10)

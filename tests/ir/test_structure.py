"""The structure a space walk records for the space diagram (ir/structure.py)."""

from __future__ import annotations

from pathlib import Path

import archlang
from archlang.ir import structure as S
from archlang.ir.elaborate import Elaborator
from archlang.syntax.format import format_expr

ROOT = Path(__file__).resolve().parents[2]


def _items(group: S.Group) -> list[S.Item]:
    out: list[S.Item] = []
    for child in group.children:
        if isinstance(child, S.IfGroup):
            for branch in child.branches.values():
                out += _items(branch)
        elif isinstance(child, S.Group):
            out += _items(child)
        else:
            out.append(child)
    return out


def _layer(rec: S.StructureRecorder, text: str) -> S.LayerItem:
    return next(i for i in _items(rec.root)
                if isinstance(i, S.LayerItem) and format_expr(i.ast) == text)


def test_only_the_network_body_is_recorded_and_a_repeat_once() -> None:
    space = archlang.load(ROOT / "examples/digits.arch").network()
    rec = space.structure()
    kinds = [type(c).__name__ for c in rec.root.children]
    assert kinds == ["InputItem", "NoteItem", "LayerItem", "Group", "NoteItem", "LayerItem",
                     "LayerItem", "LayerItem", "LayerItem", "OutputItem"]
    repeat = rec.root.children[3]
    assert [d.key for d in repeat.decisions] == ["digits_cnn.repeat"]
    (choice,) = repeat.children  # three copies walked, the body recorded once
    assert [d.key for d in choice.decisions] == ["digits_cnn.repeat[0].choice"]
    assert choice.reads >= {"digits_cnn.width", "digits_cnn.repeat[0].choice"}
    # decisions declared inside blocks are not the body's
    assert "digits_cnn.repeat[0].residual.conv_bn_relu.k" not in rec.body_keys
    assert "digits_cnn.repeat[2].choice" in rec.body_keys


def test_tensors_are_followed_through_layers_and_input_choices() -> None:
    rec = archlang.load(ROOT / "examples/dag_inputs.arch").network().structure()
    in3 = next(i for i in rec.root.children if isinstance(i, S.InputChoiceItem)
               and i.decisions[0].key == "dag.in3")
    assert [format_expr(i.ast) for i in in3.inputs] == ["conv(c, 3)", "op1", "op2"]
    assert in3.labels == [0, 1, 2]
    assert _layer(rec, "op3").inputs == [in3]


def test_a_for_body_has_the_data_flow_of_every_iteration() -> None:
    rec = archlang.load(ROOT / "examples/nb201_cell.arch").network().structure()
    reduction, cell = _layer(rec, "reduction(width)"), _layer(rec, "cell(e1_0, e2_0, e2_1, "
                                                                   "e3_0, e3_1, e3_2)")
    assert reduction.inputs == [cell]  # stages 1 and 2 reduce the previous stage's cells
    assert [format_expr(i.ast) for i in cell.inputs] == ["batchnorm2d()", "reduction(width)"]
    assert cell.reads == {f"nb201.{e}" for e in ("e1_0", "e2_0", "e2_1", "e3_0", "e3_1",
                                                  "e3_2")}


def test_an_if_over_decisions_joins_the_tensors_of_its_branches() -> None:
    space = archlang.parse("""network n() (x: [4]) {
        w = choice(4, 8)
        h = x -> linear(8)
        if w > 4 {
            h = h -> relu()
        }
        return h -> linear(2)
    }""").network()
    rec = space.structure()
    (join,) = [i for i in _items(rec.root) if isinstance(i, S.JoinItem)]
    assert [format_expr(i.ast) for i in join.inputs] == ["relu()", "linear(8)"]
    assert _layer(rec, "linear(2)").inputs == [join]


def test_observing_changes_nothing_the_walk_finds() -> None:
    space = archlang.load(ROOT / "examples/transformer.arch").network("patch_transformer")
    rec = S.StructureRecorder()
    walks = []
    for observer in (None, rec):
        elab = Elaborator(space.program, observer=observer)
        elab.run(space.network_def, space.program.env_of(space.network_def), space.params)
        walks.append([(d.key, d.cond) for d in elab.decisions])
    assert walks[0] == walks[1] == [(d.key, d.cond) for d in space.full_tree.decisions]
    assert sorted(rec.body_keys) == ["patch_transformer.dim",
                                          "patch_transformer.encoder_stack.depth"]

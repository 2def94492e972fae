"""The canonical printer: round trips, idempotence, layout rules and comment keeping."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from archlang.syntax import ast as A
from archlang.syntax.format import format_expr, format_item, format_module
from archlang.syntax.literals import quote
from archlang.syntax.parser import parse_text

# One program per group of constructs; together they use every rule and alias of the grammar.
PROGRAMS = {
    "imports_consts": """
        import "stdlib/blocks.arch"; import "other.arch"
        C = 64
        BIG = 2K + 3M + 1G + 1_000
        RATE = 1e-05
        HALF = .5
        SCALE = 2.
        NAME = "conv \\"3x3\\"\\n"
        FLAGS = [true, false, none]
        ONE = (1,)
        PAIR = (1, "a")
        EMPTY = []
        require C > 0 and not C == 3 or C != 5
    """,
    "table": """
        CFG = [
            (1, 16, 1, 1),
            (6, 24, 2, 2),
            (6, 32, 3, 2),
        ]
        block ir(c: int, t: int, s: int) {
            return x -> conv2d(c * t, 1) -> dwconv(c * t, 3, stride = s)
        }
        network mobile(width: float = 1.0) (x: [3, 224, 224]) {
            h = x
            for (t, c, n, s) in CFG {
                for i in range(n) {
                    h = h -> ir(int(c * width), t, s if i == 0 else 1)
                }
            }
            return h
        }
    """,
    "block_forms": """
        block plain() {
        }
        block typed(out: int, k: int = 3, act: layer = relu(), scale = 0.5,) (x, y: [1, 8]) {
            z = x + y
            z
            return z
        }
        block semis() { a = 1; b = 2; return a }
    """,
    "control": """
        network n(depth: int = 2, wide: bool = false) (x: [1, 8, 8]) {
            require depth >= 1
            if depth > 4 {
                h = x -> repeat(depth) {
                    conv2d(8, 3)
                    relu()
                }
            } elif wide {
                h = x -> repeat(2) { }
            } else {
                h = x
            }
            for (a, b) in [(1, 2), (3, 4)] {
                h = h -> linear(a * b)
            }
            return h -> flatten() -> linear(10)
        }
    """,
    "expressions": """
        E1 = (a + b) * c - d / e // f % g
        E2 = a - (b - c) + -d ** 2 ** e
        E3 = (-a) ** b + (a ** b) ** c + (-1) ** 2
        E4 = a if b or c else d if e else f
        E5 = (a if b else c) if d else e
        E6 = not (a and b) or not c < d
        E7 = x[0].shape[-1] + x.y.z + (1).real + f(a)[b]
        E8 = (x -> f()) + 1
        E9 = f(a -> g(), k = b -> h(), j = (c, d), m = [e,])
        E10 = - -a + -(-a) + --a
        E11 = [repeat(2) { relu() }, repeat(n) { a = 1; b = a }]
        E12 = a == b
        E13 = (a < b) == (c >= d)
    """,
}


def _program(key: str) -> str:
    return textwrap.dedent(PROGRAMS[key])


def _check(text: str) -> str:
    module = parse_text(text)
    out = format_module(module)
    again = parse_text(out)
    assert again == module, out
    assert format_module(again) == out
    assert out.endswith("\n") and not out.endswith("\n\n")
    assert all(line == line.rstrip() for line in out.splitlines())
    return out


@pytest.mark.parametrize("key", sorted(PROGRAMS))
def test_round_trip_and_idempotence(key: str) -> None:
    _check(_program(key))


def test_built_trees_round_trip() -> None:
    """Trees built in Python (no spans, no comments) print too."""
    module = parse_text(_program("control") + _program("expressions"))
    for item in module.items:
        assert parse_text(format_item(item) + "\n").items == (item,)


GOLDEN_IN = """\
import "a.arch"
import "b.arch"
T=[(1,16,1,1),
 (6,24,2,2)]
block b(out:int,k:int=3) { h=x->conv2d(out,k,stride=2,padding=k//2,bias=false)->relu()
 if out>1 {return h} elif out<0 {return -h} else {
 return h**2}
}
block e() {}
network n() (x:[1,8,8]) {
 return x->b(8)->linear(a_very_long_argument_number_one, a_very_long_argument_number_two, k = 1)
}
"""

GOLDEN_OUT = """\
import "a.arch"
import "b.arch"

T = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
]

block b(out: int, k: int = 3) {
    h = x -> conv2d(out, k, stride = 2, padding = k // 2, bias = false) -> relu()
    if out > 1 {
        return h
    } elif out < 0 {
        return -h
    } else {
        return h ** 2
    }
}

block e() {
}

network n() (x: [1, 8, 8]) {
    return x -> b(8) -> linear(
        a_very_long_argument_number_one,
        a_very_long_argument_number_two,
        k = 1,
    )
}
"""


def test_golden() -> None:
    assert _check(GOLDEN_IN) == GOLDEN_OUT


def test_short_list_of_tuples_on_one_line_stays_flat() -> None:
    assert _check("T = [(1, 2), (3, 4)]\n") == "T = [(1, 2), (3, 4)]\n"


def test_consts_and_imports_group_other_items_are_apart() -> None:
    out = _check('import "a"\n\n\nimport "b"\nA = 1\nB = 2\nrequire A\nrequire B\n')
    assert out == 'import "a"\nimport "b"\n\nA = 1\nB = 2\n\nrequire A\nrequire B\n'


def test_blank_lines_between_statements_are_kept_once() -> None:
    out = _check("block b() {\n a = 1\n\n\n b = 2\n c = 3\n}\n")
    assert out == "block b() {\n    a = 1\n\n    b = 2\n    c = 3\n}\n"


def test_repeat_inside_brackets_uses_semicolons_when_broken() -> None:
    long = ", ".join(f"argument_{i}" for i in range(8))
    out = _check(f"x = f(repeat(2) {{ a = g({long}); b = 2 }})\n")
    assert "a = g(" in out and "    );\n" in out  # `;` ends the statement: newlines vanish in ( )


@pytest.mark.parametrize("expr, text", [
    (A.BinOp("*", A.BinOp("+", A.Name("a"), A.Name("b")), A.Name("c")), "(a + b) * c"),
    (A.BinOp("-", A.Name("a"), A.BinOp("-", A.Name("b"), A.Name("c"))), "a - (b - c)"),
    (A.BinOp("-", A.BinOp("-", A.Name("a"), A.Name("b")), A.Name("c")), "a - b - c"),
    (A.BinOp("**", A.Name("a"), A.BinOp("**", A.Name("b"), A.Name("c"))), "a ** b ** c"),
    (A.BinOp("**", A.BinOp("**", A.Name("a"), A.Name("b")), A.Name("c")), "(a ** b) ** c"),
    (A.Neg(A.BinOp("**", A.Name("a"), A.Name("b"))), "-a ** b"),
    (A.BinOp("**", A.Neg(A.Name("a")), A.Name("b")), "(-a) ** b"),
    (A.BinOp("**", A.IntLit(-1), A.IntLit(2)), "(-1) ** 2"),
    (A.BinOp("**", A.IntLit(2), A.IntLit(-1)), "2 ** -1"),
    (A.Attribute(A.IntLit(1), "real"), "(1).real"),
    (A.Index(A.Name("x"), A.IntLit(-1)), "x[-1]"),
    (A.Pipe((A.Name("a"), A.CondExpr(A.Name("c"), A.Name("x"), A.Name("y")))),
     "a -> x if c else y"),
    (A.CondExpr(A.Name("c"), A.Pipe((A.Name("a"), A.Name("b"))), A.Name("d")),
     "(a -> b) if c else d"),
    (A.Compare("<", A.Compare("<", A.Name("a"), A.Name("b")), A.Name("c")), "(a < b) < c"),
    (A.Not(A.BoolOp("and", A.Name("a"), A.Name("b"))), "not (a and b)"),
    (A.BoolOp("and", A.BoolOp("or", A.Name("a"), A.Name("b")), A.Name("c")), "(a or b) and c"),
    (A.Neg(A.Neg(A.Name("a"))), "-(-a)"),
    (A.TupleLit((A.Name("x"),)), "(x,)"),
    (A.Call("f", (A.Pipe((A.Name("a"), A.Name("b"))),), (A.Kwarg("k", A.IntLit(1)),)),
     "f(a -> b, k = 1)"),
    (A.FloatLit(1.0), "1.0"), (A.FloatLit(1e-05), "1e-05"), (A.FloatLit(1e16), "1e+16"),
    (A.FloatLit(float("inf")), "1e999"), (A.FloatLit(-0.5), "-0.5"),
    (A.IntLit(10**9), "1000000000"), (A.NoneLit(), "none"), (A.BoolLit(True), "true"),
])
def test_expression_text(expr: A.Expr, text: str) -> None:
    assert format_expr(expr) == text
    parsed = parse_text(f"v = {text}\n").items[0]
    assert isinstance(parsed, A.ConstDef) and parsed.value == expr


@pytest.mark.parametrize("value", ["", "plain", 'say "hi"', "back\\slash", "tab\tnew\nline",
                                   "\x00\x7f", "caf\u00e9 \u2028 \U0001f600", "#not a comment"])
def test_strings_round_trip(value: str) -> None:
    text = quote(value)
    assert text.startswith('"') and "\n" not in text
    assert parse_text(f"v = {text}\n").items[0].value == A.StrLit(value)  # type: ignore[union-attr]


def test_number_literals_keep_their_spelling() -> None:
    out = _check("A = 1K\nB = 1e-3\nC = 1_000\nD = -2M\nE = 0.10\n")
    assert out == "A = 1K\nB = 1e-3\nC = 1_000\nD = -2M\nE = 0.10\n"


def test_long_header_breaks_its_parameters() -> None:
    params = ", ".join(f"parameter_{i}: int = {i}" for i in range(6))
    out = _check(f"block b({params}) {{\n}}\n")
    assert out.startswith("block b(\n    parameter_0: int = 0,\n")
    assert ") {\n}\n" in out


# ---------------------------------------------------------------- comments

COMMENTED = """\
# header: the file

# about the imports
import "a.arch"  # first
import "b.arch"

T = [  # (t, c, n, s)
    (1, 16, 1, 1),  # stem
    # the middle rows
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    # end of the table
]

block b(
    c: int,  # channels
    k: int = 3,
) {  # the body
    # leading
    h = x -> conv2d(c, k)  # trailing
    if c > 1 {
        return h
        # end of the if body
    } elif c < 0 {
        # alone in elif
    } else {
        h = f(
            a,  # an argument
            b,
        )
        # end of the else body
    }  # after the if
    y = repeat(2) {
        relu()  # inside repeat
    }
    # end of the block body
}
# end of the file
"""


def test_comments_keep_their_places() -> None:
    assert _check(COMMENTED) == COMMENTED


def test_comments_move_to_canonical_places() -> None:
    text = "x = 1 # a\n#b\nblock b() { # c\n  relu() # d\n     # e\n} # f\n#g"
    out = _check(text)
    assert out == ("x = 1  # a\n\n#b\nblock b() {  # c\n    relu()  # d\n    # e\n}  # f\n#g\n")


def test_comment_inside_a_call_breaks_it() -> None:
    out = _check("x = f(a,  # why a\n      b)\n")
    assert out == "x = f(\n    a,  # why a\n    b,\n)\n"


def test_comment_inside_an_expression_leads_its_statement() -> None:
    out = _check("block b() {\n    x = (1 +  # odd\n         2)\n}\n")
    assert out == "block b() {\n    # odd\n    x = 1 + 2\n}\n"


def test_no_comment_is_ever_dropped() -> None:
    module = parse_text(COMMENTED)
    out = parse_text(format_module(module))
    assert [c.text for c in out.comments] == [c.text for c in module.comments]


def test_only_comments_and_empty() -> None:
    assert _check("# one\n\n\n# two\n") == "# one\n\n# two\n"
    assert format_module(parse_text("")) == ""
    assert format_module(parse_text("\n\n")) == ""


_ROOT = Path(__file__).resolve().parents[2]
_SHIPPED = sorted(str(p.relative_to(_ROOT)) for d in ("stdlib", "examples")
                  for p in (_ROOT / d).rglob("*.arch"))


@pytest.mark.parametrize("name", _SHIPPED)
def test_shipped_files_round_trip(name: str) -> None:
    module = parse_text((_ROOT / name).read_text(encoding="utf-8"), name)
    out = _check(format_module(module))
    assert [c.text for c in parse_text(out).comments] == [c.text for c in module.comments]


def test_comments_are_collected_per_parse_across_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"# file {i}\nX{i} = {i}  # value {i}\n" * (1 + i % 3) for i in range(24)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        modules = list(pool.map(parse_text, texts))
    for i, module in enumerate(modules):
        assert [c.text for c in module.comments] == [f"# file {i}", f"# value {i}"] * (1 + i % 3)

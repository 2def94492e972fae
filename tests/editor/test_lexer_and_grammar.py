"""The Pygments lexer and the TextMate grammar over every example and stdlib file.

The TextMate grammar is run by a tiny driver below, enough for the features it uses: single-line
`match` rules, `include`s of repository entries, `patterns` lists and `captures`. As in
TextMate, the rule whose match starts earliest on the rest of the line wins, ties going to the
first rule. Its regexes use only syntax that Python's `re` and Oniguruma read the same way
(`\\b`, look-ahead, classes, no possessive quantifiers or `\\h`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tomllib
from pygments.token import Error, Keyword, Name, Number, Punctuation, String, Whitespace

from archlang.editor import lexer as L
from archlang.editor.lexer import ArchLexer

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*ROOT.glob("examples/*.arch"), *ROOT.glob("stdlib/**/*.arch")])
GRAMMAR = json.loads((ROOT / "editors/archlang.tmLanguage.json").read_text())
IDS = [str(f.relative_to(ROOT)) for f in FILES]

# ---------------------------------------------------------------- a TextMate driver


def _rules(patterns: list[dict], repo: dict) -> list[dict]:
    out: list[dict] = []
    for p in patterns:
        if "include" in p:
            out.extend(_rules([repo[p["include"].lstrip("#")]], repo))
        elif "patterns" in p:
            out.extend(_rules(p["patterns"], repo))
        else:
            out.append({**p, "re": re.compile(p["match"])})
    return out


RULES = _rules(GRAMMAR["patterns"], GRAMMAR["repository"])


def tm_scopes(line: str) -> list[str | None]:
    """The scope of each character of a line (None: whitespace or unclassified)."""
    scopes: list[str | None] = [None] * len(line)
    pos = 0
    while pos < len(line):
        best = None
        for rule in RULES:
            m = rule["re"].search(line, pos)
            if m and m.end() > m.start() and (best is None or m.start() < best[1].start()):
                best = (rule, m)
        if best is None:
            break
        rule, m = best
        if "captures" in rule:
            for group, cap in rule["captures"].items():
                s, e = m.span(int(group))
                scopes[s:e] = [cap["name"]] * (e - s)
        else:
            scopes[m.start():m.end()] = [rule["name"]] * (m.end() - m.start())
        pos = m.end()
    return scopes


# ---------------------------------------------------------------- every token classified


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_lexer_gives_no_error_token(path: Path) -> None:
    tokens = list(ArchLexer().get_tokens(path.read_text()))
    assert [v for t, v in tokens if t in Error] == []
    assert "".join(v for _, v in tokens) == path.read_text()


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_textmate_grammar_classifies_every_character(path: Path) -> None:
    for n, line in enumerate(path.read_text().splitlines(), 1):
        scopes = tm_scopes(line)
        loose = [(i, ch) for i, (ch, s) in enumerate(zip(line, scopes)) if s is None and
                 not ch.isspace()]
        assert not loose, f"{path.name}:{n}: unclassified {loose[:5]} in {line!r}"


#: what a Pygments token class must be in the TextMate grammar
_AGREE = [
    (Keyword.Declaration, "storage.type."), (Keyword.Constant, "constant.language."),
    (Keyword.Pseudo, "keyword.other.hyper."), (Keyword.Type, "storage.type."),
    (Keyword, "keyword."), (Name.Class, "entity.name.function.archlang"),
    (Name.Builtin, "support.function.builtin."), (Name.Function, "entity.name.function.call."),
    (Number.Float, "constant.numeric.float."), (Number.Integer, "constant.numeric.integer."),
    (String, "string."), (Name, "variable.other."), (Punctuation, "punctuation."),
]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_lexer_and_textmate_grammar_agree(path: Path) -> None:
    text = path.read_text()
    scopes = [s for line in text.split("\n") for s in [*tm_scopes(line), None]]
    for start, token, value in ArchLexer().get_tokens_unprocessed(text):
        if token in Whitespace or not value.strip() or token in Error:
            continue
        want = next((prefix for cls, prefix in _AGREE if token in cls), None)
        if want is None:
            continue  # comments and operators: checked by the test above
        assert (scopes[start] or "").startswith(want), \
            f"{path.name} offset {start}: {value!r} is {token} but {scopes[start]}"


# ---------------------------------------------------------------- word lists


def _grammar_words() -> tuple[set[str], set[str]]:
    text = (ROOT / "grammar/archlang.lark").read_text()
    reserved = re.search(r"NAME: /\(\?!\(([a-z|]+)\)\\b\)", text).group(1).split("|")
    literals = set(re.findall(r'"([a-z]+)"', text))
    return set(reserved), literals


def test_keyword_lists_match_the_grammar() -> None:
    reserved, literals = _grammar_words()
    ours = set(L.DECLARATIONS + L.KEYWORDS + L.CONSTANTS)
    assert ours == reserved == literals
    for word in ours:  # the TextMate grammar knows each one as a word of the language
        scope = tm_scopes(f"{word} x")[0] or ""
        assert scope.split(".")[0] in ("keyword", "constant", "storage"), (word, scope)
        assert tm_scopes(f"{word}x")[0] == "variable.other.archlang"  # but not as a prefix


def test_primitive_lists_match_the_library() -> None:
    from archlang.ir.builtins import BUILTINS
    from archlang.ops.registry import all_ops
    from archlang.syntax.ast import HYPER_NAMES, PARAM_TYPES

    assert set(L.HYPER) == set(HYPER_NAMES)
    assert set(L.TYPES) == {*PARAM_TYPES, "long"}
    assert set(L.BUILTINS) == set(BUILTINS)
    # the lexer asks the registry, so every op (and only an op or builtin) is a builtin call
    calls = " ".join(f"{name}()" for name in [*all_ops(), "my_block"])
    kinds = {v: t for t, v in ArchLexer().get_tokens(calls) if t in Name}
    assert {v for v, t in kinds.items() if t is Name.Builtin} == set(all_ops())
    assert kinds["my_block"] is Name.Function


def test_textmate_call_rule_is_generated_from_the_registry() -> None:
    """The checked-in grammar is what `python -m archlang.editor.textmate` writes."""
    from archlang.editor import textmate

    text = (ROOT / "editors/archlang.tmLanguage.json").read_text()
    assert text == textmate.render(textmate.with_call_rule(GRAMMAR, textmate.call_names())), \
        "editors/archlang.tmLanguage.json is stale: run `python -m archlang.editor.textmate`"
    for name in textmate.call_names():
        assert tm_scopes(f"{name}(x)")[0] == textmate.BUILTIN_SCOPE, name


def test_lexer_is_a_registered_pygments_plugin(tmp_path, monkeypatch) -> None:
    """Pygments finds the lexer through the entry point pyproject.toml declares (installed
    here as a bare dist-info, as pip would write it)."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = meta["project"]["entry-points"]["pygments.lexers"]["archlang"]
    info = tmp_path / "archlang_plugin_check-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: archlang-plugin-check\n"
                                   "Version: 1.0\n")
    (info / "entry_points.txt").write_text(f"[pygments.lexers]\narchlang = {target}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from pygments.lexers import find_lexer_class_for_filename, get_lexer_by_name

    assert type(get_lexer_by_name("archlang")) is ArchLexer
    assert find_lexer_class_for_filename("digits.arch") is ArchLexer

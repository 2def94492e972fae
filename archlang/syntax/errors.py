"""Syntax errors: Lark's raw parse failures -> labelled, located `ArchSyntaxError`s.

`EXAMPLES` maps each labelled error to malformed snippets; an error gets the label of the
snippets that fail in the same LALR state (and, for most labels, on the same kind of token).
Two generic rules back them up: a keyword where a name may stand (E110), an expression right
after a complete one (E104). Any grammar edit can re-route a label, which is why
tests/syntax/test_errors.py has one test per label and one that routes every snippet.
"""

from __future__ import annotations

import functools
from typing import Any

from archlang.diagnostics import ArchSyntaxError
from archlang.source import Source, Span

# (code, message, hint) -> snippets that fail the same way
EXAMPLES: list[tuple[tuple[str, str, str | None], list[str]]] = [
    # a block header must be followed by its body in braces
    (("E101", "missing `{` after the block header", "a body is written `{ ... }`"),
     ["block b() relu()", "block b(c: int) relu()", "block b() (x) relu()",
      "block b(c: int) (x) relu()", "block b() (x,) relu()", "block b() (x, y) relu()",
      "block b() (x, y,) relu()", "network n() (x: [3]) return x",
      "network n(c: int) (x: [3]) return x"]),
    # `network` needs declared input shapes
    (("E102", "a network needs its inputs: `network name(params) (x: [C, H, W]) { ... }`",
      None),
     ["network n() {", "network n(c: int) {"]),
    # an expression ended where more was needed
    (("E103", "incomplete expression", "an operator or `->` needs something on its right"),
     ["c = x ->\n", "c = 1 +\n", "c = 1 -\n", "c = 1 *\n", "c = 1 /\n", "c = 1 //\n",
      "c = 1 %\n", "c = 1 **\n", "c = -\n", "c = a and\n", "c = a or\n", "c = not\n",
      "c = a <\n", "c = a if\n", "c = a if b\n", "c = a if b else\n", "c =\n",
      "c = a.\n", "c = a[\n", "c = f(\n", "c = f(a,\n", "c = f(k =\n", "c = [\n",
      "c = [a,\n", "c = (\n", "c = (a,\n", "require\n",
      "network n() (x: [1]) {\n return\n}"]),
    # two values side by side with nothing between them
    (("E104", "two expressions in a row", "separate statements with a new line, "
      "or join them with `->` or an operator"),
     ["network n() (x: [1]) {\n h = x relu()\n}", "c = 1 2\n", "c = a b\n"]),
    # `else` or `elif` on the line after `}`
    (("E109", "`else` must follow `}` on the same line", "write `} else {`"),
     ["network n() (x: [1]) {\n if true {\n }\n else {\n }\n}",
      "network n() (x: [1]) {\n if true {\n }\n elif false {\n }\n}",
      "network n() (x: [1]) {\n h = x\n if true {\n }\n else {\n }\n}",
      "network n() (x: [1]) {\n h = x\n if true {\n }\n elif false {\n }\n}",
      "network n() (x: [1]) {\n if true {\n }\n # c\n else {\n }\n}",
      "network n() (x: [1]) {\n if true {\n }\n # c\n elif false {\n }\n}",
      "network n() (x: [1]) {\n h = x\n if true {\n }\n # c\n else {\n }\n}",
      "network n() (x: [1]) {\n h = x\n if true {\n }\n # c\n elif false {\n }\n}"]),
    # a keyword used as a name (a keyword met where a name is expected is caught generically)
    (("E110", "a keyword cannot be used as a name", "rename it"),
     ["block = 3\n", "network = 3\n", "import = 3\n", "require = 3\n",
      "network n() (x: [1]) {\n for = 1\n}", "network n() (x: [1]) {\n if = 1\n}",
      "network n() (x: [1]) {\n return = 1\n}", "network n() (x: [1]) {\n not = 1\n}",
      "network n() (x: [1]) {\n true = 1\n}", "network n() (x: [1]) {\n false = 1\n}",
      "network n() (x: [1]) {\n none = 1\n}", "network n() (x: [1]) {\n repeat = 1\n}",
      "c = repeat + 1\n"]),
]
#: labels that apply to any token in their examples' parser state; the others need the same
#: offending token type too (`}` + new line + `else`, but not `}` + new line + `)`)
_ANY_TOKEN = {"E101", "E102", "E103"}
#: tokens that can begin an expression: one after a complete expression is "two in a row"
_EXPR_START = {"NAME", "INT", "FLOAT", "STRING", "TRUE", "FALSE", "NONE", "REPEAT", "NOT",
               "LPAR", "LSQB"}

_READABLE = {
    "NAME": "a name", "INT": "an integer", "FLOAT": "a number", "STRING": "a string",
    "_NL": "a new line", "COMP_OP": "a comparison", "LPAR": "`(`", "RPAR": "`)`",
    "LSQB": "`[`", "RSQB": "`]`", "LBRACE": "`{`", "RBRACE": "`}`", "COMMA": "`,`",
    "EQUAL": "`=`", "COLON": "`:`", "SEMICOLON": "`;`", "$END": "the end of the file",
}


def syntax_error(source: Source, exc: Any, parser: Any) -> ArchSyntaxError:
    """Turn a Lark `UnexpectedInput` into a located diagnostic."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    line = getattr(exc, "line", None) or 1
    col = getattr(exc, "column", None) or 1
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        line, col = _end_position(source)
    width = 1
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        width = max(1, len(str(exc.token.value).splitlines()[0] or " "))
    span = Span(source, line, col, line, col + width)
    label = _label(exc, parser)
    if label is not None:
        code, message, hint = label
        return ArchSyntaxError(message, span, hint=hint, code=code)
    if isinstance(exc, UnexpectedCharacters):
        ch = source.text[exc.pos_in_stream] if exc.pos_in_stream < len(source.text) else "?"
        hint = "strings use double quotes" if ch == "'" else None
        return ArchSyntaxError(f"unexpected character `{ch}`", span, hint=hint, code="E100")
    if isinstance(exc, (UnexpectedToken, UnexpectedEOF)):
        found = "end of file" if isinstance(exc, UnexpectedEOF) or (
            exc.token.type == "$END") else _describe_token(exc.token)
        expected = _expected(getattr(exc, "expected", None) or getattr(exc, "accepts", set()))
        return ArchSyntaxError(f"unexpected {found}", span,
                               hint=f"expected {expected}" if expected else None, code="E100")
    return ArchSyntaxError(str(exc).splitlines()[0], span, code="E100")  # pragma: no cover


def _label(exc: Any, parser: Any) -> tuple[str, str, str | None] | None:
    """The labelled error for a parse failure, by the LALR state it stopped in.

    Lark's own `match_examples` also compares the parser's stack depth, so a snippet written
    at the top level would not match the same mistake inside a body; this matches the state
    alone, then the offending token's type.
    """
    from lark.exceptions import UnexpectedToken

    if not isinstance(exc, UnexpectedToken) or getattr(exc, "state", None) is None:
        return None
    try:
        state, tok = exc.state.position, exc.token.type
        signatures = _signatures(parser)
        loose = None
        for label, sig_state, sig_tok in signatures:
            if sig_state == state and sig_tok == tok:
                return label
            if sig_state == state and label[0] in _ANY_TOKEN and loose is None:
                loose = label
        return _generic_label(exc, tok, signatures) or loose
    except Exception:  # noqa: BLE001  - labelling is best effort, the fallback is generic
        return None


def _generic_label(exc: Any, tok: str, signatures: list[Any]) -> Any:
    """A keyword where a name may stand (E110); a new expression right after one (E104)."""
    accepts = exc.accepts or exc.expected or set()
    by_code = {label[0]: label for label, _, _ in signatures}
    if tok in _keywords() and "NAME" in accepts:
        return by_code.get("E110")
    if tok in _EXPR_START and "PLUS" in accepts:
        return by_code.get("E104")
    return None


@functools.lru_cache(maxsize=4)
def _signatures(parser: Any) -> list[tuple[tuple[str, str, str | None], Any, str]]:
    """(label, parser state, offending token type) for every snippet in `EXAMPLES`."""
    from lark.exceptions import UnexpectedToken

    out = []
    for label, snippets in EXAMPLES:
        for snippet in snippets:
            try:
                parser.parse(snippet)
            except UnexpectedToken as exc:
                out.append((label, exc.state.position, exc.token.type))
            except Exception:  # noqa: BLE001, S112  - a snippet failing otherwise is skipped
                continue
    return out


@functools.lru_cache(maxsize=1)
def _keywords() -> frozenset[str]:
    from archlang.syntax.parser import _lark

    return frozenset(t.name for t in _lark().terminals
                     if t.pattern.type == "str" and t.pattern.value.isalpha())


def _describe_token(tok: Any) -> str:
    if tok.type == "_NL":
        return "end of line"
    return f"`{tok.value}`"


def _expected(names: set[str]) -> str:
    words = sorted({_READABLE.get(n, _terminal_text(n)) for n in names if n != "_NL"} |
                   ({"a new line"} if "_NL" in names else set()))
    if not words:
        return ""
    if len(words) > 8:
        words = words[:8] + ["..."]
    return ", ".join(words)


def _terminal_text(name: str) -> str:
    from archlang.syntax.parser import _lark

    for term in _lark().terminals:
        if term.name == name and term.pattern.type == "str":
            return f"`{term.pattern.value}`"
    return name.lower()


def _end_position(source: Source) -> tuple[int, int]:
    lines = source.text.rstrip().splitlines() or [""]
    return len(lines), len(lines[-1]) + 1

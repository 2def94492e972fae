"""Syntax errors: Lark's raw parse failures -> labelled, located `ArchSyntaxError`s.

`EXAMPLES` maps each labelled error to malformed snippets; Lark's `match_examples` finds the
label whose snippets fail in the same parser state as the user's text. Any grammar edit can
re-route a label, which is why tests/syntax/test_errors.py has one test per label.
"""

from __future__ import annotations

from typing import Any

from archlang.diagnostics import ArchSyntaxError
from archlang.source import Source, Span

# (code, message, hint) -> snippets that fail the same way
EXAMPLES: list[tuple[tuple[str, str, str | None], list[str]]] = [
    # a block header must be followed by its body in braces
    (("E101", "missing `{` after the block header", "a body is written `{ ... }`"),
     ["block b() relu()", "block b(c: int) (x) relu()", "network n() (x: [3]) return x"]),
    # `network` needs declared input shapes
    (("E102", "a network needs its inputs: `network name(params) (x: [C, H, W]) { ... }`",
      None),
     ["network n() {", "network n(c: int) {"]),
    # an expression ended where more was needed
    (("E103", "incomplete expression", "an operator or `->` needs something on its right"),
     ["network n() (x: [1]) {\n h = x ->\n}", "network n() (x: [1]) {\n h = 1 +\n}",
      "c = 1 *\n"]),
    # two values side by side with nothing between them
    (("E104", "two expressions in a row", "separate statements with a new line, "
      "or join them with `->` or an operator"),
     ["network n() (x: [1]) {\n h = x relu()\n}", "c = 1 2\n", "c = a b\n"]),
    # `else` or `elif` on the line after `}`
    (("E109", "`else` must follow `}` on the same line", "write `} else {`"),
     ["network n() (x: [1]) {\n if true {\n }\n else {\n }\n}",
      "network n() (x: [1]) {\n if true {\n }\n elif false {\n }\n}"]),
    # a keyword used as a name
    (("E110", "a keyword cannot be used as a name", "rename it"),
     ["block = 3\n", "network n() (x: [1]) {\n for = 1\n}", "c = repeat + 1\n"]),
]

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
        found = "the end of the file" if isinstance(exc, UnexpectedEOF) or (
            exc.token.type == "$END") else _describe_token(exc.token)
        expected = _expected(getattr(exc, "expected", None) or getattr(exc, "accepts", set()))
        return ArchSyntaxError(f"unexpected {found}", span,
                               hint=f"expected {expected}" if expected else None, code="E100")
    return ArchSyntaxError(str(exc).splitlines()[0], span, code="E100")  # pragma: no cover


def _label(exc: Any, parser: Any) -> tuple[str, str, str | None] | None:
    try:
        return exc.match_examples(  # type: ignore[no-any-return]
            parser.parse, {k: v for k, v in EXAMPLES}, use_accepts=True)
    except Exception:  # noqa: BLE001  - labelling is best effort, the fallback is generic
        return None


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

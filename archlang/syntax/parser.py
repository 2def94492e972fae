"""Text -> `ast.Module`: the Lark LALR parser, its post-lexer, and syntax-error reporting.

The grammar file ships inside the package (archlang/_data/grammar, force-included from the
repository's top-level grammar/ at build time); in a checkout it is read from grammar/.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from archlang import resources
from archlang.diagnostics import ArchLimitError, ArchSyntaxError
from archlang.source import Source, Span
from archlang.syntax import ast as A

#: nesting of ( [ { deeper than this is refused before Lark's recursion could overflow
MAX_NESTING = 200
#: files longer than this are refused (characters)
MAX_SOURCE_CHARS = 20_000_000


class _DropNewlinesInBrackets:
    """Post-lexer: newlines inside ( ) and [ ] are layout, not statement ends."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Any]) -> Iterator[Any]:
        depth = 0
        for tok in stream:
            if tok.type == "_NL":
                if depth:
                    continue
            elif tok.value in ("(", "["):
                depth += 1
            elif tok.value in (")", "]"):
                depth = max(0, depth - 1)
            yield tok


@functools.lru_cache(maxsize=1)
def _lark() -> Any:
    from lark import Lark

    return Lark(
        resources.read_text("grammar/archlang.lark"),
        start="module",
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_DropNewlinesInBrackets(),
        cache=True,
    )


def parse_source(source: Source) -> A.Module:
    """Parse one source text into a module tree.

    Raises:
        ArchSyntaxError: with the location, the offending line and a caret.
    """
    from lark.exceptions import UnexpectedInput, VisitError

    from archlang.syntax.errors import syntax_error
    from archlang.syntax.to_ast import ToAst

    _check_limits(source)
    try:
        tree = _lark().parse(source.text)
    except UnexpectedInput as exc:
        raise syntax_error(source, exc, _lark()) from None
    try:
        return ToAst(source).transform(tree)  # type: ignore[no-any-return]
    except VisitError as exc:
        if isinstance(exc.orig_exc, ArchSyntaxError):
            raise exc.orig_exc from None
        raise


def parse_text(text: str, path: str = "<string>") -> A.Module:
    return parse_source(Source(text, path))


def _check_limits(source: Source) -> None:
    text = source.text
    if len(text) > MAX_SOURCE_CHARS:
        raise ArchLimitError(
            f"file is too large ({len(text):,} characters; the limit is {MAX_SOURCE_CHARS:,})",
            Span(source, 1, 1, 1, 2), code="E601")
    if text.count("(") + text.count("[") + text.count("{") <= MAX_NESTING:
        return
    depth = 0
    line, col = 1, 0
    in_comment = in_string = False
    for ch in text:
        col += 1
        if ch == "\n":
            line, col, in_comment, in_string = line + 1, 0, False, False
        elif in_comment:
            continue
        elif ch == '"':
            in_string = not in_string
        elif in_string:
            continue
        elif ch == "#":
            in_comment = True
        elif ch in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ArchLimitError(
                    f"nesting is too deep (more than {MAX_NESTING} levels of brackets)",
                    Span(source, line, col, line, col + 1),
                    hint="split the expression with named intermediate values", code="E602")
        elif ch in ")]}":
            depth = max(0, depth - 1)

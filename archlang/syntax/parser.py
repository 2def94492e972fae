"""Text -> `ast.Module`: a fast hand-written parser, the Lark LALR reference, and syntax errors.

`parse_source` first tries `fastparse` (a tokenizer and recursive-descent parser that builds
the identical tree, spans included, and never reports an error itself); on anything it does
not take it parses again on the Lark path, `parse_lark` (Lark LALR over the grammar, its
post-lexer, `to_ast.ToAst`, and the translation of Lark's errors into located diagnostics), so
every diagnostic comes from the reference. ``ARCHLANG_PARSER=lark`` in the environment makes
`parse_source` use the Lark path alone (read at each parse that misses the cache).
tests/syntax/test_fastparse.py checks that both paths build equal trees, spans included.

The grammar file ships inside the package (archlang/_data/grammar, force-included from the
repository's top-level grammar/ at build time); in a checkout it is read from grammar/.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import threading
from collections.abc import Iterator
from itertools import accumulate, repeat
from operator import sub
from typing import Any

from archlang import resources
from archlang.diagnostics import ArchLimitError, ArchSyntaxError
from archlang.files import MAX_SOURCE_CHARS, too_large
from archlang.source import Source, Span
from archlang.syntax import ast as A

#: nesting of ( [ { deeper than this is refused before Lark's recursion could overflow
MAX_NESTING = 200
#: parse trees deeper than this (long operator chains: `1 + 1 + ... + 1`) are refused before
#: the recursive tree transformer, and every recursive pass after it, could overflow
MAX_DEPTH = 300
#: the environment variable that, set to "lark", turns the fast path off
PARSER_ENV = "ARCHLANG_PARSER"


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


class _Comments(threading.local):
    """The COMMENT tokens of the parse running on this thread (None outside `parse_source`)."""

    tokens: list[Any] | None = None


_COMMENTS = _Comments()


def _on_comment(tok: Any) -> Any:
    if _COMMENTS.tokens is not None:
        _COMMENTS.tokens.append(tok)
    return tok


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
        lexer_callbacks={"COMMENT": _on_comment},
        cache=True,
    )


def parse_source(source: Source) -> A.Module:
    """Parse one source text into a module tree (cached: trees are immutable).

    Raises:
        ArchSyntaxError: with the location, the offending line and a caret.
    """
    return _parse_cached(source.text, source.path)


@functools.lru_cache(maxsize=64)
def _parse_cached(text: str, path: str) -> A.Module:
    source = Source(text, path)
    if len(text) > MAX_SOURCE_CHARS:
        raise too_large(source, f"{len(text):,} characters")
    if os.environ.get(PARSER_ENV) != "lark":
        from archlang.syntax import fastparse

        # the fast path falls back on whatever `_check_limits` refuses (nesting too deep),
        # and measures the nesting on its own tokens, at a fraction of the cost
        try:
            return fastparse.parse(source)
        except fastparse.Fallback:
            pass
    _check_limits(source)
    return _parse_with_lark(source)


def parse_lark(source: Source) -> A.Module:
    """`parse_source` on the Lark path alone, uncached: the reference the fast path matches.

    Raises:
        ArchSyntaxError: with the location, the offending line and a caret.
    """
    _check_limits(source)
    return _parse_with_lark(source)


def _parse_with_lark(source: Source) -> A.Module:
    from lark.exceptions import UnexpectedInput, VisitError

    from archlang.syntax.errors import syntax_error
    from archlang.syntax.to_ast import ToAst

    _COMMENTS.tokens = []
    try:
        tree = _lark().parse(source.text)
        comments = tuple(A.Comment(t.line, t.column, str(t).rstrip()) for t in _COMMENTS.tokens)
    except UnexpectedInput as exc:
        raise syntax_error(source, exc, _lark()) from None
    finally:
        _COMMENTS.tokens = None
    _check_depth(source, tree)
    try:
        module = ToAst(source).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, ArchSyntaxError):
            raise exc.orig_exc from None
        raise
    return dataclasses.replace(module, comments=comments)  # type: ignore[no-any-return]


def parse_text(text: str, path: str = "<string>") -> A.Module:
    return parse_source(Source(text, path))


def _check_limits(source: Source) -> None:
    text = source.text
    if len(text) > MAX_SOURCE_CHARS:
        raise too_large(source, f"{len(text):,} characters")
    if text.count("(") + text.count("[") + text.count("{") <= MAX_NESTING:
        return
    if max_nesting(text) <= MAX_NESTING:
        return
    line, col = _too_deep_at(text, MAX_NESTING)  # type: ignore[misc]
    raise ArchLimitError(
        f"nesting is too deep (more than {MAX_NESTING} levels of brackets)",
        Span(source, line, col, line, col + 1),
        hint="split the expression with named intermediate values", code="E602")


def _too_deep_at(text: str, limit: int) -> tuple[int, int] | None:
    """Where (line, column) the brackets of `text` first nest deeper than `limit`, if they
    do: outside strings (from a quote to the next, or to the line's end: every quote opens
    or closes one, escaped or not) and comments; a closing bracket never takes the depth
    below 0. One character at a time: `max_nesting` is the quick measure of the same."""
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
            if depth > limit:
                return line, col
        elif ch in ")]}":
            depth = max(0, depth - 1)
    return None


#: what `max_nesting` sees: a comment (to the line's end), a string (to its next quote, or up
#: to the line's end), or a bracket; the regular expression skips all else
_NESTING_RE = re.compile(r'#[^\n]*|"[^"\n]*"?|[()\[\]{}]')
_NESTING_STEP = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def max_nesting(text: str) -> int:
    """The deepest nesting of brackets that `_too_deep_at` counts in `text`, in passes that
    run in C: where the depth d counted without the floor at 0 has fallen to its lowest m so
    far (m <= 0), the depth with the floor is d - m."""
    steps = map(_NESTING_STEP.get, _NESTING_RE.findall(text), repeat(0))
    depths = list(accumulate(steps, initial=0))
    return max(map(sub, depths, accumulate(depths, min)))


def _check_depth(source: Source, tree: Any) -> None:
    """Refuse parse trees deeper than `MAX_DEPTH`, walking them without recursion."""
    from lark import Tree

    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            line, col = getattr(meta, "line", 1), getattr(meta, "column", 1)
            raise ArchLimitError(
                f"expression is too deeply nested (more than {MAX_DEPTH} levels)",
                Span(source, line, col, line, col + 1),
                hint="split the expression with named intermediate values", code="E609")
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))

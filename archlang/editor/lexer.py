"""A Pygments lexer for `.arch` files, registered as the ``archlang`` plugin lexer.

Installed with archlang (``pip install 'archlang[editor]'`` pulls in Pygments), it highlights
``arch`` code blocks in Markdown and Sphinx docs and ``pygmentize -l archlang FILE``:

    >>> from pygments import highlight
    >>> from pygments.formatters import NullFormatter
    >>> print(highlight("width = choice(16, 32)", ArchLexer(), NullFormatter()), end="")
    width = choice(16, 32)

Token classes: keywords as in grammar/archlang.lark; the hyper primitives (``choice``, ``int``,
``float``, ``subset``) before ``(`` as `Keyword.Pseudo` (they are the open places); primitive
ops and builtins as `Name.Builtin`; other calls (blocks) as `Name.Function`; parameter types
after ``:`` as `Keyword.Type`. The word lists are checked against the grammar and the builtins
by tests/editor/; the ops are not listed: a call is an op when the op registry knows its name
at the time of lexing, so an op registered by a plugin is highlighted too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from archlang.ops.registry import get_op

__all__ = ["ArchLexer"]

#: reserved words of grammar/archlang.lark
DECLARATIONS = ("block", "network")
KEYWORDS = ("import", "return", "for", "in", "if", "elif", "else", "and", "or", "not", "repeat",
            "require", "as", "unbatched")
CONSTANTS = ("true", "false", "none")
#: the hyper primitives: the open places of a space (archlang.syntax.ast.HYPER_NAMES)
HYPER = ("choice", "int", "float", "subset")
#: parameter types (archlang.syntax.ast.PARAM_TYPES) and input dtypes
TYPES = ("int", "float", "bool", "str", "list", "layer", "tensor", "any", "long")
#: archlang.ir.builtins.BUILTINS
BUILTINS = ("channels", "shape", "len", "range", "min", "max", "sum", "abs", "round", "floor",
            "ceil", "make_divisible")

_IDENT = r"[A-Za-z_][A-Za-z_0-9]*"


def _call(lexer: RegexLexer, match: re.Match[str]) -> Iterator[tuple[int, Any, str]]:
    """A called name: a builtin or a registered op is `Name.Builtin`, a block `Name.Function`."""
    word = match.group()
    builtin = word in BUILTINS or get_op(word) is not None
    yield match.start(), Name.Builtin if builtin else Name.Function, word


class ArchLexer(RegexLexer):
    """archlang: neural architectures with open choices (`.arch`)."""

    name = "archlang"
    aliases = ["archlang", "arch"]
    filenames = ["*.arch"]
    mimetypes = ["text/x-archlang"]
    url = "https://github.com/archlang/archlang"

    tokens = {
        "root": [
            (r"[ \t\f\r\n]+", Whitespace),
            (r"\\[ \t\f]*\r?\n", Text),  # a line continuation
            (r"#[^\n]*", Comment.Single),
            (r'"([^"\\\n]|\\.)*"', String.Double),
            (r"(block|network)(\s+)(" + _IDENT + ")",
             bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (words(HYPER, suffix=r"(?=[ \t]*\()"), Keyword.Pseudo),
            (r"(:)([ \t]*)" + words(TYPES, suffix=r"\b(?![ \t]*\()").get(),
             bygroups(Punctuation, Whitespace, Keyword.Type)),
            # a call's `(` is on its name's line: a name ending a line is not called by the next
            (_IDENT + r"(?=[ \t]*\()", _call),
            (r"([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+", Number.Float),
            (r"(0|[1-9][0-9_]*)[KMG]?(?![A-Za-z_0-9])", Number.Integer),
            (_IDENT, Name),
            (r"->|==|!=|<=|>=|//|\*\*|[-+*/%<>=]", Operator),
            (r"[()\[\]{},;:.]", Punctuation),
        ],
    }

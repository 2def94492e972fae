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
after ``:`` as `Keyword.Type`. The word lists are checked against the grammar, the op registry
and the builtins by tests/editor/.
"""

from __future__ import annotations

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

__all__ = ["ArchLexer"]

#: reserved words of grammar/archlang.lark
DECLARATIONS = ("block", "network")
KEYWORDS = ("import", "return", "for", "in", "if", "elif", "else", "and", "or", "not", "repeat",
            "require")
CONSTANTS = ("true", "false", "none")
#: the hyper primitives: the open places of a space (archlang.syntax.ast.HYPER_NAMES)
HYPER = ("choice", "int", "float", "subset")
#: parameter types (archlang.syntax.ast.PARAM_TYPES) and input dtypes
TYPES = ("int", "float", "bool", "str", "list", "layer", "tensor", "any", "long")
#: archlang.ir.builtins.BUILTINS
BUILTINS = ("channels", "shape", "len", "range", "min", "max", "abs", "round", "floor", "ceil",
            "make_divisible")
#: the primitive ops of archlang.ops
OPS = ("adaptive_avgpool2d", "add", "avgpool2d", "batchnorm1d", "batchnorm2d", "class_token",
       "concat", "conv1d", "conv2d", "dropout", "embedding", "flatten", "gelu",
       "global_avgpool", "groupnorm", "hardswish", "identity", "layernorm", "linear",
       "maxpool2d", "mean", "mul", "parameter", "relu", "relu6", "reshape", "select",
       "self_attention", "sigmoid", "silu", "softmax", "tanh", "transpose", "zero")

_IDENT = r"[A-Za-z_][A-Za-z_0-9]*"


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
            (words(HYPER, suffix=r"(?=\s*\()"), Keyword.Pseudo),
            (r"(:)([ \t]*)" + words(TYPES, suffix=r"\b(?!\s*\()").get(),
             bygroups(Punctuation, Whitespace, Keyword.Type)),
            (words(BUILTINS + OPS, suffix=r"(?=\s*\()"), Name.Builtin),
            (_IDENT + r"(?=\s*\()", Name.Function),
            (r"([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+", Number.Float),
            (r"(0|[1-9][0-9_]*)[KMG]?(?![A-Za-z_0-9])", Number.Integer),
            (_IDENT, Name),
            (r"->|==|!=|<=|>=|//|\*\*|[-+*/%<>=]", Operator),
            (r"[()\[\]{},;:.]", Punctuation),
        ],
    }

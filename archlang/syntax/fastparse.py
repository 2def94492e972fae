"""A hand-written parser for grammar/archlang.lark: the fast path of `parser.parse_source`.

One compiled regular expression tokenizes the text (the grammar's own terminals, in the order
Lark tries them; tests/syntax/test_fastparse.py checks that they agree), and a recursive-descent
parser with precedence climbing for the binary operators builds the very tree that the Lark
path (`parser.parse_lark` = Lark LALR + `to_ast.ToAst`) builds, spans included: every node's
span runs from the first to the last token of the grammar rule that made it, as Lark's
`propagate_positions` gives it (a parenthesised expression keeps its inner span; the node
around it starts at the parenthesis).

This parser never reports an error. Whatever it does not accept exactly as the grammar does
(a syntax error, a string with an unknown escape, a repeated keyword argument, an unknown
parameter type, a tree that may be deeper than `parser.MAX_DEPTH`, brackets nested deeper
than `parser.MAX_NESTING`, an input deep enough to exhaust Python's stack...) raises
`Fallback`, and `parse_source` parses the text again on the Lark path, so every diagnostic
comes from the one reference implementation.

Nodes are made without their dataclass ``__init__`` (by filling ``__dict__`` in field order,
the same object the constructor would make): the frozen dataclasses' ``__init__`` is most of
the time of a parse. `_maker` builds one such function per class from its fields.
"""

from __future__ import annotations

import gc
import re
from dataclasses import fields
from itertools import accumulate, compress
from operator import sub
from typing import Any

from archlang.source import Source, Span
from archlang.syntax import ast as A
from archlang.syntax.lexicon import (
    FLOAT_PATTERN,
    INT_PATTERN,
    KEYWORDS,
    int_value,
    is_float_literal,
    is_int_literal,
    string_value,
)
from archlang.syntax.parser import MAX_DEPTH, MAX_NESTING, max_nesting


class Fallback(Exception):  # noqa: N818 - not an error: "parse this on the Lark path"
    """The fast path does not take this text; the Lark path parses it (and reports)."""


# ---------------------------------------------------------------- tokens

#: the grammar's terminals, each after the blanks Lark ignores (`[\t \f]+`), in Lark's order
#: where two can match at one place (NAME before the keywords it excludes, FLOAT before INT
#: and `.`, COMP_OP before `=`, two-character operators before one-character ones) and the
#: most frequent first otherwise; COMMENT_NL is a comment and the NL after it in one token
#: (`Tokens` takes the comment out: then it is the NL, and nothing needs dropping); ERR
#: catches what no terminal matches (a digit with the word characters after it, so that it
#: never reads as a number: `0if`, `01`)
TOKEN_PATTERNS = (
    ("PUNCT", r"[\(\),{}\[\]:;%+]"),
    ("NAME", r"[A-Za-z_][A-Za-z_0-9]*"),
    ("NL", r"(\r?\n[\t ]*)+"),
    ("FLOAT", FLOAT_PATTERN),
    ("INT", INT_PATTERN + r"(?![A-Za-z_0-9])"),
    ("COMP", r"==|!=|<=|>=|<|>"),
    ("OP", r"->|//|\*\*|[-.=/*]"),
    ("STRING", r'"([^"\\\n]|\\.)*"'),
    ("COMMENT_NL", r"#[^\n]*(\r?\n[\t ]*)+"),
    ("COMMENT", r"#[^\n]*"),
    ("CONT", r"\\[\t \f]*\r?\n"),
    ("WS", r"[\t \f]+\Z"),
    ("ERR", r"[0-9][A-Za-z_0-9]*|."),
)
_BLANKS = " \t\f"
#: one pattern without capturing groups, so that `findall` returns every token's text (with
#: the blanks before it): the texts add up to the whole source
_TOKEN_RE = re.compile(
    f"[{re.escape(_BLANKS)}]*(?:"
    + "|".join(re.sub(r"(?<!\\)\((?!\?)", "(?:", p) for _, p in TOKEN_PATTERNS)
    + ")", re.S)
#: the kind of each fixed token: operators, keywords (COMP_OP's operators are "COMP")
_FIXED = {**{op: op for op in "( ) , { } [ ] : ; % + -> // ** - . = / *".split()},
          **{op: "COMP" for op in ("==", "!=", "<=", ">=", "<", ">")},
          **{k: k for k in KEYWORDS}}
_END = "$END"
#: what an opening or closing ( ) [ ] adds to the nesting (the post-lexer's `depth`)
_BRACKETS = {"(": 1, "[": 1, ")": -1, "]": -1}
#: ... and what any bracket adds to the nesting that `parser._check_limits` measures
_NESTING = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}
_NEWLINE = re.compile("\n")


def _indexes(items: list[str], item: str) -> list[int]:
    """Where `item` occurs in `items`."""
    out: list[int] = []
    i = -1
    try:
        while True:
            i = items.index(item, i + 1)
            out.append(i)
    except ValueError:
        return out


def _kind(text: str) -> str:
    """The kind of a token text that is not a fixed token."""
    c = text[:1]
    if c.isascii() and (c.isalpha() or c == "_"):
        return "NAME"
    if c.isdigit() or c == ".":
        return "FLOAT" if is_float_literal(text) else "INT" if is_int_literal(text) else "ERR"
    if c == '"':
        return "STRING" if len(text) > 1 else "ERR"
    if c == "\n" or text[:2] == "\r\n":
        return "NL"
    if c == "#":
        return "COMMENT_NL" if "\n" in text else "COMMENT"
    if c == "\\" and len(text) > 1:
        return "CONT"
    return "WS" if not text else "ERR"


class Tokens:
    """The tokens the parser sees, as parallel lists: `kinds`, `values` (the text), `lines`,
    `cols` and `end_cols` (1-based, the end exclusive, as Lark's); and `comments`.

    A kind is "NAME", "INT", "FLOAT", "STRING", "COMP" (COMP_OP), "NL" (a `_NL`: line breaks
    and the indentation after them), or the keyword or operator itself. As the Lark path's
    post-lexer does, line breaks inside ( ) and [ ] are dropped. Two `$END` tokens close the
    lists. An "NL" token's end column is on a later line: `end` gives it.

    Raises:
        Fallback: a character that no terminal matches; brackets that nest deeper than
            `parser._check_limits` takes (measured on the tokens, outside strings and
            comments, as it measures them: the same where no string holds a backslash,
            and by `parser.max_nesting` where one does).
    """

    def __init__(self, text: str) -> None:
        # Every step is one pass in C over all tokens (the kinds come from a table of the
        # distinct token texts); Python loops run only over line breaks and comments.
        raw = _TOKEN_RE.findall(text)
        stripped = {r: r.lstrip(_BLANKS) for r in set(raw)}
        values = list(map(stripped.__getitem__, raw))
        ends = list(accumulate(map(len, raw)))
        kind_of = {v: _FIXED.get(v) or _kind(v) for v in set(stripped.values())}
        present = set(kind_of.values())
        if "ERR" in present:
            raise Fallback
        kinds = list(map(kind_of.__getitem__, values))
        breaks = {v: v.count("\n") for v in kind_of}  # (only NL, CONT and COMMENT_NL have any)
        lines = list(accumulate(map(breaks.__getitem__, values), initial=1))
        last_line = lines.pop()
        # where line n starts, minus 1: a token's column is its offset minus that
        line_starts = [0, -1] + [m.start() for m in _NEWLINE.finditer(text)]
        comments = []
        if "COMMENT_NL" in present or "COMMENT" in present:
            comments = sorted(_indexes(kinds, "COMMENT_NL") + _indexes(kinds, "COMMENT"))
            self.comments = [
                A.Comment(lines[i], ends[i] - len(values[i]) - line_starts[lines[i]],
                          values[i].split("\n", 1)[0].rstrip()) for i in comments]
            if "COMMENT_NL" in present:
                present.add("NL")
                for i in comments:
                    if kinds[i] == "COMMENT_NL":  # its NL from the line break on
                        value = values[i]
                        kinds[i], values[i] = "NL", value[value.index("\n"):]
                comments = [i for i in comments if kinds[i] == "COMMENT"]
        else:
            self.comments = []
        dropped = []
        if "NL" in present:
            steps = {k: _BRACKETS.get(k, 0) for k in present}
            depth = list(accumulate(map(steps.__getitem__, kinds)))
            dropped = [i for i in _indexes(kinds, "NL") if depth[i]]
        if text.count("(") + text.count("[") + text.count("{") > MAX_NESTING:
            brackets = filter(_NESTING.__contains__, kinds)
            if max(accumulate(map(_NESTING.__getitem__, brackets), initial=0)) > MAX_NESTING or (
                    "STRING" in present and "\\" in text
                    and max_nesting(text) > MAX_NESTING):
                raise Fallback  # `parser._check_limits` refuses it
        for kind in ("COMMENT", "CONT", "WS"):
            if kind in present:
                dropped += comments if kind == "COMMENT" else _indexes(kinds, kind)
        if dropped:
            keep = [True] * len(kinds)
            for i in dropped:
                keep[i] = False
            kinds, values, lines, ends = (
                list(compress(x, keep)) for x in (kinds, values, lines, ends))
        self.count = len(kinds)
        bases = list(map(line_starts.__getitem__, lines))
        end_cols = list(map(sub, ends, bases))
        cols = list(map(sub, end_cols, map(len, values)))
        kinds += [_END, _END]
        values += ["", ""]
        lines += [last_line, last_line]
        cols += [0, 0]
        end_cols += [0, 0]
        self.kinds, self.values, self.lines, self.cols, self.end_cols = (
            kinds, values, lines, cols, end_cols)

    def end(self, i: int) -> tuple[int, int]:
        """Where token `i` ends: Lark's (end_line, end_column)."""
        value = self.values[i]
        if self.kinds[i] == "NL":
            return self.lines[i] + value.count("\n"), len(value) - value.rindex("\n")
        return self.lines[i], self.end_cols[i]


# ---------------------------------------------------------------- node makers


def _maker(cls: type) -> Any:
    """A function taking `cls`'s fields positionally (all of them, in order) that returns the
    object ``cls(...)`` would, without running the frozen dataclass's ``__init__``."""
    names = [f.name for f in fields(cls)]
    assert all(f.init for f in fields(cls)), cls  # noqa: S101 - a new kind of field
    body = "".join(f"    d[{n!r}] = {n}\n" for n in names)
    code = (f"def make({', '.join(names)}):\n    o = new(cls)\n    d = o.__dict__\n{body}"
            "    return o\n")
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    exec(code, scope)  # noqa: S102 - generated from the dataclass's own field names
    return scope["make"]


_Span = _maker(Span)
_Name = _maker(A.Name)
_IntLit = _maker(A.IntLit)
_FloatLit = _maker(A.FloatLit)
_StrLit = _maker(A.StrLit)
_BoolLit = _maker(A.BoolLit)
_NoneLit = _maker(A.NoneLit)
_ListLit = _maker(A.ListLit)
_TupleLit = _maker(A.TupleLit)
_Kwarg = _maker(A.Kwarg)
_Call = _maker(A.Call)
_Starred = _maker(A.Starred)
_Repeat = _maker(A.Repeat)
_Pipe = _maker(A.Pipe)
_CondExpr = _maker(A.CondExpr)
_BoolOp = _maker(A.BoolOp)
_Not = _maker(A.Not)
_Compare = _maker(A.Compare)
_BinOp = _maker(A.BinOp)
_Neg = _maker(A.Neg)
_Index = _maker(A.Index)
_Slice = _maker(A.Slice)
_Attribute = _maker(A.Attribute)
_Assign = _maker(A.Assign)
_Unpack = _maker(A.Unpack)
_ExprStmt = _maker(A.ExprStmt)
_Return = _maker(A.Return)
_For = _maker(A.For)
_If = _maker(A.If)
_Require = _maker(A.Require)
_Param = _maker(A.Param)
_Input = _maker(A.Input)
_BlockDef = _maker(A.BlockDef)
_NetworkDef = _maker(A.NetworkDef)
_Import = _maker(A.Import)
_ConstDef = _maker(A.ConstDef)
_Module = _maker(A.Module)

#: binding power of the binary operators below `->` and `if else`: or < and < (not) <
#: comparisons < + - < * / // %; `-` and `**` are parsed by `unary`
_BINARY = {"or": 1, "and": 2, "COMP": 4, "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6}
_SEP = ("NL", ";")
#: tokens that no expression continues with
_ENDS = frozenset({",", ")", "]", "}", "{", ":", ";", "NL", _END})
_PARAM_TYPES = frozenset(A.PARAM_TYPES)
#: the one-token atoms other than names and integers (`atom` takes them)
_LITERALS = frozenset({"true", "false", "none", "FLOAT", "STRING"})


def _string(value: str) -> str:
    if "\\" not in value and value.isprintable():
        return value[1:-1]
    try:
        return string_value(value)
    except (ValueError, TypeError):
        raise Fallback from None


# ---------------------------------------------------------------- the parser


def parse(source: Source) -> A.Module:
    """The module tree of `source`, equal to the Lark path's, spans and comments included.

    Raises:
        Fallback: the text is not one this parser takes (see the module docstring).
    """
    # The parse makes ~10 objects a line and no reference cycles: the cyclic garbage
    # collector's passes over them could never free anything. It is paused during the parse;
    # a long text's tree then goes straight to the oldest generation (`_promote`), where the
    # young collections after the parse (a third of its time) would have moved it anyway.
    collecting = gc.isenabled()
    gc.disable()
    try:
        promote = collecting and len(source.text) >= PROMOTE_CHARS and not gc.get_freeze_count()
        if promote:
            # the young generations then hold nothing made before the parse: what `_promote`
            # moves is the parse's own (and what other threads made meanwhile)
            gc.collect(1)
        module = _Parser(source).module()
        if promote:
            _promote()
        return module
    except RecursionError:
        raise Fallback from None
    finally:
        if collecting:
            gc.enable()


#: texts at least this long (about 1,000 lines; some 20,000 new objects) are parsed with
#: their tree put straight into the garbage collector's oldest generation: the young
#: collection before the parse costs less than the two passes it saves
PROMOTE_CHARS = 32_768


def _promote() -> None:
    """Every object the collector tracks goes to its oldest generation, as if it had survived
    two young collections, without the passes over them (and the young count restarts at
    0, as after a young collection). Only where nothing is frozen: `gc.unfreeze` moves all
    frozen objects, not only these, so `parse` does not call this while anything else is."""
    gc.freeze()
    gc.unfreeze()


_new = object.__new__


class _Parser:
    """One parse: the tokens and the position; one method per group of grammar rules.

    Each node's span runs from token `s` (where its rule started) to the token before
    `self.pos` (the last one its rule took)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        tokens = Tokens(source.text)
        self.tokens = tokens
        self.kinds, self.values, self.lines = tokens.kinds, tokens.values, tokens.lines
        self.cols, self.end_cols = tokens.cols, tokens.end_cols
        self.pos = 0

    def span(self, s: int, e: int) -> Span:
        """The span from the start of token `s` to the end of token `e` (neither an NL)."""
        lines = self.lines
        o = _new(Span)
        d = o.__dict__
        d["source"] = self.source
        d["line"] = lines[s]
        d["col"] = self.cols[s]
        d["end_line"] = lines[e]
        d["end_col"] = self.end_cols[e]
        return o

    def expect(self, kind: str) -> int:
        pos = self.pos
        if self.kinds[pos] != kind:
            raise Fallback
        self.pos = pos + 1
        return pos

    def check_depth(self, depth: int, s: int) -> None:
        """Refuse a subtree whose Lark tree may be deeper than `MAX_DEPTH`: its root at
        `depth`, its tokens from `s` up to the current position.

        Along any path down a Lark tree at most every other node holds no token of its own
        (`expr_stmt`, and `args` or `params` of one item, whose child always holds one), so
        a subtree of T tokens is at most 2T deep."""
        if depth - 1 + 2 * (self.pos - s) > MAX_DEPTH:
            raise Fallback

    # ------------------------------------------------------------ module items

    def module(self) -> A.Module:
        kinds = self.kinds
        items: list[Any] = []
        self.skip_seps()
        while kinds[self.pos] != _END:
            items.append(self.item())
            if kinds[self.pos] in _SEP:
                self.skip_seps()
            elif kinds[self.pos] != _END:
                raise Fallback
        tokens = self.tokens
        if not tokens.count:
            span = _Span(self.source, 0, 0, 0, 0)
        else:
            end_line, end_col = tokens.end(tokens.count - 1)
            span = _Span(self.source, tokens.lines[0], tokens.cols[0], end_line, end_col)
        return _Module(tuple(items), span, tuple(tokens.comments))

    def skip_seps(self) -> None:
        kinds, pos = self.kinds, self.pos
        while kinds[pos] == "NL" or kinds[pos] == ";":
            pos += 1
        self.pos = pos

    def item(self) -> Any:
        kinds, s = self.kinds, self.pos
        k = kinds[s]
        if k == "block" or k == "network":
            return self.block_def(k == "network")
        if k == "import":
            self.pos = s + 1
            tok = self.expect("STRING")
            return _Import(_string(self.values[tok]), self.span(s, tok))
        if k == "require":
            self.pos = s + 1
            node = _Require(self.expr(), self.span(s, self.pos - 1))
        elif k == "NAME" and kinds[s + 1] == "=":
            self.pos = s + 2
            node = _ConstDef(self.values[s], self.expr(), self.span(s, self.pos - 1))
        else:
            raise Fallback
        self.check_depth(2, s)
        return node

    def block_def(self, network: bool) -> A.BlockDef | A.NetworkDef:
        s = self.pos
        self.pos = s + 1
        name = self.values[self.expect("NAME")]
        self.expect("(")
        params = self.params()
        inputs = self.inputs() if self.kinds[self.pos] == "(" else None
        if network:
            if inputs is None:
                raise Fallback
            body = self.body(4)
            return _NetworkDef(name, params, inputs, body, self.span(s, self.pos - 1))
        body = self.body(4)
        return _BlockDef(name, params, inputs, body, self.span(s, self.pos - 1))

    def params(self) -> tuple[A.Param, ...]:
        """After `(`: the parameters and the closing `)`."""
        return self.separated(")", self.param, [])

    def param(self) -> A.Param:
        kinds, values = self.kinds, self.values
        s = self.expect("NAME")
        type_ = default = None
        if kinds[self.pos] == ":":
            self.pos += 1
            type_ = values[self.expect("NAME")]
            if type_ not in _PARAM_TYPES:
                raise Fallback
        if kinds[self.pos] == "=":
            self.pos += 1
            default = self.expr()
        self.check_depth(4, s)
        return _Param(values[s], type_, default, self.span(s, self.pos - 1))

    def inputs(self) -> tuple[A.Input, ...]:
        self.pos += 1
        if self.kinds[self.pos] == ")":
            raise Fallback
        return self.separated(")", self.input, [])

    def input(self) -> A.Input:
        kinds = self.kinds
        s = self.expect("NAME")
        shape = None
        if kinds[self.pos] == ":":
            self.pos += 1
            shape = self.expr()
        unbatched = kinds[self.pos] == "unbatched"
        if unbatched:
            self.pos += 1
        self.check_depth(4, s)
        return _Input(self.values[s], shape, self.span(s, self.pos - 1), unbatched)

    def separated(self, close: str, one: Any, items: list[Any]) -> tuple[Any, ...]:
        """`items`, then what `one` parses, separated by commas (one may end them), up to
        the token `close`, which it takes."""
        kinds = self.kinds
        while kinds[self.pos] != close:
            items.append(one())
            if kinds[self.pos] == ",":
                self.pos += 1
            elif kinds[self.pos] != close:
                raise Fallback
        self.pos += 1
        return tuple(items)

    # ------------------------------------------------------------ statements

    def body(self, depth: int) -> tuple[Any, ...]:
        """`{ statements }`; `depth`: the Lark depth of its statements (a body inside an
        expression passes a negative one: the enclosing statement's check covers it)."""
        kinds = self.kinds
        self.expect("{")
        self.skip_seps()
        out = []
        stmt = self.stmt
        while kinds[self.pos] != "}":
            out.append(stmt(depth))
            k = kinds[self.pos]
            if k == "NL" or k == ";":
                self.skip_seps()
            elif k != "}":
                raise Fallback
        self.pos += 1
        return tuple(out)

    def stmt(self, depth: int) -> Any:
        kinds, values = self.kinds, self.values
        s = self.pos
        k = kinds[s]
        if k == "NAME" and kinds[s + 1] == "=":
            self.pos = s + 2
            node = _Assign(values[s], self.expr(), self.span(s, self.pos - 1))
        elif k == "if":
            return self.if_stmt(depth)
        elif k == "for":
            return self.for_stmt(depth)
        elif k == "return":
            self.pos = s + 1
            node = _Return(self.expr(), self.span(s, self.pos - 1))
        elif k == "require":
            self.pos = s + 1
            node = _Require(self.expr(), self.span(s, self.pos - 1))
        else:
            value = self.expr()
            if kinds[self.pos] == "=":
                node = self.unpack(s, value)
            else:
                node = _ExprStmt(value, self.span(s, self.pos - 1))
        if depth - 1 + 2 * (self.pos - s) > MAX_DEPTH:  # self.check_depth(depth, s), inline
            raise Fallback
        return node

    def unpack(self, s: int, targets: Any) -> A.Unpack:
        """``(a, b) = value``, `targets` parsed as the tuple literal it reads as."""
        if type(targets) is not A.TupleLit:
            raise Fallback
        span = targets.span
        if (span.line, span.col) != (self.lines[s], self.cols[s]):
            raise Fallback  # `((a, b)) = ...` is no unpack
        if any(type(t) is not A.Name for t in targets.items):
            raise Fallback
        self.pos += 1
        value = self.expr()
        return _Unpack(tuple(t.id for t in targets.items), value, self.span(s, self.pos - 1))

    def if_stmt(self, depth: int) -> A.If:
        kinds = self.kinds
        s = self.pos
        self.pos += 1
        test = self.expr()
        self.check_depth(depth + 1, s + 1)
        branches = [(test, self.body(depth + 2))]
        while kinds[self.pos] == "elif":
            self.pos += 1
            t = self.pos
            test = self.expr()
            self.check_depth(depth + 2, t)
            branches.append((test, self.body(depth + 3)))
        orelse = None
        if kinds[self.pos] == "else":
            self.pos += 1
            orelse = self.body(depth + 2)
        return _If(tuple(branches), orelse, self.span(s, self.pos - 1))

    def for_stmt(self, depth: int) -> A.For:
        kinds, values = self.kinds, self.values
        s = self.pos
        self.pos += 1
        if kinds[self.pos] == "(":
            self.pos += 1
            names = [values[self.expect("NAME")]]
            while kinds[self.pos] == ",":
                self.pos += 1
                if kinds[self.pos] == ")" and len(names) > 1:
                    break
                names.append(values[self.expect("NAME")])
            if len(names) < 2:
                raise Fallback
            self.expect(")")
            targets = tuple(names)
        else:
            targets = (values[self.expect("NAME")],)
        self.expect("in")
        t = self.pos
        iterable = self.expr()
        self.check_depth(depth + 1, t)
        body = self.body(depth + 2)
        return _For(targets, iterable, body, self.span(s, self.pos - 1))

    # ------------------------------------------------------------ expressions

    def expr(self) -> Any:
        """``pipe``: conditional expressions joined by `->` (a pipe first stage is flattened)."""
        s = self.pos
        kinds = self.kinds
        if kinds[s + 1] in _ENDS:  # a lone name, number...: no operator to look for
            k = kinds[s]
            if k == "NAME" or k == "INT":
                return self.leaf(s, k)
            if k in _LITERALS:
                return self.atom()
        left = self.binary(1)
        k = kinds[self.pos]
        if k == "if":
            left = self.cond_rest(s, left)
            k = kinds[self.pos]
        if k != "->":
            return left
        stages = list(left.stages) if type(left) is A.Pipe else [left]
        while kinds[self.pos] == "->":
            self.pos += 1
            stages.append(self.cond())
        return _Pipe(tuple(stages), self.span(s, self.pos - 1))

    def cond(self) -> Any:
        s = self.pos
        then = self.binary(1)
        if self.kinds[self.pos] != "if":
            return then
        return self.cond_rest(s, then)

    def cond_rest(self, s: int, then: Any) -> A.CondExpr:
        """``then if test else orelse``, after `then`."""
        self.pos += 1
        test = self.binary(1)
        self.expect("else")
        orelse = self.cond()
        return _CondExpr(test, then, orelse, self.span(s, self.pos - 1))

    def binary(self, min_power: int) -> Any:
        """The binary operators of `_BINARY` with power >= `min_power`, and `not`."""
        kinds = self.kinds
        s = self.pos
        if kinds[s] == "not":
            if min_power > 3:
                raise Fallback
            self.pos = s + 1
            left = _Not(self.binary(3), self.span(s, self.pos - 1))
        else:
            left = self.primary()
        power = _BINARY.get(kinds[self.pos])
        if power is None or power < min_power:
            return left
        binary, primary = self.binary, self.primary
        while True:
            k = kinds[self.pos]
            power = _BINARY.get(k)
            if power is None or power < min_power:
                return left
            self.pos += 1
            if power == 6:
                left = _BinOp(k, left, primary(), self.span(s, self.pos - 1))
            elif power == 5:
                left = _BinOp(k, left, binary(6), self.span(s, self.pos - 1))
            elif power == 4:
                op = self.values[self.pos - 1]
                left = _Compare(op, left, binary(5), self.span(s, self.pos - 1))
                if kinds[self.pos] == "COMP":  # comparisons do not chain
                    raise Fallback
            elif power == 2:
                left = _BoolOp("and", left, binary(3), self.span(s, self.pos - 1))
            else:
                left = _BoolOp("or", left, binary(2), self.span(s, self.pos - 1))

    def primary(self) -> Any:
        """``unary``: ``-x`` (a negated number literal folds into the literal), then
        ``x ** y``, then an atom with its indexing, slicing and attributes."""
        kinds = self.kinds
        s = self.pos
        k = kinds[s]
        if k == "-":
            self.pos = s + 1
            operand = self.primary()
            span = self.span(s, self.pos - 1)
            if type(operand) is A.IntLit:
                return _IntLit(-operand.value, span)
            if type(operand) is A.FloatLit:
                return _FloatLit(-operand.value, span)
            return _Neg(operand, span)
        if k == "NAME" and kinds[s + 1] == "(":
            node = self.call()
        elif k == "NAME" or k == "INT":
            node = self.leaf(s, k)
        else:
            node = self.atom()
        k = kinds[self.pos]
        while k == "[" or k == ".":
            if k == "[":
                node = self.subscript(s, node)
            else:
                self.pos += 1
                name = self.values[self.expect("NAME")]
                node = _Attribute(node, name, self.span(s, self.pos - 1))
            k = kinds[self.pos]
        if k == "**":
            self.pos += 1
            return _BinOp("**", node, self.primary(), self.span(s, self.pos - 1))
        return node

    def leaf(self, s: int, kind: str) -> A.Name | A.IntLit:
        """The name or integer at token `s` (of `kind`)."""
        self.pos = s + 1
        value = self.values[s]
        span = _new(Span)  # self.span(s, s), inline: a third of all spans
        d = span.__dict__
        d["source"] = self.source
        d["line"] = d["end_line"] = self.lines[s]
        d["col"] = self.cols[s]
        d["end_col"] = self.end_cols[s]
        if kind == "NAME":
            node = _new(A.Name)
            d = node.__dict__
            d["id"] = value
            d["span"] = span
            return node
        try:
            number = int(value) if value.isdigit() else int_value(value)
        except ValueError:
            raise Fallback from None
        return _IntLit(number, span)

    def subscript(self, s: int, value: Any) -> Any:
        kinds = self.kinds
        self.pos += 1
        if kinds[self.pos] == ":":
            lower = None
        else:
            lower = self.expr()
            k = kinds[self.pos]
            if k == "]":
                self.pos += 1
                return _Index(value, lower, self.span(s, self.pos - 1))
            if k == ",":
                items = [lower]
                while kinds[self.pos] == ",":
                    self.pos += 1
                    if kinds[self.pos] == "]" and len(items) > 1:
                        break
                    items.append(self.expr())
                self.expect("]")
                span = self.span(s, self.pos - 1)
                return _Index(value, _TupleLit(tuple(items), span), span)
            if k != ":":
                raise Fallback
        self.pos += 1  # the colon
        upper = None if kinds[self.pos] == "]" else self.expr()
        self.expect("]")
        return _Slice(value, lower, upper, self.span(s, self.pos - 1))

    def atom(self) -> Any:
        """The atoms other than names, calls and integers."""
        kinds, values = self.kinds, self.values
        s = self.pos
        k = kinds[s]
        self.pos = s + 1
        if k == "(":
            first = self.expr()
            if kinds[self.pos] == ")":
                self.pos += 1
                return first
            self.expect(",")
            items = self.separated(")", self.expr, [first])
            return _TupleLit(items, self.span(s, self.pos - 1))
        if k == "[":
            return _ListLit(self.separated("]", self.expr, []), self.span(s, self.pos - 1))
        if k == "true" or k == "false":
            return _BoolLit(k == "true", self.span(s, s))
        if k == "FLOAT":
            return _FloatLit(float(values[s]), self.span(s, s))
        if k == "STRING":
            return _StrLit(_string(values[s]), self.span(s, s))
        if k == "none":
            return _NoneLit(self.span(s, s))
        if k == "repeat":
            self.expect("(")
            count = self.expr()
            self.expect(")")
            index = None
            if kinds[self.pos] == "as":
                self.pos += 1
                index = values[self.expect("NAME")]
            body = self.body(-MAX_DEPTH)
            return _Repeat(count, body, index, self.span(s, self.pos - 1))
        raise Fallback

    def call(self) -> A.Call:
        """``name(args)``: positional arguments, then keyword arguments, each name once."""
        kinds, values = self.kinds, self.values
        s = self.pos
        self.pos = s + 2
        positional: list[Any] = []
        keywords: list[A.Kwarg] = []
        names: list[str] = []  # the keywords' names
        expr, span, leaf = self.expr, self.span, self.leaf
        while kinds[self.pos] != ")":
            a = self.pos
            k = kinds[a]
            if k == "NAME" and kinds[a + 1] == "=":
                self.pos = a + 2
                name = values[a]
                if name in names:
                    raise Fallback
                names.append(name)
                k = kinds[a + 2]
                if (k == "NAME" or k == "INT") and kinds[a + 3] in _ENDS:  # expr(), inline
                    value = leaf(a + 2, k)
                else:
                    value = expr()
                keywords.append(_Kwarg(name, value, span(a, self.pos - 1)))
            else:
                if keywords:
                    raise Fallback
                if (k == "NAME" or k == "INT") and kinds[a + 1] in _ENDS:  # expr(), inline
                    positional.append(leaf(a, k))
                elif k == "*":
                    self.pos = a + 1
                    positional.append(_Starred(expr(), span(a, self.pos - 1)))
                else:
                    positional.append(expr())
            k = kinds[self.pos]
            if k == ",":
                self.pos += 1
            elif k != ")":
                raise Fallback
        self.pos += 1
        return _Call(values[s], tuple(positional), tuple(keywords), span(s, self.pos - 1),
                     span(s, s))

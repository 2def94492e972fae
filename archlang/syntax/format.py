"""The canonical printer (`archlang fmt`): AST -> text that parses back to an equal AST."""

from __future__ import annotations

import math
from typing import Any

from archlang.source import Source
from archlang.syntax import ast as A
from archlang.syntax import lexicon
from archlang.syntax.comments import CommentPool, Region, SourceText, emit, end, gather, start
from archlang.syntax.literals import float_text, quote

WIDTH = 100
INDENT = "    "

_BIN_PREC = {"+": 6, "-": 6, "*": 7, "/": 7, "//": 7, "%": 7, "**": 9}


def format_module(module: A.Module) -> str:
    """The module as canonical text, comments kept; ends with one newline (empty: "")."""
    pool = CommentPool(module.comments, _module_source(module))
    printer = _Printer(pool)
    region = ((0, 0), (1 << 62, 0))
    render = printer.item if pool.items else _item_text(printer)
    _, entries, closing = gather(pool, module.items, region, lambda it: render(it, ""))
    closing = sorted(closing + pool.rest(), key=lambda c: (c.line, c.col))
    text = emit(entries, closing, "", "", "items")
    return text + "\n" if text else ""


#: id(item) -> (item, WIDTH, INDENT, its text): module items printed without comments
_ITEM_TEXTS: dict[int, tuple[Any, int, str, str]] = {}
_MAX_ITEM_TEXTS = 4096


def _item_text(printer: _Printer) -> Any:
    """`printer.item`, remembered per item object, for a module without comments.

    With no comment in the pool the printer takes none and finds no bracket (it scans the
    source only for comments), so an item's text depends on the item alone: its nodes,
    their spans (blank lines, a literal's spelling `1K`, read from the span's source text,
    which a `Source` never changes) and the layout constants. The entry holds the item,
    so its id cannot be reused while the entry stands. `Arch.to_arch` prints the blocks of a
    space again and again (every member keeps the ones without decisions as they are).
    """
    printer.remember = True

    def render(item: Any, ind: str) -> str:
        hit = _ITEM_TEXTS.get(id(item))
        if hit is not None and hit[0] is item and hit[1] == WIDTH and hit[2] == INDENT:
            return hit[3]
        text = printer.item(item, ind)
        if len(_ITEM_TEXTS) >= _MAX_ITEM_TEXTS:
            _ITEM_TEXTS.clear()
        _ITEM_TEXTS[id(item)] = (item, WIDTH, INDENT, text)
        return text
    return render


#: id(statement) -> (statement, WIDTH, INDENT, indentation, in brackets, its text), and
#: (ids of a definition's parameters and inputs, its kind, name, indentation, WIDTH, INDENT)
#: -> (parameters, inputs, its header): what `_Printer.remember` keeps, for a module without
#: comments, on the argument of `_item_text` (`Arch.to_arch` prints each member's network
#: anew, from lines and a header that earlier members printed too)
_STMT_TEXTS: dict[int, tuple[Any, int, str, str, bool, str]] = {}
_HEADERS: dict[tuple[Any, ...], tuple[Any, Any, str]] = {}


def format_item(item: A.Item) -> str:
    """One module item (no comments), without a final newline."""
    return _Printer(CommentPool((), None)).item(item, "")


def format_expr(expr: A.Expr) -> str:
    """One expression on the fewest lines the width allows, without a final newline."""
    return _Printer(CommentPool((), None)).expr(expr, 0, 0, "", False)


def _module_source(module: A.Module) -> Source | None:
    for node in (module, *module.items):
        if node.span.source is not None:
            return node.span.source
    return None


# ---------------------------------------------------------------- literals and precedence


def _number_value(text: str, is_int: bool) -> int | float | None:
    if is_int and lexicon.is_int_literal(text):
        return lexicon.int_value(text)
    if not is_int and lexicon.is_float_literal(text):
        return float(text)
    return None


def _is_negative(e: Any) -> bool:
    if isinstance(e, A.IntLit):
        return e.value < 0
    if isinstance(e, A.FloatLit):
        return math.copysign(1.0, e.value) < 0
    return False


def _prec(e: Any) -> int:
    """Binding strength: 0 pipe, 1 conditional, 2 or, 3 and, 4 not, 5 comparison, 6 + -,
    7 * / // %, 8 unary minus, 9 **, 10 postfix, 11 atoms."""
    if isinstance(e, A.BinOp):
        return _BIN_PREC[e.op]
    if isinstance(e, A.BoolOp):
        return 2 if e.op == "or" else 3
    if isinstance(e, (A.IntLit, A.FloatLit)):
        return 8 if _is_negative(e) else 11
    simple = {A.Pipe: 0, A.CondExpr: 1, A.Not: 4, A.Compare: 5, A.Neg: 8, A.Index: 10,
              A.Slice: 10, A.Attribute: 10}
    return simple.get(type(e), 11)


def _parts(e: Any) -> list[Any] | None:
    """An operator node as text pieces and (child, least precedence, in brackets) triples."""
    if isinstance(e, A.Pipe):
        out: list[Any] = []
        for i, stage in enumerate(e.stages):
            out += ([" -> "] if i else []) + [(stage, 1, False)]
        return out
    if isinstance(e, A.CondExpr):
        return [(e.then, 2, False), " if ", (e.test, 2, False), " else ", (e.orelse, 1, False)]
    if isinstance(e, (A.BoolOp, A.Compare, A.BinOp)):
        p = _prec(e)
        left, right = {5: (6, 6), 9: (10, 8)}.get(p, (p, p + 1))
        return [(e.left, left, False), f" {e.op} ", (e.right, right, False)]
    if isinstance(e, A.Not):
        return ["not ", (e.operand, 4, False)]
    if isinstance(e, A.Neg):
        nested = isinstance(e.operand, A.Neg) or _is_negative(e.operand)
        return ["-", (e.operand, 11 if nested else 8, False)]
    if isinstance(e, A.Index) and isinstance(e.index, A.TupleLit) and len(e.index.items) > 1:
        out = [(e.value, 10, False), "["]  # `long[2, E]`: several indices
        for i, item in enumerate(e.index.items):
            out += ([", "] if i else []) + [(item, 0, True)]
        return out + ["]"]
    if isinstance(e, A.Index):
        return [(e.value, 10, False), "[", (e.index, 0, True), "]"]
    if isinstance(e, A.Slice):
        lower = [(e.lower, 0, True)] if e.lower is not None else []
        upper = [(e.upper, 0, True)] if e.upper is not None else []
        return [(e.value, 10, False), "[", *lower, ":", *upper, "]"]
    if isinstance(e, A.Starred):
        return ["*", (e.value, 0, True)]
    if isinstance(e, A.Attribute):
        numeric = isinstance(e.value, (A.IntLit, A.FloatLit))  # `1.x` would lex as `1.` `x`
        return [(e.value, 12 if numeric else 10, False), "." + e.name]
    return None


def _next(pos: tuple[int, int] | None) -> tuple[int, int] | None:
    return (pos[0], pos[1] + 1) if pos is not None else None


def _advance(col: int, text: str) -> int:
    nl = text.rfind("\n")
    return col + len(text) if nl < 0 else len(text) - nl - 1


def _is_table(e: Any) -> bool:
    """A list of tuples or lists whose rows start on different source lines."""
    if not isinstance(e, A.ListLit) or not e.items:
        return False
    if not all(isinstance(i, (A.TupleLit, A.ListLit)) for i in e.items):
        return False
    first, last = start(e.items[0]), start(e.items[-1])
    return first is not None and last is not None and first[0] != last[0]


# ---------------------------------------------------------------- the printer


class _Printer:
    """Lays out nodes: `ind` is the indentation of the current line, `col` the column where
    the node starts, `br` whether it sits inside ( ) or [ ] (where new lines are dropped, so
    statements in bodies need `;`)."""

    def __init__(self, pool: CommentPool) -> None:
        self.pool = pool
        self._flat: dict[int, str] = {}
        self._table: dict[int, bool] = {}
        self._texts: dict[int, SourceText] = {}
        #: no comment in the pool: statements and headers printed once per object
        #: (`_item_text`; `_stmt_text`, `_definition`)
        self.remember = False

    # ------------------------------------------------------------ module items

    def item(self, it: Any, ind: str) -> str:
        if isinstance(it, A.Import):
            return "import " + quote(it.path)
        if isinstance(it, A.ConstDef):
            return self._prefixed(f"{it.name} = ", it.value, ind, False)
        if isinstance(it, (A.BlockDef, A.NetworkDef)):
            return self._definition(it, ind)
        return self.stmt(it, ind, False)

    def _definition(self, d: A.BlockDef | A.NetworkDef, ind: str) -> str:
        if not self.remember:
            head, after = self._header(d, ind)
            return head + " " + self.body(d.body, self._region(after, d.body), ind, False)
        # no comments: the header depends on these alone, and the body has no region
        key = (id(d.params), id(d.inputs), type(d), d.name, ind, WIDTH, INDENT)
        hit = _HEADERS.get(key)
        if hit is None or hit[0] is not d.params or hit[1] is not d.inputs:
            if len(_HEADERS) >= _MAX_ITEM_TEXTS:
                _HEADERS.clear()
            hit = _HEADERS[key] = (d.params, d.inputs, self._header(d, ind)[0])
        return hit[2] + " " + self.body(d.body, None, ind, False)

    def _header(self, d: A.BlockDef | A.NetworkDef, ind: str) -> tuple[str, Any]:
        """The header on one line if it fits; else the parameters one a line, then (if the
        line `) (inputs) {` still does not fit) the inputs too. With where it ends."""
        kw = "block" if isinstance(d, A.BlockDef) else "network"
        inputs = d.inputs or ()
        params_at = self.pool.region(start(d), d.params, "()")
        after = params_at[1] if params_at is not None else None
        inputs_at = self.pool.region(_next(after), inputs, "()") if inputs else None
        flat_params, flat_inputs = self._flat_list(d.params, self._param), self._flat_list(
            inputs, self._input)
        tail = f" ({flat_inputs})" if inputs else ""
        wide = len(ind) + len(f"{kw} {d.name}({flat_params}){tail} {{") > WIDTH
        head = f"{kw} {d.name}" + self._bracketed(
            d.params, params_at, ind, self._param, wide or self.pool.any_in(params_at))
        if inputs:
            wide = _advance(len(ind), head) + len(tail) + 2 > WIDTH
            head += " " + self._bracketed(inputs, inputs_at, ind, self._input,
                                          wide or self.pool.any_in(inputs_at))
            after = inputs_at[1] if inputs_at is not None else None
        if after is None:
            header = [start(d)] + [end(n) for n in (*d.params, *inputs)]
            after = max((p for p in header if p is not None), default=None)
        return head, after

    def _flat_list(self, nodes: tuple[Any, ...], render: Any) -> str:
        self.pool.frozen += 1
        try:
            return ", ".join(render(n, "") for n in nodes)
        finally:
            self.pool.frozen -= 1

    def _bracketed(self, nodes: tuple[Any, ...], region: Region | None, ind: str, render: Any,
                   broken: bool) -> str:
        """`(a, b)`, or with `broken` one node a line (with their comments)."""
        inner = ind + INDENT
        if not nodes or not broken:
            return "(" + ", ".join(render(n, inner) for n in nodes) + ")"
        opening, entries, closing = gather(self.pool, nodes, region, lambda n: render(n, inner))
        lines = emit(entries, closing, inner, ",", "table")
        return "(" + "".join("  " + c.text for c in opening) + "\n" + lines + "\n" + ind + ")"

    def _param(self, p: A.Param, ind: str) -> str:
        text = p.name + (f": {p.type}" if p.type is not None else "")
        return text if p.default is None else self._prefixed(text + " = ", p.default, ind, True)

    def _input(self, i: A.Input, ind: str) -> str:
        text = i.name if i.shape is None else self._prefixed(i.name + ": ", i.shape, ind, True)
        return text + " unbatched" if i.unbatched else text

    # ------------------------------------------------------------ statements

    def stmt(self, s: Any, ind: str, br: bool) -> str:
        if isinstance(s, A.Assign):
            return self._prefixed(f"{s.name} = ", s.value, ind, br)
        if isinstance(s, A.Unpack):
            names = ", ".join(s.names) + ("," if len(s.names) == 1 else "")
            return self._prefixed(f"({names}) = ", s.value, ind, br)
        if isinstance(s, A.ExprStmt):
            return self.expr(s.expr, 0, len(ind), ind, br)
        if isinstance(s, (A.Return, A.Require)):
            kw = "return " if isinstance(s, A.Return) else "require "
            return self._prefixed(kw, s.value if isinstance(s, A.Return) else s.expr, ind, br)
        if isinstance(s, A.For):
            targets = s.targets[0] if len(s.targets) == 1 else f"({', '.join(s.targets)})"
            head = self._prefixed(f"for {targets} in ", s.iterable, ind, br) + " "
            return head + self.body(s.body, self._region(end(s.iterable), s.body), ind, br)
        if isinstance(s, A.If):
            return self._if(s, ind, br)
        raise TypeError(f"not a statement: {type(s).__name__}")

    def _if(self, s: A.If, ind: str, br: bool) -> str:
        out, region = "", None
        for i, (test, body) in enumerate(s.branches):
            out += " elif " if i else "if "
            out += self.expr(test, 0, _advance(len(ind), out), ind, br) + " "
            region = self._region(end(test), body)
            out += self.body(body, region, ind, br)
        if s.orelse is not None:
            after = _next(region[1]) if region is not None else None
            out += " else " + self.body(s.orelse, self._region(after, s.orelse), ind, br)
        return out

    def _region(self, after: Any, stmts: tuple[Any, ...]) -> Region | None:
        return self.pool.region(after, stmts, "{}")

    def body(self, stmts: tuple[Any, ...], region: Region | None, ind: str, br: bool) -> str:
        if self.pool.frozen:
            return "{ " + "; ".join(self.stmt(s, "", True) for s in stmts) + " }" if stmts else "{}"
        inner = ind + INDENT
        if self.remember:
            return self._bare_body(stmts, inner, ind, br)
        opening, entries, closing = gather(self.pool, stmts, region,
                                           lambda s: self.stmt(s, inner, br))
        head = "{" + "".join("  " + c.text for c in opening)
        lines = emit(entries, closing, inner, ";" if br else "", "body")
        return head + "\n" + (lines + "\n" if lines else "") + ind + "}"

    def _bare_body(self, stmts: tuple[Any, ...], inner: str, ind: str, br: bool) -> str:
        """`body` where the pool holds no comment (`remember`): what `gather` and `emit`
        make of statements with nothing to place around them, each statement's lines
        indented, a blank line before one where the source had one."""
        lines: list[str] = []
        prev: int | None = None  # the source line the last statement ended on (0: unknown)
        last = len(stmts) - 1
        for i, s in enumerate(stmts):
            span = s.span
            if prev is not None and prev > 0 and span.line > prev + 1:
                lines.append("")
            lines.append(inner + self._stmt_text(s, inner, br) + (";" if br and i < last else ""))
            prev = span.end_line if span.line > 0 else 0
        return "{\n" + ("\n".join(lines) + "\n" if lines else "") + ind + "}"

    def _stmt_text(self, s: Any, ind: str, br: bool) -> str:
        """`stmt`, printed once per statement object (`remember`: its text depends on it,
        the indentation and the brackets alone, as an item's does in `_item_text`)."""
        hit = _STMT_TEXTS.get(id(s))
        if hit is not None and hit[0] is s and hit[1] == WIDTH and hit[2] == INDENT and \
                hit[3] == ind and hit[4] == br:
            return hit[5]
        text = self.stmt(s, ind, br)
        if len(_STMT_TEXTS) >= _MAX_ITEM_TEXTS:
            _STMT_TEXTS.clear()
        _STMT_TEXTS[id(s)] = (s, WIDTH, INDENT, ind, br, text)
        return text

    # ------------------------------------------------------------ expressions

    def _prefixed(self, prefix: str, e: Any, ind: str, br: bool) -> str:
        return prefix + self.expr(e, 0, len(ind) + len(prefix), ind, br)

    def expr(self, e: Any, prec: int, col: int, ind: str, br: bool) -> str:
        if _prec(e) < prec:
            return "(" + self.expr(e, 0, col + 1, ind, True) + ")"
        if isinstance(e, (A.Call, A.ListLit, A.TupleLit)):
            return self._sequence(e, col, ind)
        if isinstance(e, A.Repeat):
            return self._repeat(e, col, ind, br)
        parts = _parts(e)
        if parts is None:
            return self._atom(e)
        out = []
        for part in parts:
            if isinstance(part, tuple):
                child, least, inner = part
                part = self.expr(child, least, col, ind, br or inner)
            out.append(part)
            col = _advance(col, part)
        return "".join(out)

    def flat(self, e: Any) -> str:
        """`e` on one line, as if it had no comments (cached)."""
        key = id(e)
        if key not in self._flat:
            self.pool.frozen += 1
            try:
                self._flat[key] = self.expr(e, 0, 0, "", True)
            finally:
                self.pool.frozen -= 1
        return self._flat[key]

    def _fits(self, e: Any, col: int) -> bool:
        if self.pool.any_within(e) or self._has_table(e):
            return False
        return col + len(self.flat(e)) <= WIDTH

    def _sequence(self, e: A.Call | A.ListLit | A.TupleLit, col: int, ind: str) -> str:
        if isinstance(e, A.Call):
            head, items, close = e.func + "(", (*e.args, *e.kwargs), ")"
        else:
            head, close = ("[", "]") if isinstance(e, A.ListLit) else ("(", ")")
            items = e.items
        if self.pool.frozen or not items:
            texts = [self._row(i, "", col) for i in items]
            one = isinstance(e, A.TupleLit) and len(items) == 1
            return head + ", ".join(texts) + ("," if one else "") + close
        if self._fits(e, col):
            return self.flat(e)
        inner = ind + INDENT
        region = (start(e), end(e)) if start(e) is not None else None
        opening, entries, closing = gather(self.pool, items, region,
                                           lambda i: self._row(i, inner, len(inner)))
        lines = emit(entries, closing, inner, ",", "table")
        return head + "".join("  " + c.text for c in opening) + "\n" + lines + "\n" + ind + close

    def _row(self, item: Any, ind: str, col: int) -> str:
        if isinstance(item, A.Kwarg):
            return item.name + " = " + self.expr(item.value, 0, col + len(item.name) + 3, ind, True)
        return self.expr(item, 0, col, ind, True)

    def _repeat(self, e: A.Repeat, col: int, ind: str, br: bool) -> str:
        if not self.pool.frozen and br and self._fits(e, col):
            return self.flat(e)
        head = "repeat(" + self.expr(e.count, 0, col + 7, ind, True) + ") "
        if e.index is not None:
            head += f"as {e.index} "
        return head + self.body(e.body, self._region(end(e.count), e.body), ind, br)

    def _atom(self, e: Any) -> str:
        if isinstance(e, A.Name):
            return e.id
        if isinstance(e, A.StrLit):
            return quote(e.value)
        if isinstance(e, A.BoolLit):
            return "true" if e.value else "false"
        if isinstance(e, A.NoneLit):
            return "none"
        if isinstance(e, (A.IntLit, A.FloatLit)):
            return self._number(e)
        raise TypeError(f"not an expression: {type(e).__name__}")

    def _number(self, e: A.IntLit | A.FloatLit) -> str:
        """The literal as written (`1K`, `1e-3`) when its source text says the same value."""
        is_int = isinstance(e, A.IntLit)
        canonical = str(e.value) if is_int else float_text(e.value)
        raw = self._source_slice(e)
        body = raw[1:] if raw.startswith("-") else raw
        if raw.startswith("-") == canonical.startswith("-") and body:
            value = _number_value(body, is_int)
            if value is not None and (-value if raw.startswith("-") else value) == e.value:
                return raw
        return canonical

    def _source_slice(self, e: Any) -> str:
        span = e.span
        if span.source is None or span.line <= 0 or span.line != span.end_line:
            return ""
        text = self._texts.get(id(span.source))
        if text is None:
            text = self._texts[id(span.source)] = SourceText(span.source.text)
        return text.slice((span.line, span.col), (span.end_line, span.end_col))

    def _has_table(self, e: Any) -> bool:
        key = id(e)
        if key not in self._table:
            self._table[key] = _is_table(e) or any(
                self._has_table(c) for c in A.iter_child_nodes(e))
        return self._table[key]


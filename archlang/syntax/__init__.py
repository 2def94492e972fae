"""The language's text: grammar facts, parsing, the program tree, and printing it back.

`fastparse.py` (hand-written, the fast path) and, for whatever it does not take and for every
error, `parser.py` (Lark LALR over grammar/archlang.lark) with `to_ast.py` turn text into the
frozen dataclasses of `ast.py`, which also owns the one walk over a node's children (`walk`,
`NodeVisitor`, `NodeTransformer`); `errors.py` labels syntax errors; `format.py` (with
`comments.py`) is the canonical printer, `archlang fmt`; `lexicon.py` holds the keywords and
number syntax (checked against the grammar) and `literals.py` the one spelling of a value as
an AST literal and as text. Nothing here imports the IR.
"""

"""The registry of diagnostic codes: for each code its title, a one-line explanation, an example.

One code names one kind of problem; `Diagnostic` refuses a code that is not listed here, and
`archlang explain-error CODE` prints the entry. The README's table of codes is `markdown_table()`
(a test keeps the two equal). Ranges: E1xx syntax, E2xx names and imports, E3xx arguments and
types, E4xx shapes, E5xx decisions, spaces and rewrites, E6xx limits. ``Ex00`` is the fallback
of each error class, for a problem that has no code of its own yet.

    >>> lookup("E202").title
    'unknown op or block'
    >>> lookup("E2O2")
    Traceback (most recent call last):
    ...
    KeyError: 'unknown error code `E2O2`; did you mean `E202`?'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    """One kind of problem: ``E202``, "unknown op or block", what it means, a snippet."""

    code: str
    title: str
    explanation: str
    #: a short `.arch` snippet that gives this error, where one helps
    example: str | None = None


def _net(layers: str) -> str:
    """An example network that applies `layers` to its input."""
    return f"network n() (x: [1, 8, 8]) {{\n    return x -> {layers}\n}}"


_ENTRIES = [
    ErrorCode("E000", "an archlang error", "A problem without a code of its own (a fallback)."),
    # ------------------------------------------------------------ E1xx syntax
    ErrorCode("E100", "unexpected token", "The parser met a token the grammar does not allow "
              "there; the message lists what it expected.", "x = 1 )"),
    ErrorCode("E101", "missing `{` after a block header", "A block or network header must be "
              "followed by its body in braces.", "block b() relu()"),
    ErrorCode("E102", "network without inputs", "A network declares its input tensors and "
              "their shapes after its parameters.", "network n() { }"),
    ErrorCode("E103", "incomplete expression", "An operator, `->` or `=` has nothing on its "
              "right.", "c = 1 +"),
    ErrorCode("E104", "two expressions in a row", "Two values stand side by side with no "
              "operator or new line between them.", "c = 1 2"),
    ErrorCode("E105", "unknown parameter type", "A parameter's type is not one of the types "
              "the language knows.", "block b(c: integer) { relu() }"),
    ErrorCode("E106", "argument given twice", "A call names the same keyword argument twice.",
              _net("conv2d(8, 3, stride = 1, stride = 2)")),
    ErrorCode("E107", "positional argument after a keyword argument", "Positional arguments "
              "come before keyword arguments.",
              _net("conv2d(out = 8, 3)")),
    ErrorCode("E108", "invalid escape in a string", "String escapes are Python's; this one is "
              "not.", 'import "a\\qb"'),
    ErrorCode("E109", "`else` on the line after `}`", "`else` and `elif` must follow the `}` "
              "of the previous branch on the same line."),
    ErrorCode("E110", "keyword used as a name", "A reserved word stands where a name is "
              "expected.", "repeat = 3"),
    ErrorCode("E111", "integer literal too long", "An integer has more digits than archlang "
              "converts."),
    ErrorCode("E112", "unpacking into a non-name", "The left of `(a, b) = ...` must be names "
              "only.", "network n() (x: [1, 8, 8]) {\n    (a, 1) = (x, x)\n    return a\n}"),
    # ------------------------------------------------------------ E2xx names and imports
    ErrorCode("E200", "name error", "A problem with a name, without a code of its own (a "
              "fallback)."),
    ErrorCode("E201", "unknown name", "An expression reads a name that no parameter, "
              "assignment, loop or constant defines.",
              _net("conv2d(width, 3)")),
    ErrorCode("E202", "unknown op or block", "A call names no primitive op, block or builtin.",
              _net("conv2(16, 3)")),
    ErrorCode("E204", "defined both here and by an import", "A definition has the name of one "
              "an import brings in."),
    ErrorCode("E205", "defined twice", "Two definitions in one file have the same name."),
    ErrorCode("E206", "import cycle", "Files import each other in a cycle."),
    ErrorCode("E207", "file not found or unreadable", "An imported or given file does not "
              "exist or cannot be read as UTF-8 text.", 'import "stdlib/blokcs.arch"'),
    ErrorCode("E208", "import leaves the folder", "An import may reach the importing file's "
              "folder, its subfolders and `stdlib/...`, nothing else.", 'import "../x.arch"'),
    ErrorCode("E209", "constant defined in terms of itself", "Constants refer to each other in "
              "a cycle.", "A = B\nB = A\n" + _net("conv2d(A, 3)")),
    ErrorCode("E210", "which network?", "A file has several networks (or none of the name "
              "asked for) and the command did not say which one to use."),
    ErrorCode("E211", "two ops under one name", "Two Python classes are registered as one op "
              "name (`archlang.op`, `--ops`); give one another name with `name=`."),
    ErrorCode("E212", "user op shadows a built-in op", "A user op (`archlang.op`) takes the "
              "name of a built-in op; give it another name with `name=`."),
    ErrorCode("E213", "`--ops` module does not import", "A module named by `--ops` or by "
              "`[tool.archlang] ops` in pyproject.toml is missing or fails while importing."),
    ErrorCode("E214", "`.arch` file imports Python", "A `.arch` file never imports or runs "
              "Python; the command line (`--ops MODULE`) or pyproject.toml says which "
              "Python modules register ops.", 'import "my_ops.py"'),
    # ------------------------------------------------------------ E3xx arguments and types
    ErrorCode("E300", "type error", "A problem with a value's type, without a code of its own "
              "(a fallback)."),
    ErrorCode("E301", "argument of the wrong type", "A parameter or argument receives a value "
              "of a type it does not take."),
    ErrorCode("E303", "unknown keyword argument", "A call passes a keyword that the op, block, "
              "network or primitive has no parameter for."),
    ErrorCode("E304", "too many arguments", "A call passes more positional arguments than "
              "there are parameters."),
    ErrorCode("E305", "missing argument", "A parameter without a default gets no value (a "
              "network's parameters all need defaults)."),
    ErrorCode("E306", "parameter given twice", "A parameter gets a value both by position and "
              "by keyword."),
    ErrorCode("E307", "no tensor returned", "A block or network body must end with, or "
              "return, a tensor."),
    ErrorCode("E308", "bad network input shape", "A network input needs a shape: a list of "
              "positive integers, without the batch dimension."),
    ErrorCode("E309", "no tensor to apply a layer to", "A layer line has no current tensor "
              "before it to feed on."),
    ErrorCode("E310", "statement computes no layer or tensor", "A bare statement must compute "
              "a layer or a tensor; bind other values to names."),
    ErrorCode("E311", "bad `for` loop table", "A `for` loop must run over a list, and each "
              "row must unpack into its names."),
    ErrorCode("E312", "block or network used as a value", "A block is called to make a layer; "
              "a network cannot be used as a layer."),
    ErrorCode("E313", "bad builtin call", "A builtin (`channels`, `min`, `make_divisible`, "
              "...) got arguments it cannot use."),
    ErrorCode("E314", "`->` needs a tensor and a layer", "The left of `->` must be a tensor "
              "and the right a layer."),
    ErrorCode("E315", "operator on unsupported types", "An arithmetic, comparison, negation "
              "or index operator got operands it does not apply to."),
    ErrorCode("E316", "division by zero", "An expression divides by zero.",
              _net("conv2d(8 // 0, 3)")),
    ErrorCode("E317", "index out of range", "A list index is outside the list."),
    ErrorCode("E318", "unknown attribute", "Only tensors have attributes: `.shape` and "
              "`.channels`."),
    ErrorCode("E319", "invalid op argument", "An op's argument fails the op's own check (an "
              "even kernel where odd is needed, a negative size, ...)."),
    ErrorCode("E320", "wrong number of input tensors", "An op or block gets more or fewer "
              "input tensors than it takes."),
    ErrorCode("E321", "copy index outside its repeat", "The name given by `repeat(n) as i` "
              "exists only inside that repeat's body.",
              "network n() (x: [1, 8, 8]) {\n    h = x -> repeat(2) as i { relu() }\n"
              "    return h -> conv2d(i + 1, 3)\n}"),
    ErrorCode("E322", "choice over one list", "`choice(xs)` with one list argument would be a "
              "choice with a single candidate; `choice(*xs)` chooses among the list's items.",
              "OPS = [1, 2]\nnetwork n() (x: [1, 8, 8]) {\n    return x -> conv2d(choice(OPS), 3)"
              "\n}"),
    ErrorCode("E323", "cannot unpack", "`(a, b) = value` needs a list or tuple of exactly as "
              "many items as names."),
    ErrorCode("E324", "bad `shared`", "`shared(name, block(...))` takes a name (a string that "
              "is an identifier) and a block call, whose decisions every application of that "
              "name shares.", _net('shared("normal", relu())')),
    ErrorCode("E330", "bad module name", "A layer's `name = ...` must be a string literal "
              "holding a Python identifier (its attribute in the generated module), or `none` "
              "on a block call, so that the block's layers join the enclosing module."),
    ErrorCode("E331", "two layers share a module name", "Two layers of one generated module "
              "are given the same `name`; each attribute of a module needs its own."),
    ErrorCode("E333", "user op raised", "A user op's constructor, forward or shape rule "
              "raised while archlang built it on the meta device; the message is the Python "
              "exception's (`--traceback` shows its traceback)."),
    ErrorCode("E334", "user op cannot run on the meta device", "archlang infers a user op's "
              "output shape by running it on the `meta` device; a forward that depends on "
              "the data (boolean masks, `nonzero`) cannot run there: give the op an explicit "
              "`shape=` rule."),
    ErrorCode("E335", "user op returns a non-tensor", "A user op's forward must return one "
              "tensor (not a tuple, a list or None)."),
    # ------------------------------------------------------------ E4xx shapes
    ErrorCode("E400", "shape error", "A problem with a tensor shape, without a code of its own "
              "(a fallback)."),
    ErrorCode("E401", "incompatible shapes", "An op cannot take tensors of these shapes; the "
              "notes name the decisions the shapes come from."),
    ErrorCode("E402", "task data does not fit the network", "The task's data has another "
              "input shape (or number of classes) than the network declares; the search is "
              "refused before its first trial."),
    # ------------------------------------------------------------ E5xx decisions and spaces
    ErrorCode("E500", "space error", "A problem with decisions or a space, without a code of "
              "its own (a fallback)."),
    ErrorCode("E501", "open decisions", "The command needs a decided network, but decisions "
              "are open: fix them with `--set KEY=VALUE` or pick with `--seed N`."),
    ErrorCode("E502", "value outside its domain", "An assignment gives a decision a value it "
              "cannot take."),
    ErrorCode("E503", "bad hyper primitive", "`choice`, `int`, `float` or `subset` got "
              "arguments it cannot use (no candidates, empty bounds, ...).",
              _net("conv2d(8, int(5, 3))")),
    ErrorCode("E504", "mixed candidates", "A choice's candidates must all be values, all layers "
              "or all tensors."),
    ErrorCode("E505", "decision under a searched `if`", "A decision cannot be declared inside "
              "an `if` whose test depends on decisions."),
    ErrorCode("E506", "`for` over a decision", "A `for` loop runs over a fixed table; use "
              "`repeat(n) { ... }` for a searched number of copies."),
    ErrorCode("E507", "two decisions with one key", "Two decisions get the same key; bind one "
              "of them to a different name."),
    ErrorCode("E508", "candidate listed twice", "A choice lists the same value twice.",
              _net("conv2d(8, choice(3, 3))")),
    ErrorCode("E509", "bad repeat count", "A repeat count must be a non-negative int or an int "
              "decision, not an expression over decisions."),
    ErrorCode("E510", "decision in a constant", "Constants are fixed; declare decisions inside "
              "a network or block."),
    ErrorCode("E511", "no such decision", "An assignment names a key the space has no decision "
              "for."),
    ErrorCode("E512", "inactive decision", "An assignment gives a value to a decision that the "
              "other values switch off."),
    ErrorCode("E513", "not an archlang space", "A JSON file is not a space written by "
              "archlang."),
    ErrorCode("E514", "requirement does not hold", "A `require` statement is false for this "
              "network."),
    ErrorCode("E515", "candidate never valid", "`archlang check` found a decision value that "
              "never makes a valid network, or that a requirement always rejects."),
    ErrorCode("E516", "decision already fixed", "A decision fixed in the space cannot be bound "
              "again."),
    ErrorCode("E517", "grid search over an infinite space", "Grid search needs a finite space; "
              "a float range has no grid."),
    ErrorCode("E518", "no member meets the requirements", "The `require` statements of a "
              "space exclude every member (or sampling found none that meets them)."),
    ErrorCode("E519", "shared decision disagrees", "The applications of one "
              "`shared(name, ...)` declare a decision differently: other candidates, or "
              "under another parent decision."),
    ErrorCode("E520", "rewrite error", "A rewrite of a space failed, without a code of its own "
              "(a fallback)."),
    ErrorCode("E521", "bad rewrite target", "A rewrite names a path, definition or import that "
              "it cannot edit."),
    ErrorCode("E522", "rule matches too few nodes", "A rewrite rule matched fewer nodes than it "
              "asked for."),
    ErrorCode("E523", "rewrite breaks the network", "The rewritten program no longer "
              "elaborates; nothing was changed."),
    ErrorCode("E524", "cannot widen", "The layer to widen has no such argument."),
    ErrorCode("E525", "rewrite removes the network", "After the rewrite the program no longer "
              "defines the network being edited."),
    ErrorCode("E526", "value with no literal", "A rewrite inserts a Python value that has no "
              "archlang literal (a set, an object, NaN, ...)."),
    # ------------------------------------------------------------ E6xx limits
    ErrorCode("E600", "limit exceeded", "An input exceeds a limit, without a code of its own "
              "(a fallback)."),
    ErrorCode("E601", "file too large", "A `.arch` file is longer than the limit."),
    ErrorCode("E602", "brackets nest too deep", "Brackets nest deeper than the limit (200); "
              "split the expression with named values."),
    ErrorCode("E603", "blocks nest too deep", "Blocks apply blocks deeper than the limit (48), "
              "usually a block that applies itself."),
    ErrorCode("E604", "elaboration too large", "Building the network takes too many steps or "
              "makes too many layers."),
    ErrorCode("E605", "value too large", "An arithmetic result is too large to compute.",
              _net("conv2d(10 ** 10 ** 9, 3)")),
    ErrorCode("E606", "too many decisions", "A space has more decisions than the limit."),
    ErrorCode("E607", "too many `subset` candidates", "A `subset` has more candidates than the "
              "limit."),
    ErrorCode("E608", "imports nest too deep", "Imports nest deeper than the limit (32)."),
    ErrorCode("E609", "expression nests too deep", "An expression's operators nest deeper than "
              "the parser's limit (300); split it with named values."),
    ErrorCode("E610", "supernet too large", "The shared weights of a space would not fit the "
              "memory allowed for them."),
    ErrorCode("E611", "repeat makes too many copies", "A repeat count, or a decision it reads, "
              "allows more copies than the limit (1,000).",
              _net("repeat(5000) { relu() }")),
    ErrorCode("E612", "nested repeats make too many copies", "Repeats inside repeats would "
              "make more copies of one body than the limit (10,000), counted from the bounds "
              "of their counts before anything is expanded.",
              _net("repeat(int(1, 1000)) { repeat(int(1, 1000)) { relu() } }")),
]

#: code -> entry, in code order
CODES: dict[str, ErrorCode] = {e.code: e for e in sorted(_ENTRIES, key=lambda e: e.code)}


def lookup(code: str) -> ErrorCode:
    """The registry entry of `code` (case-insensitive).

    Raises:
        KeyError: an unknown code; the message suggests the nearest registered one.
    """
    entry = CODES.get(code.strip().upper())
    if entry is not None:
        return entry
    close = _nearest(code.strip().upper())
    hint = f"; did you mean `{close}`?" if close else ""
    raise KeyError(f"unknown error code `{code}`{hint}")


def _nearest(code: str) -> str | None:
    """The registered code one typo away (`O` for `0` and a missing `E` included)."""
    want = code.replace("O", "0").replace("I", "1")
    want = "E" + want if want.isdigit() else want
    if want in CODES:
        return want
    one_off = [c for c in CODES if len(c) == len(want) and sum(
        a != b for a, b in zip(c, want)) == 1]
    return one_off[0] if one_off else None


def explain(code: str) -> str:
    """What `archlang explain-error CODE` prints: the title, the explanation, an example."""
    entry = lookup(code)
    out = [f"{entry.code}: {entry.title}", "", entry.explanation]
    if entry.example is not None:
        out += ["", "Example:", *("    " + line for line in entry.example.splitlines())]
    return "\n".join(out)


def markdown_table() -> str:
    """The table of codes in the README's "Errors" section."""
    rows = ["| Code | Problem |", "|---|---|"]
    rows += [f"| {e.code} | {e.title} |" for e in CODES.values()]
    return "\n".join(rows)

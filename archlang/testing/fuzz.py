"""Fuzzing the front end: random token soups and mutated programs must end cleanly.

The law every input obeys: `run_pipeline(text)` returns either ``"ok"`` (a valid program
whose networks were counted, sampled, bound and turned into Python source) or the rendered
diagnostic of an `ArchError` that points into the file (``path:line:col: error[...]``).
Anything else — a Python exception of another type, a diagnostic without a location, a run
past the time bound — is a bug. `tests/fuzz/` drives this with hypothesis and replays the
cases found so far from `tests/fuzz/corpus/`.

The strategies here are deliberately grammar-aware but not grammar-bound: they draw tokens
of the language (keywords, punctuation, names of ops, numbers, strings) in random order, and
mutate the example programs by deleting, duplicating, swapping and splicing lines and
tokens, so that most inputs get deep into the parser and many get past it.
"""

from __future__ import annotations

import random
import re
from typing import Any

from hypothesis import strategies as st

from archlang.diagnostics import ArchError
from archlang.syntax import lexicon
from archlang.validate import validate_space

#: the file name inputs are parsed under; located diagnostics start with it
FUZZ_PATH = "fuzz.arch"
#: binds per network: enough to reach codegen, few enough to stay fast
BINDS = 2

KEYWORDS = list(lexicon.KEYWORDS)
PUNCTUATION = ["(", ")", "[", "]", "{", "}", ",", ":", "=", "->", "+", "-", "*", "/", "//",
               "%", "**", "==", "!=", "<", "<=", ">", ">=", ".", "\n", "\n", "\n", "#", "\""]
NAMES = ["x", "y", "h", "net", "b", "c", "k", "width", "choice", "int", "float", "subset",
         "conv2d", "linear", "relu", "add", "concat", "batchnorm2d", "flatten", "Int", "Tensor",
         "stdlib/blocks", "params", "flops", "log", "conv_bn_relu", "maxpool2d", "shared",
         "sum", "states", "i"]
NUMBERS = ["0", "1", "2", "3", "16", "-1", "0.5", "1e3", "10**9", "1_000", "99999999999999999999"]
STRINGS = ['"stdlib/blocks"', '"a"', '"../x"', '""']

TOKENS = KEYWORDS + PUNCTUATION + NAMES + NUMBERS + STRINGS

_TOKEN_RE = re.compile(r"\s+|[A-Za-z_][A-Za-z_0-9]*|\d[\d_.eE]*|->|//|\*\*|[=!<>]=|\"[^\"\n]*\"|.")


def token_soup() -> st.SearchStrategy[str]:
    """Random sequences of the language's tokens, joined by spaces or newlines."""
    token = st.sampled_from(TOKENS)
    sep = st.sampled_from([" ", " ", " ", "\n", "    ", ""])
    return st.lists(st.tuples(token, sep), max_size=60).map(
        lambda pairs: "".join(t + s for t, s in pairs))


def mutated(programs: list[str]) -> st.SearchStrategy[str]:
    """One of `programs` changed by a few random edits (see `mutate`)."""
    return st.tuples(st.sampled_from(programs), st.integers(0, 2**32 - 1),
                     st.integers(1, 4)).map(lambda t: mutate(t[0], random.Random(t[1]), t[2]))


def mutate(text: str, rng: random.Random, edits: int) -> str:
    """Apply `edits` random edits: token and line deletions, duplications, swaps, inserts."""
    for _ in range(edits):
        text = rng.choice(_EDITS)(text, rng)
    return text


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text)


def _delete_token(text: str, rng: random.Random) -> str:
    toks = _tokens(text)
    if toks:
        del toks[rng.randrange(len(toks))]
    return "".join(toks)


def _replace_token(text: str, rng: random.Random) -> str:
    toks = _tokens(text)
    if toks:
        toks[rng.randrange(len(toks))] = rng.choice(TOKENS)
    return "".join(toks)


def _insert_token(text: str, rng: random.Random) -> str:
    toks = _tokens(text)
    toks.insert(rng.randrange(len(toks) + 1), rng.choice(TOKENS))
    return "".join(toks)


def _swap_tokens(text: str, rng: random.Random) -> str:
    toks = _tokens(text)
    if len(toks) > 1:
        i, j = rng.randrange(len(toks)), rng.randrange(len(toks))
        toks[i], toks[j] = toks[j], toks[i]
    return "".join(toks)


def _delete_line(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    if lines:
        del lines[rng.randrange(len(lines))]
    return "".join(lines)


def _duplicate_line(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    if lines:
        i = rng.randrange(len(lines))
        lines.insert(rng.randrange(len(lines) + 1), lines[i])
    return "".join(lines)


def _swap_lines(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def _change_number(text: str, rng: random.Random) -> str:
    spots = list(re.finditer(r"\b\d+\b", text))
    if not spots:
        return text
    m = rng.choice(spots)
    new = rng.choice(["0", "1", "7", "1000", "100000", "10**9", "-3"])
    return text[:m.start()] + new + text[m.end():]


_EDITS = [_delete_token, _replace_token, _insert_token, _swap_tokens, _delete_line,
          _duplicate_line, _swap_lines, _change_number]


def _compiles(arch: Any) -> None:
    compile(arch.source(), "<generated>", "exec")


def run_pipeline(text: str, base: str | None = None) -> str:
    """Parse, elaborate, count, sample, bind and generate code; "ok" or the diagnostic.

    Raises `AssertionError` when an `ArchError` carries no location (or one outside the
    text); lets every other exception through, since any other exception is a bug.
    """
    import archlang

    try:
        program = archlang.parse(text, FUZZ_PATH, base=base)
        for net in program.networks():
            problems = validate_space(program.network(net.name), BINDS, strict=True,
                                      on_member=_compiles)
            if problems:
                raise ArchError.many(problems)
        return "ok"
    except ArchError as err:
        rendered = err.render()
        span = err.span
        assert span is not None, f"diagnostic without a location: {rendered}"
        if span.path == FUZZ_PATH:
            assert 1 <= span.line <= text.count("\n") + 2, f"location outside the text: {rendered}"
        assert rendered.startswith(str(span)), rendered
        return rendered

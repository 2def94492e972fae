"""The generated part of editors/archlang.tmLanguage.json: its rule for builtin and op calls.

The rule that colours calls of builtins and primitive ops lists their names; they come from
`archlang.ir.builtins.BUILTINS` and the op registry, never by hand. After adding an op, run

    python -m archlang.editor.textmate

to rewrite the rule in place (the rest of the file is hand-written and kept as it is);
tests/editor/ fails while the file and the registry disagree.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: the scope of the generated rule, which is how it is found in the file
BUILTIN_SCOPE = "support.function.builtin.archlang"
GRAMMAR_PATH = Path(__file__).resolve().parents[2] / "editors" / "archlang.tmLanguage.json"


def call_names() -> list[str]:
    """The builtins in their declared order, then every registered op, sorted."""
    from archlang.ir.builtins import BUILTINS
    from archlang.ops.registry import all_ops

    return [*BUILTINS, *sorted(set(all_ops()) - set(BUILTINS))]


def call_pattern(names: Iterable[str]) -> str:
    """A TextMate (Oniguruma) regex matching a call of one of `names`: ``relu(``."""
    return r"\b(?:" + "|".join(re.escape(n) for n in names) + r")(?=\s*\()"


def with_call_rule(grammar: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """`grammar` with its builtin-call rule matching exactly `names` (a new dict)."""
    grammar = json.loads(json.dumps(grammar))
    rules = grammar["repository"]["call"]["patterns"]
    rule = next(r for r in rules if r.get("name") == BUILTIN_SCOPE)
    rule["match"] = call_pattern(names)
    return grammar


def render(grammar: dict[str, Any]) -> str:
    """The file text, formatted as the checked-in file is."""
    return json.dumps(grammar, indent=2, ensure_ascii=False) + "\n"


def regenerate(path: Path = GRAMMAR_PATH) -> bool:
    """Rewrite the builtin-call rule of the grammar at `path`; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    new = render(with_call_rule(json.loads(text), call_names()))
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


if __name__ == "__main__":
    changed = regenerate(Path(sys.argv[1]) if len(sys.argv) > 1 else GRAMMAR_PATH)
    print("rewrote the call rule" if changed else "already up to date")

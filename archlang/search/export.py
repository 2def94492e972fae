"""The result files of a search, and how its trials read in one line.

``trials.csv`` (one row per trial, every state), and for one network ``best.json``,
``best.py`` (its generated PyTorch source) and ``best.arch`` (every decision fixed).
`archlang.report.results.write_results` writes these with the report beside them (the
report package sits above search, so search never imports it).

One folder holds the results of one study: `claim_results_folder` records which (the
storage file and the study name, in ``.archlang-study``) the first time and refuses
another study afterwards, so two studies never overwrite each other's ``best.*``.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archlang.ir.decisions import Assignment
from archlang.search.study import Study

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.space import Space

_DIAGNOSTIC = re.compile(r"error\[(E\d+)\]: *(.*)")
#: the file in a results folder naming the study it belongs to
OWNER_FILE = ".archlang-study"


class FolderTaken(Exception):
    """The results folder belongs to another study (`claim_results_folder`)."""


def claim_results_folder(out: Path, storage: str, study: str) -> None:
    """Make `out` the results folder of study `study` of the storage file `storage`
    (created if needed); `FolderTaken` when it holds another study's results, `OSError`
    when it cannot be written."""
    out.mkdir(parents=True, exist_ok=True)
    owner = {"storage": str(Path(storage).resolve()) if storage != ":memory:" else storage,
             "study": study}
    marker = out / OWNER_FILE
    try:  # O_EXCL: of two searches starting at once, one claims the folder
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        try:
            held = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            held = {}
        if held != owner:
            raise FolderTaken(
                f"{out} holds the results of study `{held.get('study', '?')}` (storage "
                f"{held.get('storage', '?')}); give study `{study}` its own --out") from None
        return
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(owner, f)
FIXED_COLUMNS = ["number", "state", "hash", "seconds", "duplicate_of", "error"]


def write_trials_csv(study: Study, path: Path) -> None:
    """One row per trial: the fixed columns, each metric, then the assignment as JSON."""
    metric_names: list[str] = []
    for t in study.trials:
        metric_names += [m for m in t.metrics if m not in metric_names]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(FIXED_COLUMNS + metric_names + ["assignment"])
        for t in study.trials:
            row = [t.number, t.state, t.hash or "", f"{t.seconds:.3f}",
                   "" if t.duplicate_of is None else t.duplicate_of, t.error or ""]
            row += [t.metrics.get(m, "") for m in metric_names]
            writer.writerow(row + [json.dumps(t.assignment)])


def write_best(arch: Arch, summary: dict[str, Any], out: Path) -> list[str]:
    """``best.json`` (`summary`), ``best.py`` and ``best.arch`` of one network; returns a
    warning when ``best.arch`` cannot be printed."""
    (out / "best.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out / "best.py").write_text(arch.source(), encoding="utf-8")
    try:
        text = arch.to_arch()
    except (ImportError, NotImplementedError) as exc:
        return [f"best.arch not written: {exc}"]
    (out / "best.arch").write_text(text, encoding="utf-8")
    return []


def short_assignment(space: Space, assignment: Assignment, width: int | None = None) -> str:
    """The decisions in one line, keys without the network prefix, layer choices by label.

    ``width=32 conv_bn_relu.k=5 repeat=1 repeat[0].choice=residual(width)``
    """
    prefix = space.name + "."
    parts = []
    for key, value in assignment.items():
        d = space.tree.by_key.get(key)
        shown = d.picked_text(value, ",") if d is not None else None
        if shown is not None:
            value = shown
        name = key[len(prefix):] if key.startswith(prefix) else key
        parts.append(f"{name}={value}")
    text = " ".join(parts)
    return text if width is None or len(text) <= width else text[:width - 1] + "…"


def error_line(error: str | None) -> str:
    """A trial's error in one line: ``E514: requirement `...` does not hold`` for a
    rendered diagnostic (its location dropped), else the first line."""
    if not error:
        return "?"
    m = _DIAGNOSTIC.search(error)
    if m is not None:
        return f"{m.group(1)}: {m.group(2).strip()}"
    return error.strip().splitlines()[0]

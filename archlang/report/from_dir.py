"""Read back a finished search from an ``archlang search --out DIR`` folder.

`load_results(DIR)` rebuilds the `Study` from ``trials.csv`` (one row per trial) and finds the
space from ``best.json`` (the searched file and network), so `archlang report --from DIR`
redraws the report without running anything again.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from archlang.search.export import FIXED_COLUMNS
from archlang.search.study import Study, Trial


class ResultsError(Exception):
    """The folder does not hold what `archlang search --out` writes."""


def load_results(folder: str | Path, file: str | None = None,
                 network: str | None = None) -> tuple[Study, Any]:
    """(the study, its space). `file`/`network` override what ``best.json`` says."""
    import archlang

    root = Path(folder)
    best = _read_json(root / "best.json")
    search = best.get("search", {}) if best else {}
    file = file or search.get("file")
    if file is None:
        where = (f"{root}/best.json does not say which .arch file was searched" if best else
                 f"{root} has no best.json (not an `archlang search --out` folder, or no "
                 "trial completed)")
        raise ResultsError(f"{where}: give the file with --file")
    network = network or (best or {}).get("network")
    study = read_trials(root / "trials.csv", (best or {}).get("objective", "val_accuracy"),
                        (best or {}).get("direction", "maximize"))
    return study, archlang.load(file).network(network)


def read_trials(path: Path, objective: str, direction: str) -> Study:
    """A `Study` from a ``trials.csv`` written by `archlang.search.export.write_trials_csv`."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise ResultsError(f"cannot read {path}: {exc.strerror or exc}") from None
    study = Study(objective, direction)
    for row in rows:
        try:
            metrics = {k: _number(v) for k, v in row.items()
                       if k not in FIXED_COLUMNS and k != "assignment" and v not in ("", None)}
            study.trials.append(Trial(
                number=int(row["number"]), assignment=json.loads(row["assignment"]),
                hash=row["hash"] or None, state=row["state"], metrics=metrics,
                seconds=float(row["seconds"] or 0), error=row["error"] or None,
                duplicate_of=int(row["duplicate_of"]) if row["duplicate_of"] else None))
        except (KeyError, ValueError, TypeError) as exc:
            raise ResultsError(f"{path}: row {len(study.trials) + 2} is not a trial "
                               f"({type(exc).__name__}: {exc})") from None
    return study


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsError(f"cannot read {path}: {exc}") from None


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text

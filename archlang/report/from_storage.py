"""Read a search back from its SQLite storage, for `archlang report --storage`.

`load_stored(path, study)` rebuilds the `Study` (trials, objectives) from the study's rows
and its `Space` from the `.arch` file it searched when that file is unchanged, else from the
source text the storage keeps, so a report can be drawn after the file was edited or moved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archlang.search.objectives import Objective
from archlang.search.study import Study


def load_stored(path: str | Path, study_name: str | None = None) -> tuple[Study, Any]:
    """(the study, its space). Raises `StorageError` for a missing file or study, and
    `ArchError` when the stored source no longer loads."""
    import archlang
    from archlang.search.resume import stored_space
    from archlang.search.storage import Storage, StorageError

    storage = Storage(path, readonly=True)
    studies = storage.studies()
    if study_name is None:
        if len(studies) != 1:
            names = ", ".join(f"`{s.name}`" for s in studies) or "none"
            raise StorageError(f"{path} holds {len(studies)} studies ({names}): "
                               "pick one with --study NAME")
        study_name = studies[0].name
    store = storage.open_study(study_name, create=False)
    objectives = [Objective.parse(text) for text in store.field("objectives")] or None
    study = Study(trials=store.trials(), objectives=objectives or [])
    space = stored_space(store)
    if space is None:
        source = archlang.parse(store.field("source"), store.field("path") or "<stored>")
        space = source.network(store.field("network"))
    return study, space

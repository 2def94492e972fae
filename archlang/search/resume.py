"""Resuming a stored study: which of its trials still belong to the space being searched.

`prepare_study` opens (or creates) a study for a space and returns the trials to hand to
`run_search` as ``history``. When the space is the one the study last ran on (same
fingerprint: the text of every `.arch` file of the program, the network, its parameters
and fixed decisions), the stored trials are used as they are. When the `.arch` file was
edited in between, each stored trial is bound again in the edited space:

* it binds to the network it measured (the stored hash): kept, fed to the algorithm;
* it binds, but to another network (the edit changed the layers, a width, the input
  shape...): *stale*. Its metrics describe a network the space no longer builds, so it is
  never credited (not replayed, never the best, not in ``best.json``); it stays in the
  file, marked ``stale``, listed by `archlang trials`, and its assignment may be proposed
  and evaluated again under a new number. A trial still ``running`` is rerun anyway, so
  it is kept whatever its hash;
* it never bound (a failed bind, or a `require` ruled it out) and still fails the same
  way: kept as it was (if it binds now, it is dropped, so it can be proposed again);
* anything else (a decision it sets is gone or has new values, a new decision it lacks,
  a new `require` rules it out, the network no longer builds): dropped. A dropped trial
  stays in the file, marked ``dropped``, but is no longer part of the search.

`Resumed` carries how many were kept, dropped and made stale, for the command to say.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archlang.diagnostics import ArchError
from archlang.search.study import Trial

if TYPE_CHECKING:
    from archlang.ir.space import Space
    from archlang.search.storage import Storage, StudyStore


@dataclass
class Resumed:
    """A study ready to search: its store, the trials to replay, what the edit changed."""

    store: StudyStore
    history: list[Trial]
    #: "new", "same" (the space is unchanged) or "edited"
    status: str
    kept: int = 0
    dropped: list[int] = field(default_factory=list)
    #: trials whose assignment now builds another network than the one they measured
    stale: list[int] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the user, e.g. ``resuming study `x`: 12 trials stored``."""
        if self.status == "new":
            return f"new study `{self.store.name}`"
        done = sum(1 for t in self.history if t.state != "running")
        running = len(self.history) - done
        text = f"resuming study `{self.store.name}`: {done} trials stored"
        if running:
            text += f", {running} interrupted (run again)"
        if self.status == "edited":
            text += (f"; the space was edited: kept {self.kept}, dropped "
                     f"{len(self.dropped)} that no longer fit")
            if self.stale:
                text += (f", {len(self.stale)} stale (the edit changed the network they "
                         "measured: not credited, rerun when proposed again)")
        return text


def space_fingerprint(space: Space) -> tuple[str, str]:
    """``(hash, source)``: a hash of everything that defines the space, and the `.arch`
    text it was read from (every file of the program, the root first)."""
    texts = [m.source.text for m in space.program.modules.values()]
    ident = {"network": space.name, "params": space.params, "fixed": space.fixed}
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True, default=repr).encode())
    for text in texts:
        digest.update(b"\0" + text.encode())
    return digest.hexdigest()[:16], texts[0] if texts else ""


def prepare_study(storage: Storage, name: str, space: Space, *,
                  settings: dict[str, Any] | None = None,
                  objectives: list[str] | None = None) -> Resumed:
    """Open or create study `name` for `space`; reconcile its trials when the space changed."""
    fingerprint, source = space_fingerprint(space)
    root = space.program.root
    path = root.source.path if root is not None else None
    existed = storage.has_study(name)
    store = storage.open_study(name, network=space.name, space_hash=fingerprint,
                               source=source, path=path, settings=settings,
                               objectives=objectives or [])
    if not existed:
        return Resumed(store, [], "new")
    trials = store.trials()
    if store.field("space_hash") == fingerprint:
        store.update(settings=settings or {}, objectives=objectives or [])
        return Resumed(store, trials, "same", kept=len(trials))
    kept, dropped, stale = reconcile(space, trials)
    store.rewrite(kept, dropped, stale)
    store.update(space_hash=fingerprint, source=source, path=path, network=space.name,
                 settings=settings or {}, objectives=objectives or [])
    return Resumed(store, kept, "edited", kept=len(kept), dropped=dropped, stale=stale)


def reconcile(space: Space, trials: list[Trial]) -> tuple[list[Trial], list[int], list[int]]:
    """Split stored trials into those still valid in `space`, the numbers of those to drop
    and the numbers of the stale ones; see the module docstring for the rule."""
    kept: list[Trial] = []
    dropped: list[int] = []
    stale: list[int] = []
    for trial in trials:
        never_bound = trial.hash is None and trial.state != "running"
        try:
            new_hash = space.bind(trial.assignment).hash
        except ArchError as err:
            same_failure = f"[{err.diagnostic.code}]" in (trial.error or "")
            (kept.append(trial) if never_bound and same_failure
             else dropped.append(trial.number))
            continue
        if never_bound:  # its failure to bind no longer holds: let it be proposed again
            dropped.append(trial.number)
            continue
        if trial.state != "running" and trial.hash != new_hash:
            stale.append(trial.number)
            continue
        trial.hash = new_hash  # a trial left running may not have stored one
        kept.append(trial)
    _relink_duplicates(kept, [*dropped, *stale])
    return kept, dropped, stale


def _relink_duplicates(kept: list[Trial], dropped: list[int]) -> None:
    """A kept duplicate whose original was dropped or made stale becomes a trial of its own
    (it keeps the result it reused: that was measured on a network equal to its own)."""
    by_number = {t.number: t for t in kept}
    gone = set(dropped)
    for t in kept:
        if t.duplicate_of is None:
            continue
        original = by_number.get(t.duplicate_of)
        if t.duplicate_of in gone or original is None or original.hash != t.hash:
            t.duplicate_of = None


def stored_space(store: StudyStore) -> Space | None:
    """The study's space loaded from its `.arch` file, when that file is where it was and
    unchanged (same fingerprint); else None."""
    import archlang

    path = store.field("path")
    if not path or not Path(path).is_file():
        return None
    try:  # the space walk runs lazily: run it here, where its failure (a user op whose
        # `--ops` module is not loaded, say) means "cannot load", not an error of the caller
        space = archlang.load(path).network(store.field("network"))
        space.decisions  # noqa: B018
        same = space_fingerprint(space)[0] == store.field("space_hash")
    except (ArchError, OSError):
        return None
    return space if same else None

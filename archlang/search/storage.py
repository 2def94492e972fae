"""Trials on disk: one SQLite file (standard library `sqlite3`, WAL) holding named studies.

    >>> from archlang.search.study import Trial
    >>> storage = Storage(":memory:")
    >>> store = storage.open_study("demo", network="net", space_hash="abc")
    >>> store.finish(Trial(0, {"net.width": 32}, hash="h0", state="complete",
    ...                    metrics={"val_accuracy": 0.9}))
    >>> [(t.number, t.state, t.metrics) for t in storage.open_study("demo").trials()]
    [(0, 'complete', {'val_accuracy': 0.9})]

Layout (``schema_version`` 1 in the ``meta`` table):

* ``studies``: one row per study: its unique ``name``, the ``network``, the space it was
  last run on (``space_hash``, ``source``: the text of the `.arch` files, ``path``), the
  command's ``settings`` and ``objectives`` (JSON) and when it was created and last run.
* ``trials``: one row per trial, keyed by (study, number): ``state`` (running, complete,
  failed, infeasible), ``assignment`` and ``metrics`` (JSON), the network ``hash``,
  ``duplicate_of``, ``error``, ``started`` (epoch seconds), ``seconds``, ``lost`` (how
  many times its worker died: 1 for a trial re-queued once), and ``dropped``:
  0 for a trial of the search, 1 (`DROPPED`) when an edit of the `.arch` file made the
  assignment invalid, 2 (`STALE`) when an edit changed the network the assignment builds,
  so the stored metrics describe another network (`archlang.search.resume`). Dropped and
  stale trials stay on disk for the record but no longer belong to the search.
  (``lost`` came later: opening a file without it adds it, default 0, so files of every
  archlang version read alike and stay at schema 1.)

Durability: every `StudyStore.start` and `StudyStore.finish` commits at once. The database
runs in WAL mode with ``synchronous=NORMAL``: a commit survives the process being killed
(SIGKILL included); only a power loss or an OS crash may lose the last few commits. A
trial still ``running`` when its process died is run again on resume (`archlang.search.loop`).
A trial that evaluated nothing (an equal network) is committed when it ends too, not held
for the next commit: that would save about a tenth of a trial's CPU in a tight search, but
a kill would lose finished trials (benchmarks/README.md, "The loop's own cost").

Several processes may read a storage file while one search writes it (WAL). Only one
search (one *driver*) may write a study at a time: `Storage.lock(name)` takes an exclusive
`fcntl.flock` on a lock file holding the driver's pid, host and start time, and raises
`StudyLocked` naming them when another process holds it. The lock file is named after the
database file itself (its device and inode, `lock_path`), not after the path it was
reached by, so a symlink, a hard link or a relative path to the same file takes the same
lock; it lives in one folder of the machine's temporary directory (``archlang-locks``),
which every local process sees. The kernel drops a flock when its process dies, so a
driver killed with SIGKILL leaves no stale lock: the rerun takes it over (the file stays,
its text is rewritten). Forked children close their copy (a worker cannot keep a dead
driver's lock). flock works between processes of one machine (and most local file
systems); on a network file system two hosts may not see each other's locks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import sqlite3
import tempfile
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archlang.search.jsontext import dumps
from archlang.search.study import Trial

SCHEMA_VERSION = 1
MEMORY = ":memory:"
#: values of the ``dropped`` column besides 0
DROPPED, STALE = 1, 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    network TEXT,
    space_hash TEXT,
    source TEXT,
    path TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    objectives TEXT NOT NULL DEFAULT '[]',
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'failed', 'infeasible')),
    assignment TEXT NOT NULL,
    hash TEXT,
    metrics TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    duplicate_of INTEGER,
    started REAL,
    seconds REAL NOT NULL DEFAULT 0,
    dropped INTEGER NOT NULL DEFAULT 0,
    lost INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (study_id, number)
);
"""
_TRIAL_COLUMNS = ("number, state, assignment, hash, metrics, error, duplicate_of, started, "
                  "seconds, lost")
_WRITE_TRIAL = (f"INSERT OR REPLACE INTO trials (study_id, {_TRIAL_COLUMNS}, dropped) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")


class StorageError(Exception):
    """The storage file cannot be used (not a database, a newer schema, no such study)."""


class StudyLocked(StorageError):
    """Another search process holds the study (`Storage.lock`)."""


#: locks held by this process, closed in forked children (`os.register_at_fork`)
_HELD: weakref.WeakSet[StudyLock] = weakref.WeakSet()


def lock_path(db_path: str, study: str) -> str:
    """The lock file of study `study` of the (existing) database file `db_path`: named by
    the file's device and inode, so every path to the same file gives the same lock."""
    st = os.stat(db_path)  # follows symlinks
    ident = f"{st.st_dev}-{st.st_ino}"
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", study)[:40]
    digest = hashlib.sha1(f"{ident}\0{study}".encode()).hexdigest()[:12]
    return str(_lock_dir() / f"{ident}.{safe}.{digest}.lock")


def _lock_dir() -> Path:
    """The machine-wide folder of study locks, writable by every user (sticky, as /tmp)."""
    folder = Path(tempfile.gettempdir()) / "archlang-locks"
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)
        with contextlib.suppress(OSError):  # another user's folder keeps its mode
            folder.chmod(0o1777)
    return folder


class StudyLock:
    """An exclusive lock on one study of one storage file, held until `release`."""

    def __init__(self, db_path: str, study: str) -> None:
        self.path = lock_path(db_path, study)
        self.study = study
        self.fd: int | None = None

    def acquire(self) -> StudyLock:
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except PermissionError:  # another user's lock file: flock needs no write access
            fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 400).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise StudyLocked(f"study `{self.study}` is being searched by {holder}; wait for "
                              "it to finish, stop it, or use another --study NAME") from None
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
        with contextlib.suppress(OSError):  # read-only: the lock holds, without the text
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} (since {stamp})"
                     .encode())
        self.fd = fd
        _HELD.add(self)
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the last descriptor drops the flock
            self.fd = None
        _HELD.discard(self)

    def __enter__(self) -> StudyLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _forget_in_child(self) -> None:
        """In a forked child: close the inherited descriptor; the parent keeps the lock."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _after_fork_in_child() -> None:
    for lock in list(_HELD):
        lock._forget_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Storage:
    """A SQLite storage file (or ``":memory:"``) holding any number of studies.

    Opening one only ever writes archlang's own files: a database with tables of another
    program (an Optuna study, say) is refused before anything is written, and so is a file
    reached through a hard link (SQLite keeps a journal per name, so two names of one
    database corrupt it). A location that cannot be written (a read-only file or folder)
    is refused with one message, unless ``readonly=True`` (listings), which opens the file
    without writing and never creates it.
    """

    def __init__(self, path: str | Path = MEMORY, *, readonly: bool = False) -> None:
        self.path = str(path)
        self.readonly = readonly and self.path != MEMORY
        if self.path != MEMORY:
            _check_location(Path(self.path), self.readonly)
        try:
            self.db = self._connect()
            self._check_owner()
            if not self.readonly:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.executescript(_SCHEMA)
                _add_lost_column(self.db)
            self.db.execute("PRAGMA foreign_keys=ON")
            self._check_version()
            #: the trial columns to select (a file read-only from before ``lost``: 0)
            self.trial_columns = _TRIAL_COLUMNS if _has_lost(self.db) else \
                _TRIAL_COLUMNS.replace(", lost", ", 0")
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StorageError(_read_only(self.path)) from None
            raise StorageError(f"{self.path}: cannot be used as archlang storage "
                               f"({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{self.path}: not an archlang storage file ({exc})") from None

    def _connect(self) -> sqlite3.Connection:
        if not self.readonly:
            return sqlite3.connect(self.path, timeout=30, isolation_level=None)
        uri = f"{Path(self.path).resolve().as_uri()}?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)

    def _check_owner(self) -> None:
        """Refuse a database that holds tables but not archlang's, before writing to it."""
        tables = {name for (name,) in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and not {"meta", "studies", "trials"} <= tables:
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise StorageError(f"{self.path}: an SQLite database of another program (tables "
                               f"{shown}), not an archlang storage file; archlang leaves it "
                               "untouched: give --storage a new file")

    def _check_version(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None and not self.readonly:
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)",
                            (str(SCHEMA_VERSION),))
        elif row is not None and int(row[0]) > SCHEMA_VERSION:
            raise StorageError(f"{self.path} was written by a newer archlang "
                               f"(schema {row[0]}, this one reads {SCHEMA_VERSION})")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lock(self, name: str) -> StudyLock | None:
        """Hold study `name` for this process (`StudyLocked` if another holds it); None for
        an in-memory storage, which no other process can see. Release it (or use it as a
        context manager) when the search ends."""
        if self.path == MEMORY:
            return None
        return StudyLock(self.path, name).acquire()

    # ------------------------------------------------------------ studies

    def studies(self) -> list[StudyInfo]:
        """Every study, oldest first, with its trial counts by state."""
        rows = self.db.execute(
            "SELECT s.name, s.network, s.created, s.updated, s.settings, s.objectives, "
            "t.state, count(t.number) FROM studies s LEFT JOIN trials t "
            "ON t.study_id = s.id AND t.dropped = 0 GROUP BY s.id, t.state "
            "ORDER BY s.created, s.id").fetchall()
        out: dict[str, StudyInfo] = {}
        for name, network, created, updated, settings, objectives, state, n in rows:
            info = out.setdefault(name, StudyInfo(name, network, created, updated,
                                                  json.loads(settings), json.loads(objectives),
                                                  {}))
            if state is not None:
                info.counts[state] = n
        return list(out.values())

    def has_study(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM studies WHERE name = ?", (name,)).fetchone() \
            is not None

    def open_study(self, name: str, *, network: str | None = None,
                   space_hash: str | None = None, source: str | None = None,
                   path: str | None = None, settings: dict[str, Any] | None = None,
                   objectives: Iterable[str] = (), create: bool = True) -> StudyStore:
        """The study called `name`, created with these fields when it does not exist
        (unless ``create=False``: then `StorageError`). An existing study keeps its fields;
        `StudyStore.update` changes them."""
        row = self.db.execute("SELECT id FROM studies WHERE name = ?", (name,)).fetchone()
        if row is None:
            if not create:
                known = [s.name for s in self.studies()]
                raise StorageError(f"no study `{name}` in {self.path}" + (
                    f"; it holds {', '.join(f'`{k}`' for k in known)}" if known else
                    " (it holds no study)"))
            now = time.time()
            cur = self.db.execute(
                "INSERT INTO studies (name, network, space_hash, source, path, settings, "
                "objectives, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, network, space_hash, source, path, json.dumps(settings or {}),
                 json.dumps(list(objectives)), now, now))
            return StudyStore(self, int(cur.lastrowid), name)  # type: ignore[arg-type]
        return StudyStore(self, int(row[0]), name)


def _check_location(path: Path, readonly: bool) -> None:
    """Refuse, with one message, a storage path that cannot serve: a folder, a file with
    several hard links, a location that cannot be written (unless `readonly`)."""
    if path.is_dir():
        raise StorageError(f"{path} is a folder, not a storage file")
    if path.exists() and path.stat().st_nlink > 1:
        raise StorageError(f"{path} has {path.stat().st_nlink} hard links: SQLite keeps a "
                           "journal per name, so two names of one database corrupt it; "
                           "reach it by one path (a symlink is fine)")
    if readonly:
        if not path.is_file():
            raise StorageError(f"no storage file {path}")
        return
    folder = path.resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder of {path}: "
                           f"{exc.strerror or exc}") from None
    # SQLite writes the file and, beside it, its journal (``-wal``, ``-shm``)
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists()
                                                    and not os.access(path, os.W_OK)):
        raise StorageError(_read_only(str(path)))


def _read_only(path: str) -> str:
    return (f"{path} is read-only (the file or its folder): a search writes its trials "
            "there; give --storage (or --out) a writable location")


@dataclass
class StudyInfo:
    """A study's summary, for listings."""

    name: str
    network: str | None
    created: float
    updated: float
    settings: dict[str, Any]
    objectives: list[str]
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "network": self.network, "created": self.created,
                "updated": self.updated, "settings": self.settings,
                "objectives": self.objectives, "trials": self.counts}


class StudyStore:
    """One study of a `Storage`: read its trials, write them as they happen (`Recorder`)."""

    def __init__(self, storage: Storage, study_id: int, name: str) -> None:
        self.storage, self.id, self.name = storage, study_id, name
        self.db = storage.db
        self._writer = self.db.cursor()  # one cursor for every trial written, not one each

    def field(self, column: str) -> Any:
        """One stored field of the study (``space_hash``, ``settings``, ...), JSON decoded
        for ``settings`` and ``objectives``."""
        assert column in ("network", "space_hash", "source", "path", "settings",
                          "objectives", "created", "updated"), column
        (value,) = self.db.execute(f"SELECT {column} FROM studies WHERE id = ?",  # noqa: S608
                                   (self.id,)).fetchone()
        return json.loads(value) if column in ("settings", "objectives") else value

    def update(self, **fields: Any) -> None:
        """Change study fields (``space_hash=...``, ``settings={...}``) and the run time."""
        fields = {k: json.dumps(v) if k in ("settings", "objectives") else v
                  for k, v in fields.items()}
        fields["updated"] = time.time()
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE studies SET {sets} WHERE id = ?",  # noqa: S608
                        (*fields.values(), self.id))

    def trials(self, *, dropped: bool = False, stale: bool = False) -> list[Trial]:
        """The study's trials in number order; with ``dropped=True`` only the dropped ones,
        with ``stale=True`` only the stale ones."""
        mark = DROPPED if dropped else STALE if stale else 0
        rows = self.db.execute(f"SELECT {self.storage.trial_columns} FROM trials "  # noqa: S608
                               "WHERE study_id = ? AND dropped = ? ORDER BY number",
                               (self.id, mark)).fetchall()
        return [_trial(row) for row in rows]

    def next_number(self) -> int:
        """One past the largest trial number stored, dropped trials included."""
        (top,) = self.db.execute("SELECT max(number) FROM trials WHERE study_id = ?",
                                 (self.id,)).fetchone()
        return 0 if top is None else top + 1

    def start(self, trial: Trial) -> None:
        """Record a trial that is about to be evaluated (state ``running``); committed
        before this returns."""
        self._write(trial)

    def finish(self, trial: Trial) -> None:
        """Record a trial's outcome; committed before this returns."""
        self._write(trial)

    def _write(self, t: Trial) -> None:
        # one statement in autocommit mode: the row is committed when `execute` returns
        metrics = "{}" if type(t.metrics) is dict and not t.metrics else dumps(t.metrics)
        self._writer.execute(_WRITE_TRIAL, (self.id, t.number, t.state, dumps(t.assignment),
                                            t.hash, metrics, t.error, t.duplicate_of,
                                            t.started, t.seconds, t.lost))

    def rewrite(self, kept: Iterable[Trial], dropped: Iterable[int],
                stale: Iterable[int] = ()) -> None:
        """After an edit of the space: store the kept trials' hashes and duplicate links,
        and mark the dropped and the stale trial numbers, in one transaction."""
        with self.storage.db:  # one transaction
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE trials SET hash = ?, duplicate_of = ? "
                                "WHERE study_id = ? AND number = ?",
                                [(t.hash, t.duplicate_of, self.id, t.number) for t in kept])
            self.db.executemany("UPDATE trials SET dropped = ? WHERE study_id = ? AND "
                                "number = ?", [*((DROPPED, self.id, n) for n in dropped),
                                               *((STALE, self.id, n) for n in stale)])


def _trial(row: tuple[Any, ...]) -> Trial:
    number, state, assignment, hash_, metrics, error, duplicate_of, started, seconds, lost = row
    return Trial(number, json.loads(assignment), hash_, state, json.loads(metrics), seconds,
                 error, duplicate_of, started, lost)


def _has_lost(db: sqlite3.Connection) -> bool:
    return any(row[1] == "lost" for row in db.execute("PRAGMA table_info(trials)"))


def _add_lost_column(db: sqlite3.Connection) -> None:
    """Give a trials table written before the ``lost`` column had it its column."""
    if not _has_lost(db):
        db.execute("ALTER TABLE trials ADD COLUMN lost INTEGER NOT NULL DEFAULT 0")

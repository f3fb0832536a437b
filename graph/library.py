"""All disk access of the embedded library: one SQLite file plus a write lock.

Layout of a library directory (``--home``, ``PAPERKG_HOME`` or
``~/.local/share/paperkg``)::

    library.sqlite   digests (with raw text), listings (what each digest said
                     about each paper), papers (the merged records)
    write.lock       held by the one process allowed to write
    config.toml      optional settings (see graph.config)

SQLite gives the crash safety: one ingest is one transaction, so a killed
ingest leaves the old state or the new one, and readers (WAL mode) always see
a committed snapshot. No pickle anywhere: rows hold JSON.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import orjson

from paperkg.chunks import batched
from paperkg.disk_errors import cause, described, entering
from paperkg.diskio import exclusive_lock
from paperkg.errors import StoreError
from paperkg.graph.base import LibraryState
from paperkg.graph.merge import category_names

SCHEMA_VERSION = "2"
#: Schemas this paperkg opens and upgrades in place (2 added the analyst's corrections).
_UPGRADABLE = ("1",)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS digests(
    name TEXT PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL, posted_at TEXT NOT NULL,
    entry_count INTEGER NOT NULL, categories TEXT NOT NULL, raw_text TEXT NOT NULL, ingested_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS listings(
    digest TEXT NOT NULL, section TEXT NOT NULL, rank INTEGER NOT NULL, paper TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY(digest, section, rank));
CREATE INDEX IF NOT EXISTS listings_paper ON listings(paper);
CREATE TABLE IF NOT EXISTS papers(id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS overrides(seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
"""


def _dumps(value) -> str:
    return orjson.dumps(value).decode("utf-8")


def _overrides(db: sqlite3.Connection) -> list[tuple[int, str]]:
    return list(db.execute("SELECT seq, data FROM overrides ORDER BY seq"))


def peek(home: str | os.PathLike):
    """:class:`~paperkg.graph.base.LibraryState` of the library in ``home``, read-only:
    nothing is created; a missing library reads as none, an unreadable one is an error."""
    path = Path(home) / "library.sqlite"
    if not path.is_file():
        return LibraryState(None, False)
    try:
        db = _connect_read_only(path)
        try:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
                return LibraryState(None, False)  # being created right now
            generation = db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
            has_papers = db.execute("SELECT 1 FROM papers LIMIT 1").fetchone() is not None
            legends = [orjson.loads(cats) for (cats,) in db.execute("SELECT categories FROM digests")]
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise StoreError(_unreadable(path, exc)) from exc
    return LibraryState(int(generation[0]) if generation else 0, has_papers, category_names(legends))


def _unreadable(path: Path, exc: Exception) -> str:
    """A machine that refuses (a full disk, a read-only folder) is said as such; anything else
    is a damaged or foreign file."""
    if cause(exc) is not None:
        return described(exc, path)
    return f"{path}: not a readable paperkg library ({exc}); move it aside or choose another --home"


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Open for reading where the library cannot be written (a read-only or immutable folder, a
    full disk): ``mode=ro`` needs the WAL's shared-memory file, ``immutable=1`` nothing (no
    writer can be running where nothing can be written)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return db
    except sqlite3.OperationalError as exc:
        if cause(exc) is None:
            raise
    return sqlite3.connect(f"file:{path}?immutable=1", uri=True, timeout=30, check_same_thread=False)


class Library:
    """A library directory. Reading needs no lock; writing goes through :meth:`writing`."""

    def __init__(self, home: str | os.PathLike):
        self.home = Path(home)
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.home}: cannot create the library folder: {exc.strerror or exc}") from exc
        self.path = self.home / "library.sqlite"
        #: Why this library can only be read (a read-only folder, a full disk), or ``None``.
        self.read_only: str | None = None
        self._db: sqlite3.Connection | None = None
        try:
            try:
                self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._init_schema()
            except sqlite3.OperationalError as exc:
                if cause(exc) is None or not self.path.is_file():
                    raise
                self.read_only = described(exc, self.path)
                if self._db is not None:
                    self._db.close()
                self._db = _connect_read_only(self.path)
                self._db.isolation_level = None
                if not self._schema_is_current():
                    raise StoreError(f"{self.read_only}; the library needs its tables created or upgraded "
                                     "to this paperkg's schema, which needs writing") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(_unreadable(self.path, exc)) from exc

    def _schema_is_current(self) -> bool:
        """True when the tables are this paperkg's; False when they must be created or upgraded;
        a schema this paperkg cannot upgrade is an error."""
        if not self._db.execute("SELECT name FROM sqlite_master WHERE name='meta'").fetchone():
            return False
        row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if not row or row[0] == SCHEMA_VERSION:
            return True
        if row[0] not in _UPGRADABLE:
            raise StoreError(f"{self.path}: library schema {row[0]} is not supported by this paperkg (needs {SCHEMA_VERSION})")
        return False

    def _init_schema(self) -> None:
        if self._schema_is_current():
            return
        with self._lock(30.0), self._transaction():
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES('schema', ?)", (SCHEMA_VERSION,))
            self._db.execute("INSERT OR IGNORE INTO meta VALUES('generation', '0')")

    def close(self) -> None:
        self._db.close()

    # -- reading ----------------------------------------------------------------
    def generation(self) -> int:
        """Bumped by every committed write; a reader reloads when it changes."""
        row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def snapshot(self) -> tuple[int, list[dict], list[dict], list[tuple[int, str]], str | None]:
        """Generation, paper records, digest rows, the analyst's corrections (``(seq, json)``)
        and the version of the rules that resolved the records' ids, read in one transaction."""
        own = not self._db.in_transaction  # inside a write transaction, read what it sees
        if own:
            self._db.execute("BEGIN")
        try:
            generation = self.generation()
            papers = [orjson.loads(data) for (data,) in self._db.execute("SELECT data FROM papers")]
            digests = self.digests()
            overrides = self.overrides()
            resolution = self.meta("resolution")
        finally:
            if own:
                self._db.execute("COMMIT")
        return generation, papers, digests, overrides, resolution

    def overrides(self) -> list[tuple[int, str]]:
        """The analyst's corrections, ``(seq, json)`` in the order they were made."""
        return _overrides(self._db)

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def digests(self) -> list[dict]:
        rows = self._db.execute("SELECT name, file, sha256, posted_at, entry_count, categories, ingested_at FROM digests ORDER BY name")
        return [{"name": n, "file": f, "sha256": s, "posted_at": p, "entry_count": c, "categories": orjson.loads(cats),
                 "ingested_at": at} for n, f, s, p, c, cats, at in rows]

    def raw_text(self, name: str) -> str | None:
        row = self._db.execute("SELECT raw_text FROM digests WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def export(self) -> tuple[list[dict], list[dict]]:
        """Digest rows (with ``raw_text``) and every listing, read in one transaction:
        everything the library holds, for copying it to another store (``paperkg sync``)."""
        self._db.execute("BEGIN")
        try:
            digests = self.digests()
            for row in digests:
                row["raw_text"] = self.raw_text(row["name"])
            listings = [orjson.loads(data) for (data,) in self._db.execute("SELECT data FROM listings")]
        finally:
            self._db.execute("COMMIT")
        return digests, listings

    # -- writing ----------------------------------------------------------------
    @contextmanager
    def writing(self, wait: float = 0.0, on_wait: Callable[[], None] | None = None) -> Iterator["Writer"]:
        """Hold the write lock and one SQLite transaction; commit on success.

        A second writer waits up to ``wait`` seconds (calling ``on_wait`` when it starts to),
        then gets :class:`LibraryBusy`.
        """
        if self.read_only:
            raise StoreError(f"{self.read_only}; the library can be read but not written, and is unchanged")
        try:
            with self._lock(wait, on_wait), self._transaction():
                yield Writer(self._db)
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise  # a bug in the caller, not a damaged file or a refusing machine
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot write the library: {_unreadable(self.path, exc)}; nothing was changed") from exc

    @contextmanager
    def _transaction(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:  # SQLite may have rolled back already (a full disk)
                self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
            self._db.execute("COMMIT")

    def _lock(self, wait: float, on_wait: Callable[[], None] | None = None):
        lock = exclusive_lock(self.home / "write.lock", wait, lambda pid: (
            f"library {self.home} is being written by another paperkg process (pid {pid}); "
            "wait for it to finish and run the command again"), on_wait=on_wait)
        return entering(lock, lambda exc: StoreError(described(exc, self.home / "write.lock")))


class Writer:
    """Row operations inside the write transaction of :meth:`Library.writing`."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def digest_sha(self, name: str) -> str | None:
        row = self._db.execute("SELECT sha256 FROM digests WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def listed_papers(self, digest: str) -> set[str]:
        return {p for (p,) in self._db.execute("SELECT paper FROM listings WHERE digest=?", (digest,))}

    def replace_digest(self, row: dict, raw_text: str, observations: list[dict]) -> None:
        self._db.execute("DELETE FROM listings WHERE digest=?", (row["name"],))
        self._db.execute(
            "INSERT OR REPLACE INTO digests VALUES(?,?,?,?,?,?,?,?)",
            (row["name"], row["file"], row["sha256"], row["posted_at"], row["entry_count"], _dumps(row["categories"]),
             raw_text, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")))
        self._db.executemany("INSERT OR REPLACE INTO listings VALUES(?,?,?,?,?)",
                             [(o["digest"], o["section"], o["rank"], o["paper"], _dumps(o)) for o in observations])

    def observations(self, paper_ids: Iterable[str]) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {}
        for chunk in batched(list(paper_ids), 500):
            marks = ",".join("?" * len(chunk))
            for paper, data in self._db.execute(f"SELECT paper, data FROM listings WHERE paper IN ({marks})", list(chunk)):
                found.setdefault(paper, []).append(orjson.loads(data))
        return found

    def put_papers(self, records: list[dict]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO papers VALUES(?, ?)", [(r["id"], _dumps(r)) for r in records])

    def delete_papers(self, keys: list[str]) -> None:
        self._db.executemany("DELETE FROM papers WHERE id=?", [(k,) for k in keys])

    def add_override(self, data: str) -> int:
        """Store a correction; its sequence number."""
        return self._db.execute("INSERT INTO overrides(data) VALUES(?)", (data,)).lastrowid

    def overrides(self) -> list[tuple[int, str]]:
        return _overrides(self._db)

    def set_overrides(self, items: list[str]) -> None:
        """Replace every correction (a library copied from another store)."""
        self._db.execute("DELETE FROM overrides")
        self._db.executemany("INSERT INTO overrides(data) VALUES(?)", [(d,) for d in items])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (key, value))

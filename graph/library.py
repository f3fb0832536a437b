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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import orjson

from paperkg.chunks import batched
from paperkg.diskio import exclusive_lock
from paperkg.errors import StoreError
from paperkg.graph.base import LibraryState
from paperkg.graph.merge import category_names

SCHEMA_VERSION = "1"
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
"""


def _dumps(value) -> str:
    return orjson.dumps(value).decode("utf-8")


def peek(home: str | os.PathLike):
    """:class:`~paperkg.graph.base.LibraryState` of the library in ``home``, read-only:
    nothing is created; a missing library reads as none, an unreadable one is an error."""
    path = Path(home) / "library.sqlite"
    if not path.is_file():
        return LibraryState(None, False)
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
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
    return f"{path}: not a readable paperkg library ({exc}); move it aside or choose another --home"


class Library:
    """A library directory. Reading needs no lock; writing goes through :meth:`writing`."""

    def __init__(self, home: str | os.PathLike):
        self.home = Path(home)
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.home}: cannot create the library folder: {exc.strerror or exc}") from exc
        self.path = self.home / "library.sqlite"
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreError(_unreadable(self.path, exc)) from exc

    def _init_schema(self) -> None:
        if self._db.execute("SELECT name FROM sqlite_master WHERE name='meta'").fetchone():
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row and row[0] != SCHEMA_VERSION:
                raise StoreError(f"{self.path}: library schema {row[0]} is not supported by this paperkg (needs {SCHEMA_VERSION})")
            return
        with self._lock(30.0), self._transaction():
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES('schema', ?)", (SCHEMA_VERSION,))
            self._db.execute("INSERT OR IGNORE INTO meta VALUES('generation', '0')")

    def close(self) -> None:
        self._db.close()

    # -- reading ----------------------------------------------------------------
    def generation(self) -> int:
        """Bumped by every committed write; a reader reloads when it changes."""
        row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def snapshot(self) -> tuple[int, list[dict], list[dict]]:
        """Generation, paper records and digest rows, read in one transaction."""
        own = not self._db.in_transaction  # inside a write transaction, read what it sees
        if own:
            self._db.execute("BEGIN")
        try:
            generation = self.generation()
            papers = [orjson.loads(data) for (data,) in self._db.execute("SELECT data FROM papers")]
            digests = self.digests()
        finally:
            if own:
                self._db.execute("COMMIT")
        return generation, papers, digests

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
    def writing(self, wait: float = 0.0) -> Iterator["Writer"]:
        """Hold the write lock and one SQLite transaction; commit on success.

        A second writer waits up to ``wait`` seconds, then gets :class:`LibraryBusy`.
        """
        with self._lock(wait), self._transaction():
            yield Writer(self._db)

    @contextmanager
    def _transaction(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
            self._db.execute("COMMIT")

    def _lock(self, wait: float):
        return exclusive_lock(self.home / "write.lock", wait, lambda pid: (
            f"library {self.home} is being written by another paperkg process (pid {pid}); "
            "wait for it to finish and run the command again"))


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

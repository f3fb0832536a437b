"""``search/search.sqlite``: the embedding cache and the search-side copy of the papers.

- ``embeddings(model, sha, vector)``: one float32 vector per (model, sha1 of the
  embedded text). Re-ingesting or reindexing with the same model finds every
  vector here and embeds nothing.
- ``papers(key, row, fingerprint, brief, data)``: each paper's stable integer
  row (its vector ids are ``row * SLOT_COUNT + slot``), a fingerprint of what
  search shows and indexes, the result/filter fields (``brief``, small: all of
  them load in ~0.1 s for 50k papers) and the texts (``data``, read only for
  the hits). Search reads from here, so it never opens the graph store.

WAL mode: readers see a committed snapshot while an indexer writes.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import orjson

from paperkg.chunks import batched
from paperkg.disk_errors import cause
from paperkg.errors import PaperkgError
from paperkg.search.errors import IndexCorrupt, first_line

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings(model TEXT NOT NULL, sha BLOB NOT NULL, vector BLOB NOT NULL,
                                      PRIMARY KEY(model, sha)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS papers(key TEXT PRIMARY KEY, row INTEGER NOT NULL UNIQUE, fingerprint TEXT NOT NULL,
                                  brief TEXT NOT NULL, data TEXT NOT NULL);
"""
_CHUNK = 500


class _Guarded(sqlite3.Connection):
    """A connection whose damage surfaces as :class:`IndexCorrupt` (a garbled or truncated
    ``search.sqlite`` may open and fail only at a later query)."""

    def execute(self, *args):
        try:
            return super().execute(*args)
        except sqlite3.DatabaseError as exc:
            raise failure(self.path, exc) from exc

    def executemany(self, *args):
        try:
            return super().executemany(*args)
        except sqlite3.DatabaseError as exc:
            raise failure(self.path, exc) from exc

    def commit(self):
        try:
            return super().commit()
        except sqlite3.DatabaseError as exc:
            raise failure(self.path, exc) from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN`` ... ``COMMIT`` through the guarded calls. ``with connection:`` is not used:
        ``Connection.__exit__`` commits in C, past :meth:`commit`, so a full disk at ``COMMIT``
        would escape as a raw ``sqlite3.OperationalError``."""
        self.execute("BEGIN")
        try:
            yield
            self.commit()
        except BaseException:
            if self.in_transaction:
                try:
                    super().rollback()
                except sqlite3.Error:
                    pass  # the error being raised says what went wrong; SQLite rolls back on reopening
            raise


#: How SQLite words damage to the file itself (anything else is not evidence that the file is bad).
_DAMAGE = ("malformed", "not a database", "file is encrypted", "database corrupt", "database disk image")


def failure(path: Path, exc: sqlite3.Error | OSError) -> PaperkgError:
    """The one-line error for ``exc``: what the machine refused (a full disk, a read-only
    folder, a busy database); damage to the file (:class:`SearchDBCorrupt`, which ``paperkg
    reindex`` repairs by starting a new file); else the error as SQLite or the system words
    it, which is no reason to discard the embedding cache."""
    why = cause(exc)
    if why is None and "locked" in str(exc):
        why = "another paperkg process holds it; run the command again"
    if why is not None:
        return PaperkgError(f"{path}: {why}")
    text = getattr(exc, "strerror", None) or first_line(exc)
    if isinstance(exc, sqlite3.DatabaseError) and any(word in text.lower() for word in _DAMAGE):
        return SearchDBCorrupt(path, text)
    return PaperkgError(f"{path}: {text}")


class SearchDBCorrupt(IndexCorrupt):
    """``search.sqlite`` itself is damaged (a rebuild starts a new one: every text is embedded again)."""


def discard_db(path: Path) -> None:
    """Delete a damaged ``search.sqlite`` with its WAL files (derived data: the library rebuilds it)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class SearchDB:
    def __init__(self, path: Path, create: bool = True):
        """``create``: make the file when it is missing (the indexer); readers pass ``False``
        and get :class:`IndexCorrupt` instead of an empty index that answers nothing."""
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise SearchDBCorrupt(self.path, "the file is missing")
        try:
            try:
                self.db = self._connect(str(self.path), uri=False)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='papers'").fetchone():
                    self.db.executescript(_SCHEMA)
            except (sqlite3.OperationalError, PaperkgError) as exc:
                if create or cause(exc.__cause__ or exc) is None:
                    raise
                self.db = self._read_only()  # a reader where nothing can be written: a read-only folder
        except (sqlite3.DatabaseError, OSError) as exc:
            raise failure(self.path, exc) from exc

    def _connect(self, target: str, uri: bool) -> sqlite3.Connection:
        db = sqlite3.connect(target, uri=uri, timeout=60, isolation_level=None, check_same_thread=False,
                             factory=_Guarded)
        db.path = self.path
        return db

    def _read_only(self) -> sqlite3.Connection:
        """``mode=ro`` needs the WAL's shared-memory file; ``immutable=1`` needs nothing (no
        writer runs where nothing can be written)."""
        try:
            db = self._connect(f"file:{self.path}?mode=ro", uri=True)
            db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            return db
        except PaperkgError:
            return self._connect(f"file:{self.path}?immutable=1", uri=True)

    def paper_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    # -- embedding cache ----------------------------------------------------------
    def vectors(self, model: str, shas: Iterable[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for chunk in batched(list(dict.fromkeys(shas)), _CHUNK):
            marks = ",".join("?" * len(chunk))
            for sha, blob in self.db.execute(
                    f"SELECT sha, vector FROM embeddings WHERE model=? AND sha IN ({marks})", [model, *chunk]):
                found[sha] = np.frombuffer(blob, np.float32)
        return found

    def put_vectors(self, model: str, items: list[tuple[bytes, np.ndarray]]) -> None:
        with self.db.transaction():
            self.db.executemany("INSERT OR REPLACE INTO embeddings VALUES(?,?,?)",
                                [(model, sha, np.asarray(v, np.float32).tobytes()) for sha, v in items])

    # -- papers -------------------------------------------------------------------
    def paper_states(self) -> dict[str, tuple[int, str]]:
        """key -> (row, fingerprint) of every stored paper."""
        return {k: (r, f) for k, r, f in self.db.execute("SELECT key, row, fingerprint FROM papers")}

    def next_row(self) -> int:
        row = self.db.execute("SELECT MAX(row) FROM papers").fetchone()[0]
        stored = self.db.execute("SELECT value FROM meta WHERE key='next_row'").fetchone()
        return max(-1 if row is None else row, int(stored[0]) - 1 if stored else -1) + 1

    def put_papers(self, items: list[tuple[str, int, str, dict, dict]], next_row: int) -> None:
        """Upsert ``(key, row, fingerprint, brief, data)``; rows are never reused (``next_row`` remembers)."""
        with self.db.transaction():
            self.db.executemany("INSERT OR REPLACE INTO papers VALUES(?,?,?,?,?)",
                                [(k, r, f, orjson.dumps(b).decode(), orjson.dumps(d).decode())
                                 for k, r, f, b, d in items])
            self.db.execute("INSERT OR REPLACE INTO meta VALUES('next_row', ?)", (str(next_row),))

    def set_fingerprints(self, items: list[tuple[str, str]]) -> None:
        """``(key, fingerprint)``: mark papers as indexed (see :mod:`search.indexer`)."""
        with self.db.transaction():
            self.db.executemany("UPDATE papers SET fingerprint=? WHERE key=?", [(f, k) for k, f in items])

    def delete_papers(self, keys: list[str]) -> None:
        with self.db.transaction():
            self.db.executemany("DELETE FROM papers WHERE key=?", [(k,) for k in keys])

    def papers_by_row(self, rows: Iterable[int]) -> dict[int, dict]:
        """row -> brief and data fields merged, for the given rows."""
        found: dict[int, dict] = {}
        for chunk in batched(list(dict.fromkeys(int(r) for r in rows)), _CHUNK):
            marks = ",".join("?" * len(chunk))
            for row, brief, data in self.db.execute(f"SELECT row, brief, data FROM papers WHERE row IN ({marks})", list(chunk)):
                found[row] = {**orjson.loads(brief), **orjson.loads(data)}
        return found

    def briefs(self) -> dict[int, dict]:
        """row -> the result and filter fields of every stored paper."""
        return {row: orjson.loads(brief) for row, brief in self.db.execute("SELECT row, brief FROM papers")}

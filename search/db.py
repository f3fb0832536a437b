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
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import orjson

from paperkg.chunks import batched
from paperkg.search.errors import IndexCorrupt

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings(model TEXT NOT NULL, sha BLOB NOT NULL, vector BLOB NOT NULL,
                                      PRIMARY KEY(model, sha)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS papers(key TEXT PRIMARY KEY, row INTEGER NOT NULL UNIQUE, fingerprint TEXT NOT NULL,
                                  brief TEXT NOT NULL, data TEXT NOT NULL);
"""
_CHUNK = 500


class SearchDB:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='papers'").fetchone():
                self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(self.path, str(exc)) from exc

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
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO embeddings VALUES(?,?,?)",
                                [(model, sha, np.asarray(v, np.float32).tobytes()) for sha, v in items])

    def cached_count(self, model: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM embeddings WHERE model=?", (model,)).fetchone()[0]

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
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO papers VALUES(?,?,?,?,?)",
                                [(k, r, f, orjson.dumps(b).decode(), orjson.dumps(d).decode())
                                 for k, r, f, b, d in items])
            self.db.execute("INSERT OR REPLACE INTO meta VALUES('next_row', ?)", (str(next_row),))

    def set_fingerprints(self, items: list[tuple[str, str]]) -> None:
        """``(key, fingerprint)``: mark papers as indexed (see :mod:`search.indexer`)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE papers SET fingerprint=? WHERE key=?", [(f, k) for k, f in items])

    def delete_papers(self, keys: list[str]) -> None:
        with self.db:
            self.db.execute("BEGIN")
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

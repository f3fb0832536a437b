"""Keeping the search index of a library folder in step with its store."""
from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager, nullcontext

from paperkg.disk_errors import described
from paperkg.errors import PaperkgError, StoreError
from paperkg.graph.base import Store, with_lineage
from paperkg.graph.config import Settings
from paperkg.graph.factory import open_store
from paperkg.services.progress import Progress


def index_store(settings: Settings, store: Store, progress: Progress | None = None, rebuild: bool = False,
                store_lock: AbstractContextManager | None = None) -> dict:
    """Sync the search index of ``settings.home`` to everything ``store`` holds now.

    The store is read under the index's write lock (see :func:`paperkg.search.indexer.sync_index`),
    after catching up with other processes' writes, so the index holds every committed paper."""
    from paperkg.search.indexer import sync_index

    lock = store_lock or nullcontext()

    def snapshot():
        with lock:
            store.refresh()
            lineage = store.institution_lineage()
            return store.version(), [with_lineage(p, lineage) for p in store.papers()]
    return sync_index(settings, snapshot, progress, rebuild=rebuild)


def reindex(settings: Settings, progress: Progress | None = None) -> dict:
    """Rebuild the search index from the store (only texts missing from the embedding cache
    are embedded). Raises when the library has no papers."""
    with open_store(settings) as store:
        if not store.stats()["papers"]:
            raise StoreError(f"the library {settings.home} has no papers yet; run `paperkg ingest DIGEST_FILE...` first")
        return index_store(settings, store, progress, rebuild=True)


def index_if_indexed(settings: Settings, store: Store) -> str | None:
    """After a correction: bring an existing index up to date (author and institution ids are
    search filters; no text changes, so nothing is embedded again); a library never indexed
    (ingested with ``index=False``) stays so. Returns why the index could not follow, if so."""
    from paperkg.search.manifest import read_manifest

    try:
        if read_manifest(settings.home) is None:
            return None
    except PaperkgError as exc:
        return f"the correction was stored, but the search index was not updated: {exc}"
    return index_after_write(settings, store, None, stored="the correction was stored")[1]


def index_after_write(settings: Settings, store: Store, progress: Progress | None,
                      store_lock: AbstractContextManager | None = None,
                      stored: str = "the papers were ingested") -> tuple[dict | None, str | None]:
    """:func:`index_store` after a write: ``(summary, None)``, or ``(None, why)`` when the
    store was written (``stored`` says what was) but the index could not follow (the next
    ingest or reindex heals it)."""
    try:
        return index_store(settings, store, progress, store_lock=store_lock), None
    except (PaperkgError, OSError, sqlite3.Error) as exc:  # OSError, sqlite3: a full disk, a read-only folder
        why = str(exc) if isinstance(exc, PaperkgError) else described(exc)
        return None, f"{stored}, but the search index was not updated: {why}"

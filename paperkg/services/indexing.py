"""Keeping the search index of a library folder in step with its store."""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from paperkg.errors import PaperkgError, StoreError
from paperkg.graph.base import Store
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
            return store.version(), store.papers()
    return sync_index(settings, snapshot, progress, rebuild=rebuild)


def reindex(settings: Settings, progress: Progress | None = None) -> dict:
    """Rebuild the search index from the store (only texts missing from the embedding cache
    are embedded). Raises when the library has no papers."""
    with open_store(settings) as store:
        if not store.papers():
            raise StoreError(f"the library {settings.home} has no papers yet; run `paperkg ingest DIGEST_FILE...` first")
        return index_store(settings, store, progress, rebuild=True)


def index_after_write(settings: Settings, store: Store, progress: Progress | None,
                      store_lock: AbstractContextManager | None = None) -> tuple[dict | None, str | None]:
    """:func:`index_store` after a write: ``(summary, None)``, or ``(None, why)`` when the
    store was written but the index could not follow (the next ingest or reindex heals it)."""
    try:
        return index_store(settings, store, progress, store_lock=store_lock), None
    except PaperkgError as exc:
        return None, f"the papers were ingested, but the search index was not updated: {exc}"

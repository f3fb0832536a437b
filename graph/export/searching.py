"""The search behind ``--query``: an adapter to :mod:`search.engine`, kept apart so that
export works, and says clearly why ``--query`` does not, when search is unavailable."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from graph.base import Store, StoreError
from graph.export.errors import ExportError


def engine_search(engine, mode: str = "hybrid"):
    """``search(query, k, filters) -> paper keys`` over an open ``SearchEngine``."""
    def search(query: str, k: int, filters) -> list[str]:
        return [hit["id"] for hit in engine.search(query, k=k, mode=mode, filters=filters or None)]
    return search


@contextmanager
def opened_search(settings, mode: str = "hybrid") -> Iterator:
    """A search function over the index of ``settings.home``, closed afterwards. The search
    package's own errors (empty library, no index: "run paperkg reindex") pass through."""
    try:
        from search.engine import SearchEngine
    except ImportError as exc:
        raise ExportError(f"--query needs the search package, which cannot be loaded ({exc}); "
                          "select with --around NAME instead") from exc
    with SearchEngine.open(settings) as engine:
        yield engine_search(engine, mode)


def search_once(store: Store, query: str, k: int, filters) -> list[str]:
    """One search over the index of the store's library (for callers that passed no ``search``)."""
    from graph.config import load_settings

    home = getattr(store, "home", None)
    if home is None:
        raise ExportError("--query: this store has no library folder to find the search index in")
    try:
        settings = load_settings(home=str(home))
    except StoreError as exc:
        raise ExportError(str(exc)) from exc
    with opened_search(settings) as search:
        return search(query, k, filters)

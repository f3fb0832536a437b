"""The app's door to the search engine (``search`` package): loaded once per process,
and every call answers ``(result, None)`` or ``(None, one-line reason)`` so a page can
say why search is unavailable instead of failing."""
from __future__ import annotations

import streamlit as st

from graph.base import StoreError
from graph.filters import PaperFilter
from ui import state

MODES = ("hybrid", "semantic", "keyword")


def _module():
    return state.optional_module("search.engine")


@st.cache_resource(show_spinner=False)
def _engine(home: str, backend: str, model: str | None):
    module, why = _module()
    if module is None:
        raise ImportError(why)
    return module.SearchEngine.open(state.settings())


def engine():
    """``(engine, None)`` or ``(None, why)``."""
    chosen = state.settings()
    try:
        return _engine(str(chosen.home), chosen.backend, chosen.model), None
    except (ImportError, StoreError, OSError, ValueError) as exc:
        return None, str(exc)


def modes() -> tuple[str, ...]:
    module, _ = _module()
    return tuple(getattr(module, "MODES", MODES)) if module is not None else MODES


def search(query: str, k: int, mode: str, filters: PaperFilter | None):
    found, why = engine()
    if found is None:
        return None, why
    try:
        return found.search(query, k=k, mode=mode, filters=filters or None), None
    except (StoreError, ValueError) as exc:
        return None, str(exc)


def related(paper_key: str, k: int):
    found, why = engine()
    if found is None:
        return None, why
    try:
        return found.related(paper_key, k), None
    except (StoreError, ValueError, KeyError) as exc:
        return None, str(exc)


def index(report, progress) -> str | None:
    """Bring the search index up to date after an ingest; the error text, or ``None``."""
    module, why = state.optional_module("search.indexer")
    if module is None:
        return why
    lib = state.library()
    try:
        with lib.lock:
            records = lib.store.papers(ids=sorted(report.changed_papers))
        module.update_index(lib.settings, records, progress)
    except (StoreError, OSError, ValueError) as exc:
        return str(exc)
    _engine.clear()
    return None

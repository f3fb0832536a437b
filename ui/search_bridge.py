"""The app's door to the search engine (``search`` package): opened once per process
and index version, on a worker thread as the app starts; every call answers
``(result, None)`` or ``(None, one-line reason)`` so a page can say why search is
unavailable instead of failing. Calls are serialised: sessions share one engine."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import streamlit as st

from graph.base import StoreError
from graph.filters import PaperFilter
from ui import state
from ui.i18n import t

MODES = ("hybrid", "semantic", "keyword")


def _module():
    return state.optional_module("search.engine")


@dataclass
class _Engine:
    engine: object
    lock: threading.Lock = field(default_factory=threading.Lock)


def _open(chosen) -> _Engine:
    module, why = _module()
    if module is None:
        raise ImportError(why)
    found = module.SearchEngine.open(chosen)
    found.search("warm up 预热", k=1)  # loads the query encoder now, not on the first real search
    len(found.briefs)  # and the paper fields that filters and related papers use
    state.keep_out_of_gc()
    return _Engine(found)


@st.cache_resource(show_spinner=False, max_entries=2)
def _loader(home: str, backend: str, model: str | None, index_version: int | None) -> state.Background:
    chosen = state.settings()
    return state.Background(lambda: _open(chosen))


def _index_version(home) -> int | None:
    """The search index's version on disk: an index rebuilt by the CLI opens afresh."""
    manifest, _ = state.optional_module("search.manifest")
    if manifest is None:
        return None
    try:
        found = manifest.read_manifest(home)
    except StoreError:
        return None
    return found.version if found is not None else None


def _current_loader() -> state.Background:
    chosen = state.settings()
    loader = _loader(str(chosen.home), chosen.backend, chosen.model, _index_version(chosen.home))
    if loader.failed():  # e.g. no index yet: try again on the next rerun
        _loader.clear()
    return loader


def start_loading() -> None:
    """Begin opening the engine now (once per process and index version)."""
    _current_loader()


def engine():
    """``(engine holder, None)`` or ``(None, why)``."""
    loader = _current_loader()
    loader.wait(t("loading_search"))
    try:
        return loader.result(), None
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
        with found.lock:
            return found.engine.search(query, k=k, mode=mode, filters=filters or None), None
    except (StoreError, ValueError) as exc:
        return None, str(exc)


def related(paper_key: str, k: int):
    found, why = engine()
    if found is None:
        return None, why
    chosen = state.settings()
    return _related(str(chosen.home), _index_version(chosen.home), paper_key, k)


@st.cache_data(show_spinner=False, max_entries=256)
def _related(home: str, index_version: int | None, paper_key: str, k: int):
    """Related papers per index version (a paper by a prolific author takes seconds to score)."""
    found, why = engine()
    if found is None:
        return None, why
    try:
        with found.lock:
            return found.engine.related(paper_key, k), None
    except (StoreError, ValueError, KeyError) as exc:
        return None, str(exc)


def index(progress) -> str | None:
    """Bring the search index up to date after an ingest; the error text, or ``None``."""
    module, why = state.optional_module("search.indexer")
    if module is None:
        return why
    lib = state.library()
    try:
        with lib.lock:
            records = lib.store.papers()
        module.update_index(lib.settings, records, progress=progress)
    except (StoreError, OSError, ValueError) as exc:
        return str(exc)
    return None

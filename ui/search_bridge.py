"""The app's door to search: the engine opened once per process and index version, on
a worker thread as the app starts; every call answers ``(result, None)`` or
``(None, one-line reason)`` so a page can say why search is unavailable instead of
failing. Calls are serialised: sessions share one engine."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import streamlit as st

from paperkg.errors import PaperkgError
from paperkg.graph.filters import PaperFilter
from paperkg.memory import keep_out_of_gc
from paperkg.search import MODES
from paperkg.search.manifest import read_manifest
from paperkg.services import OpenSearch, open_search
from paperkg.services.searching import index_lag
from paperkg.ui import resources
from paperkg.ui.queries import filter_key, filters_of
from paperkg.ui.background import Background
from paperkg.ui.i18n import t

__all__ = ["MODES", "behind", "engine", "index_version", "related", "search", "start_loading"]


@dataclass
class _Engine:
    opened: OpenSearch
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def engine(self):
        return self.opened.engine


def _open(chosen) -> _Engine:
    found = open_search(chosen)
    found.engine.search("warm up 预热", k=1)  # loads the query encoder now, not on the first real search
    len(found.engine.briefs)  # and the paper fields that filters and related papers use
    keep_out_of_gc()
    return _Engine(found)


@st.cache_resource(show_spinner=False, max_entries=2)
def _loader(home: str, backend: str, model: str | None, index_version: int | None) -> Background:
    chosen = resources.settings()
    return Background(lambda: _open(chosen))


def _index_version(home) -> int | None:
    """The search index's version on disk: an index rebuilt by the CLI opens afresh."""
    try:
        found = read_manifest(home)
    except PaperkgError:
        return None
    return found.version if found is not None else None


def index_version() -> int | None:
    """The version of the search index the app searches (a cache key beside the library's)."""
    return _index_version(resources.settings().home)


def _current_loader() -> Background:
    chosen = resources.settings()
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
    except (PaperkgError, OSError, ValueError) as exc:
        return None, str(exc)


def behind() -> bool:
    """Whether the index is behind the library (results may miss its newest papers), as
    ``paperkg search`` says too."""
    found, _ = engine()
    if found is None:
        return False
    return index_lag(found.engine.manifest.library_generation, resources.state().version) is not None


def search(query: str, k: int, mode: str, filters: PaperFilter | None):
    """``(hits, None)`` or ``(None, why)``; per index version, query, count, mode and filters
    (cached: the Search page reruns on every click, and asks again each time)."""
    found, why = engine()
    if found is None:
        return None, why
    chosen = resources.settings()
    return _search(str(chosen.home), _index_version(chosen.home), query, k, mode, filter_key(filters))


@st.cache_data(show_spinner=False, max_entries=128)
def _search(home: str, index_version: int | None, query: str, k: int, mode: str, filters: tuple):
    found, why = engine()
    if found is None:
        return None, why
    filters = filters_of(filters)
    try:
        with found.lock:
            if filters:  # names the index does not know (it may lag the library); the check walks every paper
                found.engine.check_filters(filters)
            return found.engine.search(query, k=k, mode=mode, filters=filters or None), None
    except (PaperkgError, ValueError) as exc:
        return None, str(exc)


def related(paper_key: str, k: int):
    found, why = engine()
    if found is None:
        return None, why
    chosen = resources.settings()
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
    except (PaperkgError, ValueError, KeyError) as exc:
        return None, str(exc)

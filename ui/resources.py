"""The library the app serves: settings, the open store (once per process), its version.

The library is the one ``paperkg`` uses: ``PAPERKG_HOME`` / ``PAPERKG_BACKEND``
/ ``PAPERKG_MODEL`` (``paperkg ui`` passes its ``--home``/``--backend`` on this
way). Sessions run in threads and share one store, so every store call goes
through :func:`locked` (the embedded store's SQLite connection and in-memory
graph are not safe to reload and read at the same time).

The store loads on a worker thread as soon as the app starts (a 50k-paper
library takes seconds): pages draw at once and wait for it only where they
need it. The library's version, categories and whether it has papers are read
without the store (:func:`paperkg.graph.factory.library_state`).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

import streamlit as st

from paperkg.graph.base import LibraryState, Store
from paperkg.graph.config import Settings, load_settings
from paperkg.graph.factory import library_state, open_store
from paperkg.memory import keep_out_of_gc
from paperkg.ui.background import Background
from paperkg.ui.i18n import t


@dataclass
class OpenLibrary:
    settings: Settings
    store: Store
    lock: threading.RLock = field(default_factory=threading.RLock)


def settings() -> Settings:
    """Settings from the environment, read each rerun (cheap; never shown on the page)."""
    return load_settings()


def _open_library(chosen: Settings) -> OpenLibrary:
    opened = OpenLibrary(chosen, open_store(chosen))
    keep_out_of_gc()
    return opened


@st.cache_resource(show_spinner=False)
def _loader(home: str, backend: str, model: str | None) -> Background:
    chosen = settings()
    return Background(lambda: _open_library(chosen))


def _current_loader() -> Background:
    chosen = settings()
    loader = _loader(str(chosen.home), chosen.backend, chosen.model)
    if loader.failed():  # show the error once, try again on the next rerun
        _loader.clear()
    return loader


def start_loading() -> None:
    """Begin opening the store now (called on every run; opens once per process)."""
    _current_loader()


def library() -> OpenLibrary:
    """The process-wide open library (waiting for it to load), refreshed if another process wrote it."""
    loader = _current_loader()
    loader.wait(t("loading_library"))
    lib = loader.result()
    with lib.lock:
        if lib.store.refresh():
            keep_out_of_gc()
    return lib


@contextmanager
def locked():
    lib = library()
    with lib.lock:
        yield lib.store


def state() -> LibraryState:
    """The library's version, categories and whether it has papers; for the embedded store
    read from its file without waiting for the store, for a server from the open store."""
    chosen = settings()
    if chosen.backend == "embedded":
        return library_state(chosen)
    with locked() as store:
        return store.state()


def version() -> tuple:
    """Identifies the library's content: changes whenever it is written (the cache key of queries)."""
    chosen = settings()
    return (str(chosen.home), chosen.backend, state().version)

"""What the app keeps between reruns: the store and search engine once per
process (``st.cache_resource``), query results per library version
(``st.cache_data``).

The library is the one ``paperkg`` uses: ``PAPERKG_HOME`` / ``PAPERKG_BACKEND``
/ ``PAPERKG_MODEL`` (``paperkg ui`` passes its ``--home``/``--backend`` on this
way). Sessions run in threads and share one store, so every store call goes
through :func:`locked` (the embedded store's SQLite connection and in-memory
graph are not safe to reload and read at the same time).

The store loads on a worker thread as soon as the app starts (a 50k-paper
library takes seconds): pages draw at once and wait for it only where they
need it, and a search needs only the search index. The library's version and
its categories come straight from the library file, without the store.

Cached queries take the library *version* as an argument: a write from this app
or from the CLI bumps it, so the next rerun reads fresh data.
"""
from __future__ import annotations

import gc
import importlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import streamlit as st

from graph.base import Store
from graph.config import Settings, load_settings
from graph.factory import open_store
from graph.filters import PaperFilter
from graph.library import Library
from graph.model import Edge, Subgraph
from ui.i18n import t

_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="paperkg-load")


class Background:
    """A value made once on a worker thread; callers wait only when they need it."""

    def __init__(self, make: Callable[[], object]):
        self._future: Future = _WORKERS.submit(make)

    def ready(self) -> bool:
        return self._future.done()

    def failed(self) -> bool:
        return self._future.done() and self._future.exception() is not None

    def result(self):
        return self._future.result()

    def wait(self, message: str) -> None:
        """Block until ready, saying so on the page; each update lets a rerun interrupt the wait."""
        if self.ready():
            return
        note = st.empty()
        started = time.monotonic()
        while not self.ready():
            note.caption(f"{message} {time.monotonic() - started:.0f} s")
            time.sleep(0.2)
        note.empty()


@dataclass
class OpenLibrary:
    settings: Settings
    store: Store
    lock: threading.RLock = field(default_factory=threading.RLock)


def settings() -> Settings:
    """Settings from the environment, read each rerun (cheap; never shown on the page)."""
    return load_settings()


def keep_out_of_gc() -> None:
    """Exempt everything alive now (the loaded graph, the index) from the cyclic garbage collector.

    A 50k-paper graph is ~10 million long-lived objects; every full collection walks
    them all (4 s on the bench machine), and ordinary reruns trigger one every few
    searches. Frozen objects are still freed by reference counting when dropped.
    """
    gc.freeze()


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
        refresh = getattr(lib.store, "refresh", None)
        if refresh is not None:
            refresh()
            keep_out_of_gc()
    return lib


@contextmanager
def locked():
    lib = library()
    with lib.lock:
        yield lib.store


@st.cache_resource(show_spinner=False)
def _library_file(home: str) -> tuple[Library, threading.Lock]:
    return Library(home), threading.Lock()


def version() -> tuple:
    """Identifies the library's content: changes whenever it is written (read without the store)."""
    chosen = settings()
    if chosen.backend == "embedded":
        library_file, lock = _library_file(str(chosen.home))
        with lock:
            return (str(chosen.home), chosen.backend, library_file.generation())
    # A server store gives no write counter: let cached answers live 30 s.
    return (str(chosen.home), chosen.backend, int(time.time() // 30))


def _digest_rows(ver: tuple) -> list[dict] | None:
    """Digest rows of an embedded library, read from its file; ``None`` for other backends."""
    if ver[1] != "embedded":
        return None
    library_file, lock = _library_file(ver[0])
    with lock:
        return library_file.digests()


@st.cache_data(show_spinner=False, max_entries=64)
def has_papers(ver: tuple) -> bool:
    rows = _digest_rows(ver)
    if rows is not None:
        return any(row["entry_count"] for row in rows)
    return bool(stats(ver).get("papers"))


def filter_key(filters: PaperFilter | None) -> tuple:
    f = filters or PaperFilter()
    return (f.category, f.institution, f.author, f.since, f.until)


def _filters(key: tuple) -> PaperFilter:
    return PaperFilter(*key)


# -- cached queries (arguments are the cache key; the version invalidates) ------------------
@st.cache_data(show_spinner=False, max_entries=64)
def stats(ver: tuple) -> dict:
    with locked() as store:
        return store.stats()


@st.cache_data(show_spinner=False, max_entries=64)
def categories(ver: tuple) -> list[dict]:
    """``{code, name_zh}`` of every category, from the digests' legends (no store needed)."""
    rows = _digest_rows(ver)
    if rows is None:
        with locked() as store:
            found = [{"code": a.get("code", ""), "name_zh": a.get("name_zh", "")} for _, a in store.nodes("category")]
        return sorted(found, key=lambda c: c["code"])
    names: dict[str, Counter] = {}
    for row in rows:
        for code, name in row["categories"].items():
            names.setdefault(code, Counter())[name] += 1
    return [{"code": code, "name_zh": min(counts, key=lambda n: (-counts[n], n))} for code, counts in sorted(names.items())]


@st.cache_data(show_spinner=False, max_entries=64)
def papers(ver: tuple, filters: tuple = (None,) * 5, limit: int = 200) -> tuple[int, list[dict]]:
    """How many papers match, and the newest ``limit`` of them (cached answers stay small)."""
    with locked() as store:
        found = store.papers(_filters(filters))
    return len(found), found[:limit]


@st.cache_data(show_spinner=False, max_entries=64)
def monthly_by_category(ver: tuple, filters: tuple = (None,) * 5) -> list[tuple[str, str, int]]:
    """``(YYYY-MM, category, papers)`` for the papers matching ``filters``."""
    counts: dict[tuple[str, str], int] = {}
    with locked() as store:
        for paper in store.papers(_filters(filters)):
            month = (paper.get("posted_at") or "")[:7]
            if month:
                counts[(month, paper.get("category") or "")] = counts.get((month, paper.get("category") or ""), 0) + 1
    return [(m, c, n) for (m, c), n in sorted(counts.items())]


@st.cache_data(show_spinner=False, max_entries=256)
def node(ver: tuple, node_id: str) -> dict | None:
    with locked() as store:
        return store.get_node(node_id)


@st.cache_data(show_spinner=False, max_entries=256)
def show(ver: tuple, node_id: str) -> dict:
    with locked() as store:
        return store.show(node_id)


@st.cache_data(show_spinner=False, max_entries=128)
def ego(ver: tuple, seeds: tuple, hops: int, kinds: tuple | None) -> Subgraph:
    with locked() as store:
        return store.ego_subgraph(list(seeds), hops, list(kinds) if kinds else None)


@st.cache_data(show_spinner=False, max_entries=64)
def institution_links(ver: tuple, filters: tuple = (None,) * 5, min_weight: int = 1) -> Subgraph:
    with locked() as store:
        return store.institution_links(_filters(filters), min_weight)


@st.cache_data(show_spinner=False, max_entries=64)
def coauthors(ver: tuple, author: str, min_weight: int = 1) -> Subgraph:
    with locked() as store:
        return store.coauthors(None, min_weight, author)


@st.cache_data(show_spinner=False, max_entries=64)
def names(ver: tuple, kind: str) -> list[str]:
    """Sorted names of every author or institution (for pickers and suggestions)."""
    with locked() as store:
        return sorted(attrs.get("name", "") for _, attrs in store.nodes(kind))


def close_matches(ver: tuple, kind: str, name: str, n: int = 5) -> list[str]:
    import difflib

    return difflib.get_close_matches(name, names(ver, kind), n=n, cutoff=0.6)


# -- optional modules (written alongside the app; a missing one gives a notice, not a crash) --
def optional_module(name: str):
    """``(module, None)`` or ``(None, one-line reason)``."""
    try:
        return importlib.import_module(name), None
    except ImportError as exc:
        return None, f"{name}: {exc}"


@st.cache_data(show_spinner=False, max_entries=128)
def paper_neighbourhood(ver: tuple, paper_id: str, max_papers: int = 20) -> Subgraph:
    """The paper, its authors, institutions and category, and the other papers that
    share the most of those authors and institutions (at most ``max_papers``)."""
    with locked() as store:
        sub = store.ego_subgraph([paper_id], 1, ["paper", "author", "institution", "category"])
        shared: dict[str, list[tuple[str, str]]] = {}
        for entity in [n for n, a in sub.nodes.items() if a["kind"] in ("author", "institution")]:
            for other, edge_type, _ in store.neighbours(entity, ["AUTHORED", "AFFILIATED"]):
                if other != paper_id and other.startswith("paper:"):
                    shared.setdefault(other, []).append((entity, edge_type))
        ranked = sorted(shared, key=lambda p: (-len(shared[p]), p))[:max_papers]
        for other in ranked:
            sub.nodes[other] = store.get_node(other) or {"kind": "paper", "title": other}
            for entity, edge_type in shared[other]:
                source, target = (entity, other) if edge_type == "AUTHORED" else (other, entity)
                sub.edges.append(Edge(source, target, edge_type, {}))
    return sub


@st.cache_data(show_spinner=False, max_entries=256)
def find_nodes(ver: tuple, text: str, limit: int = 25) -> list[tuple[str, str]]:
    """``(node_id, label)`` of institutions, authors, categories and papers whose name or
    title (either language) contains ``text``, any case; names starting with it first."""
    folded = text.strip().casefold()
    if not folded:
        return []
    found: list[tuple[int, int, str, str]] = []
    with locked() as store:
        for rank, kind in enumerate(("institution", "author", "category", "paper")):
            for node_id, attrs in store.nodes(kind):
                labels = [attrs.get("title", ""), attrs.get("title_zh", "")] if kind == "paper" else [
                    attrs.get("name") or attrs.get("code", ""), attrs.get("name_zh", "")]
                hits = [label.casefold().find(folded) for label in labels if label]
                hits = [h for h in hits if h >= 0]
                if hits:
                    found.append((min(hits) > 0, rank, labels[0], node_id))
    found.sort()
    return [(node_id, label) for _, _, label, node_id in found[:limit]]

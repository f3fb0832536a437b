"""Exporting a subgraph: choose it (by name, search, or a derived network), render, write."""
from __future__ import annotations

from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from paperkg.graph.base import Store
from paperkg.graph.config import Settings
from paperkg.graph.export import render, select_subgraph, write_file
from paperkg.graph.factory import open_store
from paperkg.graph.filters import PaperFilter
from paperkg.graph.model import Subgraph
from paperkg.services.progress import Progress


@dataclass
class ExportRequest:
    """What to export: exactly one of ``around``, ``query``, ``institution_links``,
    ``coauthors`` (with ``around``: one author's co-authors); see
    :func:`paperkg.graph.export.select_subgraph` for the rules."""

    around: list[str] = field(default_factory=list)
    hops: int = 1
    kinds: list[str] | None = None
    query: str | None = None
    k: int = 10
    mode: str = "hybrid"
    institution_links: bool = False
    coauthors: bool = False
    min_weight: int = 1
    filters: PaperFilter | None = None


def select(settings: Settings, request: ExportRequest, store: Store | None = None,
           store_lock: AbstractContextManager | None = None, engine=None,
           engine_lock: AbstractContextManager | None = None) -> Subgraph:
    """The subgraph ``request`` asks for. ``--query`` searches with ``engine`` (an open
    :class:`~paperkg.search.engine.SearchEngine`, the app's, guarded by ``engine_lock``),
    else with the index of ``settings.home`` opened for this call. ``store``/``store_lock``:
    likewise an open store, else the one ``settings`` names."""
    with ExitStack() as stack:
        if store is None:
            store = stack.enter_context(open_store(settings))
        search = None
        if request.query is not None:
            if engine is None:
                from paperkg.services.searching import open_search

                engine = stack.enter_context(open_search(settings)).engine

            def search(query, k, filters):
                with engine_lock or nullcontext():
                    found = engine.search(query, k=k, mode=request.mode, filters=filters or None)
                return [hit["id"] for hit in found]
        with store_lock or nullcontext():
            return select_subgraph(store, around=request.around, hops=request.hops, kinds=request.kinds,
                                   query=request.query, k=request.k, institution_links=request.institution_links,
                                   coauthors=request.coauthors, min_weight=request.min_weight,
                                   filters=request.filters, search=search)


@dataclass
class ExportResult:
    subgraph: Subgraph
    data: bytes
    path: Path | None  # where it was written; None: the caller writes ``data``


def export(settings: Settings, request: ExportRequest, fmt: str, path: str | Path | None = None, force: bool = False,
           title: str = "paperkg export", progress: Progress | None = None, options: dict | None = None) -> ExportResult:
    """Select, render as ``fmt`` (with the format's ``options``, e.g. ``{"bib_chinese": "note"}``)
    and (with ``path``) write crash-safely; an existing file is kept unless ``force``."""
    steps = 3 if path is not None else 2
    if progress:
        progress("selecting", 0, steps)
    sub = select(settings, request)
    if progress:
        progress(f"writing {fmt}", 1, steps)
    data = render(sub, fmt, title=title, **(options or {}))
    written = None
    if path is not None:
        if progress:
            progress(f"writing {fmt}", 2, steps)
        written = write_file(data, path, force=force)
    if progress:
        progress("done", steps, steps)
    return ExportResult(sub, data, written)

"""The app's cached reads (``st.cache_data``), keyed by the library version.

Every query takes the library *version* (:func:`paperkg.ui.resources.version`)
as its first argument: a write from this app or from the CLI changes it, so the
next rerun reads fresh data. Filters travel as tuples (hashable cache keys).
"""
from __future__ import annotations

import streamlit as st

from paperkg.graph import views
from paperkg.graph.filters import PaperFilter
from paperkg.graph.model import Subgraph
from paperkg.ui.resources import locked, state

FilterKey = tuple


def filter_key(filters: PaperFilter | None) -> FilterKey:
    f = filters or PaperFilter()
    return (f.category, f.institution, f.author, f.since, f.until)


def filters_of(key: FilterKey) -> PaperFilter:
    return PaperFilter(*key)


@st.cache_data(show_spinner=False, max_entries=64)
def has_papers(ver: tuple) -> bool:
    return state().has_papers


@st.cache_data(show_spinner=False, max_entries=64)
def categories(ver: tuple) -> list[dict]:
    """``{code, name_zh}`` of every category, from the digests' legends."""
    return [{"code": code, "name_zh": name} for code, name in state().categories.items()]


@st.cache_data(show_spinner=False, max_entries=64)
def stats(ver: tuple) -> dict:
    with locked() as store:
        return store.stats()


@st.cache_data(show_spinner=False, max_entries=64)
def papers(ver: tuple, filters: FilterKey = (None,) * 5, limit: int = 200) -> tuple[int, list[dict]]:
    """How many papers match, and the newest ``limit`` of them (cached answers stay small)."""
    with locked() as store:
        found = store.papers(filters_of(filters))
    return len(found), found[:limit]


@st.cache_data(show_spinner=False, max_entries=64)
def monthly_by_category(ver: tuple, filters: FilterKey = (None,) * 5) -> list[tuple[str, str, int]]:
    """``(YYYY-MM, category, papers)`` for the papers matching ``filters``."""
    counts: dict[tuple[str, str], int] = {}
    with locked() as store:
        for paper in store.papers(filters_of(filters)):
            month = (paper.get("posted_at") or "")[:7]
            if month:
                key = (month, paper.get("category") or "")
                counts[key] = counts.get(key, 0) + 1
    return [(m, c, n) for (m, c), n in sorted(counts.items())]


@st.cache_data(show_spinner=False, max_entries=256)
def node(ver: tuple, node_id: str) -> dict | None:
    with locked() as store:
        return store.get_node(node_id)


@st.cache_data(show_spinner=False, max_entries=256)
def show(ver: tuple, node_id: str) -> dict:
    with locked() as store:
        return views.show(store, node_id)


@st.cache_data(show_spinner=False, max_entries=64)
def institution_links(ver: tuple, filters: FilterKey = (None,) * 5, min_weight: int = 1) -> Subgraph:
    with locked() as store:
        return store.institution_links(filters_of(filters), min_weight)


@st.cache_data(show_spinner=False, max_entries=128)
def paper_neighbourhood(ver: tuple, paper_id: str, max_papers: int = 20) -> Subgraph:
    with locked() as store:
        return views.paper_neighbourhood(store, paper_id, max_papers)


@st.cache_data(show_spinner=False, max_entries=256)
def find_nodes(ver: tuple, text: str, limit: int = 25) -> list[tuple[str, str]]:
    """``(node_id, label)`` of institutions, authors, categories and papers whose labels
    contain ``text`` (see :meth:`paperkg.graph.base.Store.find`)."""
    with locked() as store:
        return store.find(text, limit=limit)


@st.cache_data(show_spinner=False, max_entries=64)
def close_matches(ver: tuple, kind: str, name: str, n: int = 5) -> list[str]:
    """Names of ``kind`` close to ``name`` (for "did you mean")."""
    from paperkg.graph.names import suggestions

    with locked() as store:
        labels = [labels[0] for _, labels in store.node_names(kind)]
    return suggestions(name, labels, n)

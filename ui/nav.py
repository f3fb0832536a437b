"""Where each page lives and how to link to it (paths relative to ``ui/app.py``).

Every page reads its subject from the URL, so these links are also the
shareable addresses: ``/paper?id=<16 hex>``, ``/institution?name=…``,
``/author?name=…``, ``/?q=…&mode=…&category=…`` (search). The interface
language (``lang``) is bound to the URL by its widget and carried along.
"""
from __future__ import annotations

import streamlit as st

from paperkg.graph.model import key_of, kind_of
from paperkg.ui.safe import md

SEARCH = "app_pages/search.py"
PAPER = "app_pages/paper.py"
INSTITUTION = "app_pages/institution.py"
AUTHOR = "app_pages/author.py"
OVERVIEW = "app_pages/overview.py"
EXPORT = "app_pages/export.py"
INGEST = "app_pages/ingest.py"

#: (script, url path, title key) in menu order; search is the home page.
PAGES = [
    (SEARCH, "search", "page_search"),
    (PAPER, "paper", "page_paper"),
    (INSTITUTION, "institution", "page_institution"),
    (AUTHOR, "author", "page_author"),
    (OVERVIEW, "overview", "page_overview"),
    (EXPORT, "export", "page_export"),
    (INGEST, "ingest", "page_ingest"),
]


def target(node_id: str) -> tuple[str, dict] | None:
    """The page and query parameters showing a node, or ``None`` for kinds without a page."""
    kind, key = kind_of(node_id), key_of(node_id)
    if kind == "paper":
        return PAPER, {"id": key}
    if kind == "author":
        return AUTHOR, {"name": key}
    if kind == "institution":
        return INSTITUTION, {"name": key}
    if kind == "category":
        return SEARCH, {"category": key}
    return None


def link(node_id: str, label: str, bold: bool = False, prefix: str = "") -> None:
    """A link (client-side navigation) to a node's page. ``label`` is library text (escaped);
    ``prefix`` is app text (e.g. a score), shown before it."""
    found = target(node_id)
    if found is None:
        st.text(label)
        return
    page, params = found
    text = f"**{md(label)}**" if bold else md(label)
    st.page_link(page, label=prefix + text, query_params=params)


def go(node_id: str) -> None:
    """Open a node's page now (used by network and table clicks). ``st.switch_page``
    drops the sidebar's widget state, so the interface language travels in the URL."""
    found = target(node_id)
    if found is not None:
        page, params = found
        lang = st.session_state.get("lang")
        st.switch_page(page, query_params={**params, "lang": lang} if lang else params)


def links_row(node_ids: list[str], labels: list[str]) -> None:
    """A wrapping row of links, e.g. a paper's authors."""
    with st.container(horizontal=True, gap="small"):
        for node_id, label in zip(node_ids, labels):
            link(node_id, label)

"""Where each page lives and how to link to it (paths relative to ``ui/app.py``).

Every page reads its subject from the URL, so these links are also the shareable
addresses: ``/paper?id=<16 hex>``, ``/institution?id=<key>``, ``/author?id=<key>``,
``/?q=…&mode=…&category=…`` (search); ``/paper``, ``/institution`` and ``/author`` without
an id are lists (``/paper?category=LG`` a category's papers). Links carry the interface
language (``lang``), so the page they open speaks it whatever the session remembers.
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
CORRECTIONS = "app_pages/corrections.py"

#: (script, url path, title key, icon) in menu order; search is the home page.
PAGES = [
    (SEARCH, "search", "page_search", ":material/search:"),
    (PAPER, "paper", "page_paper", ":material/article:"),
    (INSTITUTION, "institution", "page_institution", ":material/account_balance:"),
    (AUTHOR, "author", "page_author", ":material/person:"),
    (OVERVIEW, "overview", "page_overview", ":material/hub:"),
    (EXPORT, "export", "page_export", ":material/download:"),
    (INGEST, "ingest", "page_ingest", ":material/upload:"),
    (CORRECTIONS, "corrections", "page_corrections", ":material/rule:"),
]


def with_language(params: dict) -> dict:
    """``params`` plus the interface language now shown."""
    lang = st.session_state.get("lang")
    return {**params, "lang": lang} if lang else dict(params)


def target(node_id: str) -> tuple[str, dict] | None:
    """The page and query parameters showing a node, or ``None`` for kinds without a page."""
    kind, key = kind_of(node_id), key_of(node_id)
    if kind == "paper":
        return PAPER, {"id": key}
    if kind == "author":
        return AUTHOR, {"id": key}
    if kind == "institution":
        return INSTITUTION, {"id": key}
    if kind == "category":
        return PAPER, {"category": key}  # the list of that category's papers
    return None


def link(node_id: str, label: str, bold: bool = False, prefix: str = "", help: str | None = None) -> None:
    """A link (client-side navigation) to a node's page. ``label`` is library text (escaped);
    ``prefix`` is app text (e.g. a score), shown before it."""
    found = target(node_id)
    if found is None:
        st.text(label)
        return
    page, params = found
    text = f"**{md(label)}**" if bold else md(label)
    st.page_link(page, label=prefix + text, query_params=with_language(params), help=help)


def page_link(page: str, label: str, params: dict | None = None, icon: str | None = None) -> None:
    """A link to an app page (``label`` is app text) with the interface language."""
    st.page_link(page, label=label, query_params=with_language(params or {}), icon=icon)


def go(node_id: str) -> None:
    """Open a node's page now (network and table clicks)."""
    found = target(node_id)
    if found is not None:
        page, params = found
        st.switch_page(page, query_params=with_language(params))


def links_row(node_ids: list[str], labels: list[str]) -> None:
    """A wrapping row of links, e.g. a paper's authors."""
    with st.container(horizontal=True, gap="small"):
        for node_id, label in zip(node_ids, labels):
            link(node_id, label)

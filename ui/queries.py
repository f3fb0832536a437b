"""The app's cached reads (``st.cache_data``), keyed by the library version.

Every query takes the library *version* (:func:`paperkg.ui.resources.version`)
as its first argument: a write from this app or from the CLI changes it, so the
next rerun reads fresh data. Filters travel as tuples (hashable cache keys).
"""
from __future__ import annotations

import streamlit as st

from paperkg.errors import PaperkgError
from paperkg.graph import views
from paperkg.graph.base import co_occurrence
from paperkg.graph.filters import PaperFilter, matching_people
from paperkg.graph.model import Subgraph, key_of
from paperkg.graph.names import suggestions
from paperkg.ui.resources import locked, state

FilterKey = tuple
NO_FILTERS: FilterKey = (None,) * 5


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
def papers(ver: tuple, filters: FilterKey = NO_FILTERS, limit: int = 200) -> tuple[int, list[dict]]:
    """How many papers match, and the newest ``limit`` of them (cached answers stay small)."""
    with locked() as store:
        found = store.papers(filters_of(filters))
    return len(found), found[:limit]


@st.cache_data(show_spinner=False, max_entries=8)  # a 50k-paper list is ~10 MB
def paper_rows(ver: tuple, filters: FilterKey = NO_FILTERS) -> list[dict]:
    """Every matching paper as a table row (date, category, both titles, authors, id), newest first."""
    with locked() as store:
        found = store.papers(filters_of(filters))
    return [{"id": p["id"], "posted_at": p.get("posted_at") or "", "category": p.get("category") or "",
             "title": p.get("title") or "", "title_zh": p.get("title_zh") or "",
             "authors": ", ".join(p.get("authors") or ())} for p in found]


@st.cache_data(show_spinner=False, max_entries=8)
def entity_rows(ver: tuple, kind: str, filters: FilterKey = NO_FILTERS) -> list[dict]:
    """Every author or institution with papers matching ``filters``: ``{id, name, papers}``
    (institutions also ``country``, ``type``), most papers first. An institution counts its
    own papers here; its page adds its sub-units'."""
    from paperkg.services.entities import paper_counts

    with locked() as store:
        counts = paper_counts(store, kind, filters_of(filters))
        nodes = store.get_nodes([f"{kind}:{k}" for k in counts])
    rows = []
    for key, count in counts.items():
        attrs = nodes.get(f"{kind}:{key}") or {}
        row = {"id": f"{kind}:{key}", "name": attrs.get("name") or key, "papers": count}
        if kind == "institution":
            row.update(country=attrs.get("country") or "", type=attrs.get("type") or "")
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["papers"], r["name"].casefold(), r["id"]))


@st.cache_data(show_spinner=False, max_entries=64)
def monthly_by_category(ver: tuple, filters: FilterKey = NO_FILTERS) -> list[tuple[str, str, int]]:
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
def nodes(ver: tuple, node_ids: tuple[str, ...]) -> dict[str, dict]:
    with locked() as store:
        return store.get_nodes(list(node_ids))


@st.cache_data(show_spinner=False, max_entries=256)
def show(ver: tuple, node_id: str, subunits: bool = True) -> dict:
    with locked() as store:
        return views.show(store, node_id, subunits=subunits)


@st.cache_data(show_spinner=False, max_entries=128)
def namesakes(ver: tuple, node_id: str) -> list[dict]:
    """The other people written as this author is (see :func:`paperkg.services.entities.people_named`):
    each with institutions, paper count and top co-authors, most papers first."""
    from paperkg.services.entities import people_named

    with locked() as store:
        mine = set((store.get_node(node_id) or {}).get("names") or ())
        others = [other for other, labels in store.node_names("author") if other != node_id and mine & set(labels)]
        return people_named(store, others)


@st.cache_data(show_spinner=False, max_entries=64)
def shared_names(ver: tuple) -> list[dict]:
    """Written author names several people share: ``{name, people: [ids]}``, most people first."""
    people: dict[str, set[str]] = {}
    with locked() as store:
        for node_id, labels in store.node_names("author"):
            for label in set(labels):
                people.setdefault(label, set()).add(node_id)
    shared = [{"name": name, "people": sorted(ids)} for name, ids in people.items() if len(ids) > 1]
    return sorted(shared, key=lambda s: (-len(s["people"]), s["name"]))


@st.cache_data(show_spinner=False, max_entries=64)
def people(ver: tuple, node_ids: tuple[str, ...]) -> list[dict]:
    from paperkg.services.entities import people_named

    with locked() as store:
        return people_named(store, list(node_ids))


@st.cache_data(show_spinner=False, max_entries=64)
def institution_links(ver: tuple, filters: FilterKey = NO_FILTERS, min_weight: int = 1) -> Subgraph:
    with locked() as store:
        return store.institution_links(filters_of(filters), min_weight)


@st.cache_data(show_spinner=False, max_entries=64)
def partner_graph(ver: tuple, node_id: str, subunits: bool = True) -> Subgraph:
    """The network of the names sharing papers with ``node_id`` (an author's co-authors, an
    institution's partners, among themselves too; weight: shared papers), over the papers
    its page shows (:func:`show` with ``subunits``). An institution's sub-units are drawn as it."""
    kind, own = node_id.split(":", 1)
    shown = show(ver, node_id, subunits)
    papers = shown["papers"]
    if kind == "author":
        field, edge_type = "author_ids", "COAUTHOR"
    else:
        field, edge_type = "institution_ids", "INSTITUTION_LINK"
        merged = {key_of(unit["id"]) for unit in shown.get("subunits") or ()}
        if merged:
            papers = [{**p, field: [own if k in merged else k for k in p.get(field) or ()]} for p in papers]
    with locked() as store:
        return co_occurrence(papers, field, kind, edge_type, 1, store.get_nodes)


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


@st.cache_data(show_spinner=False, max_entries=256)
def resolve(ver: tuple, name: str, kind: str) -> str | None:
    """The node of ``kind`` a name means, if exactly one does."""
    with locked() as store:
        try:
            return store.resolve(name, kinds=(kind,))
        except PaperkgError:
            return None


@st.cache_data(show_spinner=False, max_entries=64)
def close_matches(ver: tuple, kind: str, name: str, n: int = 5) -> list[str]:
    """Names of ``kind`` close to ``name`` (for "did you mean")."""
    with locked() as store:
        labels = [labels[0] for _, labels in store.node_names(kind)]
    return suggestions(name, labels, n)


@st.cache_data(show_spinner=False, max_entries=256)
def name_check(ver: tuple, field: str, value: str) -> tuple[bool, list[str], int]:
    """Whether filter ``field`` = ``value`` names something (the store's own check, which the
    CLI makes too), close names when it does not, and for an author how many people it names."""
    with locked() as store:
        try:
            store.check_filters(PaperFilter(**{field: value}))
        except PaperkgError:
            labels = [labels[0] for _, labels in store.node_names(field)]
            return False, suggestions(value, labels, 5), 0
        if field != "author" or value.startswith("author:"):
            return True, [], 1
        return True, [], len(matching_people(value, store.node_names("author")))

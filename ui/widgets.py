"""Pieces several pages share: which entity the URL names, "not found" with suggestions,
the page preamble and the empty-library notice, "also written as", and the partner network."""
from __future__ import annotations

from collections import Counter

import streamlit as st

from paperkg.ui import nav, queries
from paperkg.ui.i18n import t
from paperkg.ui.safe import md


def top_people(papers: list[dict]) -> list[dict]:
    """``[{id, name, papers}]``: the authors of ``papers`` (as written), most papers first."""
    counts: Counter = Counter()
    written: dict[str, str] = {}
    for paper in papers:
        for person, name in dict(zip(paper.get("author_ids") or (), paper.get("authors", []))).items():
            counts[person] += 1
            written.setdefault(person, name)
    rows = [{"id": "author:" + k, "name": written[k], "papers": c} for k, c in counts.items()]
    return sorted(rows, key=lambda r: (-r["papers"], r["name"], r["id"]))


def entity_from_url(kind: str, ver: tuple) -> str | None:
    """The node id the page's URL names: ``?id=<key>``, or ``?name=<name>`` resolved (old links);
    ``""`` when it names none (the page shows its list), ``None`` after saying what is wrong."""
    key = (st.query_params.get("id") or "").strip()
    name = (st.query_params.get("name") or "").strip()
    if key:
        node_id = f"{kind}:{key}"
        if queries.node(ver, node_id) is not None:
            return node_id
        not_found(kind, key, ver)
        return None
    if not name:
        return ""
    found = queries.resolve(ver, name, kind)
    if found is None:
        not_found(kind, name, ver)
    return found


def not_found(kind: str, name: str, ver: tuple) -> None:
    """Say the name is unknown and offer close names as links."""
    st.warning(t("not_found", kind=t(f"kind_{kind}"), name=md(name)))
    suggestions = queries.close_matches(ver, kind, name)
    if suggestions:
        st.caption(t("did_you_mean"))
        found = [(s, queries.resolve(ver, s, kind)) for s in suggestions]
        nav.links_row([node_id for _, node_id in found if node_id], [s for s, node_id in found if node_id])


def empty_library_notice() -> None:
    st.info(t("empty_library"))
    nav.page_link(nav.INGEST, t("go_ingest"), icon=":material/upload:")


def library_page(title: str, ver: tuple) -> bool:
    """A page about the library's papers: its title (app text), then whether there are papers
    to show; without any, the empty-library notice instead."""
    st.title(title, anchor=False)
    if queries.has_papers(ver):
        return True
    empty_library_notice()
    return False


def also_written_as(attrs: dict) -> None:
    """The other spellings of an entity's name seen in the digests, if any."""
    others = [n for n in attrs.get("names") or () if n and n != attrs.get("name")]
    if others:
        st.caption(t("also_written_as", names=md(" · ".join(others))))


def partner_network(ver: tuple, node_id: str, key: str, subunits: bool = True, max_nodes: int = 25) -> None:
    """The network of names sharing papers with ``node_id`` (an author's co-authors, an
    institution's partners: :func:`paperkg.ui.queries.partner_graph`), the strongest
    ``max_nodes`` shown; a click opens that page."""
    from paperkg.ui import graph_view

    sub = queries.partner_graph(ver, node_id, subunits)
    shown = graph_view.top_nodes(sub, max_nodes, keep=(node_id,))
    if len(shown.nodes) < len(sub.nodes):
        st.caption(t("network_truncated", shown=len(shown.nodes), total=len(sub.nodes)))
    clicked = graph_view.network(shown, key=key, focus=node_id, height=440)
    st.caption(t("network_hint"))
    if clicked and clicked != node_id:
        nav.go(clicked)


def person_cards(people: list[dict], columns: int = 3) -> None:
    """People as cards in a row: a link to each, their paper count, institutions and top co-authors."""
    for start in range(0, len(people), columns):
        cells = st.columns(columns)
        for cell, person in zip(cells, people[start:start + columns]):
            with cell.container(border=True):
                nav.link(person["id"], person["name"], bold=True)
                st.caption(t("person_papers", n=person["papers"], id=md(person["id"])))
                if person["institutions"]:
                    st.caption(t("person_institutions", names=md(", ".join(person["institutions"]))))
                if person["coauthors"]:
                    st.caption(t("person_coauthors", names=md(", ".join(person["coauthors"]))))

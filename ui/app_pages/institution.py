"""Institution page (``/institution?id=<key>``; without an id, every institution): registry
facts (country, type, ROR id, the organisation it is part of), its other spellings, papers
over time with its sub-units' (``subunits=0`` for the institution alone), top authors, and
partner institutions as a network (click a node to open it) and a table."""
from __future__ import annotations

import re

import streamlit as st

from paperkg.graph.model import kind_of
from paperkg.ui import lists, nav, queries, resources, tables, widgets
from paperkg.ui.i18n import t
from paperkg.ui.safe import md, md_link

#: A ROR id: 0, six base-32 characters (no i, l, o, u), two check digits.
ROR_ID = re.compile(r"0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}")


def ror_url(ror: str | None) -> str | None:
    """https://ror.org/<id> for a well-formed ROR id (the only link built from library data)."""
    return f"https://ror.org/{ror}" if ror and ROR_ID.fullmatch(ror) else None


def render() -> None:
    ver = resources.version()
    node_id = widgets.entity_from_url("institution", ver)
    if node_id is None:
        return
    if not node_id:
        lists.entity_list(ver, "institution")
        return
    alone = st.query_params.get("subunits") == "0"
    shown = queries.show(ver, node_id, subunits=not alone)
    papers = shown["papers"]
    st.title(md(shown["name"]), anchor=False)
    facts(ver, shown)
    widgets.also_written_as(shown)
    subunits(ver, node_id, shown, alone)
    authors = widgets.top_people(papers)
    cols = st.columns(3)
    cols[0].metric(t("papers"), len(papers))
    cols[1].metric(t("partners"), len(shown["partners"]))
    cols[2].metric(t("authors"), len(authors))

    st.subheader(t("papers_over_time"), anchor=False)
    tables.monthly_chart(tables.paper_months(papers))

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(t("partners"), anchor=False)
        if shown["partners"]:
            widgets.partner_network(ver, node_id, key="institution-net", subunits=not alone)
        else:
            st.caption(t("no_partners"))
    with right:
        st.subheader(t("partners_table"), anchor=False)
        tables.names_table(shown["partners"], t("shared_papers"), key="partners-table")
        st.subheader(t("top_authors"), anchor=False)
        tables.names_table(authors, t("paper_count"), key="authors-table", limit=50)

    st.subheader(t("papers"), anchor=False)
    tables.papers_table(papers, key="institution-papers")


def facts(ver: tuple, shown: dict) -> None:
    """Country, type and ROR id (a link to ror.org), and the parent organisation (a link)."""
    bits = []
    if shown.get("country"):
        bits.append(t("country_is", country=md(shown["country"])))
    if shown.get("type"):
        bits.append(t(f"type_{shown['type']}"))
    url = ror_url(shown.get("ror"))
    if url:
        bits.append(md_link(f"ROR {shown['ror']}", url))
    parent = shown.get("parent")
    parent_node = queries.node(ver, parent) if parent and kind_of(parent) == "institution" else None
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        if bits:
            st.markdown(" · ".join(bits))
        if parent_node is not None:
            nav.link(parent, parent_node.get("name") or parent, prefix=t("part_of") + " ")
    if not bits and parent_node is None:
        st.caption(t("not_in_registry"))


def subunits(ver: tuple, node_id: str, shown: dict, alone: bool) -> None:
    """Whether the papers include the sub-units' (named, each a link), and the switch."""
    units = shown.get("subunits") or []
    if not units and not alone:
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        if alone:
            st.markdown(t("alone"))
        else:
            st.markdown(t("with_subunits"))
            for unit in units[:8]:
                nav.link(unit["id"], unit["name"])
            if len(units) > 8:
                st.markdown(t("and_more", n=len(units) - 8))
        key = node_id.split(":", 1)[1]
        nav.page_link(nav.INSTITUTION, t("show_with_subunits") if alone else t("show_alone"),
                      params={"id": key} if alone else {"id": key, "subunits": "0"})


if __name__ == "__main__":
    render()

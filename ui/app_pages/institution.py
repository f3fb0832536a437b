"""Institution page (``/institution?name=…``): papers over time, top authors, and partner
institutions as a network (click a node to open it) and as a table."""
from __future__ import annotations

import streamlit as st

from paperkg.graph.model import institution_id
from paperkg.ui import nav, queries, resources, widgets
from paperkg.ui.i18n import t
from paperkg.ui.safe import md



def render() -> None:
    ver = resources.version()
    name = (st.query_params.get("name") or "").strip()
    if not name:
        st.info(t("no_name_chosen"))
        st.page_link(nav.OVERVIEW, label=t("page_overview"), icon=":material/hub:")
        return
    node_id = institution_id(name)
    if queries.node(ver, node_id) is None:
        widgets.not_found("institution", name, ver)
        return
    shown = queries.show(ver, node_id)
    papers = shown["papers"]
    st.title(md(name), anchor=False)
    authors = widgets.top_names(papers, "authors")
    cols = st.columns(3)
    cols[0].metric(t("papers"), len(papers))
    cols[1].metric(t("partners"), len(shown["partners"]))
    cols[2].metric(t("authors"), len(authors))

    st.subheader(t("papers_over_time"), anchor=False)
    monthly = widgets.monthly_counts(papers)
    st.bar_chart(monthly, x="month", y="papers", x_label=t("month"), y_label=t("paper_count"), height=220)

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(t("partners"), anchor=False)
        if shown["partners"]:
            widgets.partner_network(papers, "institutions", node_id, "INSTITUTION_LINK", key="institution-net")
        else:
            st.caption(t("no_partners"))
    with right:
        st.subheader(t("partners_table"), anchor=False)
        widgets.names_table(shown["partners"], "institution", t("shared_papers"), key="partners-table")
        st.subheader(t("top_authors"), anchor=False)
        widgets.names_table(authors, "author", t("paper_count"), key="authors-table", limit=50)

    st.subheader(t("papers"), anchor=False)
    widgets.papers_table(papers, key="institution-papers")


if __name__ == "__main__":
    render()

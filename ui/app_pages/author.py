"""Author page (``/author?name=…``): papers, co-authors (network and table), institutions."""
from __future__ import annotations

import streamlit as st

from paperkg.graph.model import author_id
from paperkg.ui import nav, queries, resources, widgets
from paperkg.ui.i18n import t
from paperkg.ui.safe import md



def render() -> None:
    ver = resources.version()
    name = (st.query_params.get("name") or "").strip()
    if not name:
        st.info(t("no_name_chosen"))
        st.page_link(nav.SEARCH, label=t("page_search"), icon=":material/search:")
        return
    node_id = author_id(name)
    if queries.node(ver, node_id) is None:
        widgets.not_found("author", name, ver)
        return
    shown = queries.show(ver, node_id)
    papers = shown["papers"]
    st.title(md(name), anchor=False)
    cols = st.columns(3)
    cols[0].metric(t("papers"), len(papers))
    cols[1].metric(t("coauthors"), len(shown["coauthors"]))
    cols[2].metric(t("institutions"), len(shown["institutions"]))

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(t("coauthors"), anchor=False)
        if shown["coauthors"]:
            widgets.partner_network(papers, "authors", node_id, "COAUTHOR", key="author-net")
        else:
            st.caption(t("no_coauthors"))
    with right:
        st.subheader(t("coauthors_table"), anchor=False)
        widgets.names_table(shown["coauthors"], "author", t("shared_papers"), key="coauthors-table")
        st.subheader(t("institutions"), anchor=False)
        widgets.names_table(shown["institutions"], "institution", t("paper_count"), key="author-institutions")

    st.subheader(t("papers"), anchor=False)
    widgets.papers_table(papers, key="author-papers")


if __name__ == "__main__":
    render()

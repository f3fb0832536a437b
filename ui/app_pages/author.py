"""Author page (``/author?name=…``): papers, co-authors (network and table), institutions."""
from __future__ import annotations

import streamlit as st

from graph.embedded import co_occurrence
from graph.model import author_id
from ui import graph_view, nav, state, widgets
from ui.i18n import t
from ui.safe import md

MAX_NETWORK = 25


def render() -> None:
    ver = state.version()
    name = (st.query_params.get("name") or "").strip()
    if not name:
        st.info(t("no_name_chosen"))
        st.page_link(nav.SEARCH, label=t("page_search"), icon=":material/search:")
        return
    node_id = author_id(name)
    if state.node(ver, node_id) is None:
        widgets.not_found("author", name, ver)
        return
    shown = state.show(ver, node_id)
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
            sub = co_occurrence(papers, "authors", "author", "COAUTHOR", 1, lambda _: None)
            shown_sub = graph_view.top_nodes(sub, MAX_NETWORK, keep=(node_id,))
            if len(shown_sub.nodes) < len(sub.nodes):
                st.caption(t("network_truncated", shown=len(shown_sub.nodes), total=len(sub.nodes)))
            clicked = graph_view.network(shown_sub, key="author-net", focus=node_id, height=440, layout="radial")
            st.caption(t("network_hint"))
            if clicked and clicked != node_id:
                nav.go(clicked)
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

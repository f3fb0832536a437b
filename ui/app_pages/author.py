"""Author page (``/author?id=<key>``; without an id, every author): a person's papers over
time, other spellings of the name, the other people written the same way (and what tells
them apart), co-authors as a network and a table, and institutions."""
from __future__ import annotations

import streamlit as st

from paperkg.ui import lists, nav, queries, resources, tables, widgets
from paperkg.ui.i18n import t
from paperkg.ui.safe import md


def render() -> None:
    ver = resources.version()
    node_id = widgets.entity_from_url("author", ver)
    if node_id is None:
        return
    if not node_id:
        lists.entity_list(ver, "author")
        return
    shown = queries.show(ver, node_id)
    papers = shown["papers"]
    st.title(md(shown["name"]), anchor=False)
    widgets.also_written_as(shown)
    namesakes(ver, node_id, shown["name"])
    cols = st.columns(3)
    cols[0].metric(t("papers"), len(papers))
    cols[1].metric(t("coauthors"), len(shown["coauthors"]))
    cols[2].metric(t("institutions"), len(shown["institutions"]))
    st.subheader(t("papers_over_time"), anchor=False)
    tables.monthly_chart(tables.paper_months(papers), height=180)

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(t("coauthors"), anchor=False)
        if shown["coauthors"]:
            widgets.partner_network(ver, node_id, key="author-net")
        else:
            st.caption(t("no_coauthors"))
    with right:
        st.subheader(t("coauthors_table"), anchor=False)
        tables.names_table(shown["coauthors"], t("shared_papers"), key="coauthors-table")
        st.subheader(t("institutions"), anchor=False)
        tables.names_table(shown["institutions"], t("paper_count"), key="author-institutions")

    st.subheader(t("papers"), anchor=False)
    tables.papers_table(papers, key="author-papers")


def namesakes(ver: tuple, node_id: str, name: str) -> None:
    """The other people written as this one is, side by side, each with what tells them apart."""
    others = queries.namesakes(ver, node_id)
    if not others:
        return
    with st.expander(t("namesakes", n=len(others), name=md(name)), expanded=True):
        widgets.person_cards(others)
        nav.page_link(nav.CORRECTIONS, t("review_namesakes"), params={"name": name}, icon=":material/rule:")


if __name__ == "__main__":
    render()

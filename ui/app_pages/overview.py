"""Overview page (``/overview``): library counts, papers per category per month, the most
connected institutions and the whole library's institution collaboration network.
Filters (sidebar) and network size are in the URL."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from paperkg.ui import graph_view, nav, queries, resources, widgets
from paperkg.ui.i18n import t

#: The most connected institutions are densely linked: a ring keeps every name readable.
LAYOUT = "circle"


def render() -> None:
    ver = resources.version()
    st.title(t("page_overview"), anchor=False)
    if not queries.has_papers(ver):
        widgets.empty_library_notice()
        return
    stats = queries.stats(ver)
    filters = widgets.sidebar_filters(ver)
    if filters is None:
        return
    key = queries.filter_key(filters)
    min_weight = st.sidebar.slider(t("min_weight"), 1, 10, 1, key="min_weight", bind="query-params")
    max_nodes = st.sidebar.slider(t("max_nodes"), 10, 300, 50, step=10, key="max_nodes", bind="query-params")

    st.subheader(t("counts"), anchor=False)
    cols = st.columns(6)
    for col, name in zip(cols, ("papers", "authors", "institutions", "categories", "digests", "edges")):
        col.metric(t(name), stats.get(name, 0))

    st.subheader(t("per_category_month"), anchor=False)
    rows = queries.monthly_by_category(ver, key)
    frame = pd.DataFrame(rows, columns=["month", t("category"), "papers"])
    st.bar_chart(frame, x="month", y="papers", color=t("category"), x_label=t("month"), y_label=t("paper_count"),
                 height=280)

    links = queries.institution_links(ver, key, min_weight)
    if not links.edges:
        st.info(t("no_links"))
        return
    degree = _partner_counts(links)
    weighted = graph_view.weighted_degree(links)
    ranked = sorted(links.nodes, key=lambda n: (-degree[n], -weighted[n], n))[:50]
    st.subheader(t("collaboration_network"), anchor=False)
    shown = graph_view.top_nodes(links, max_nodes)
    if len(shown.nodes) < len(links.nodes):
        st.caption(t("network_truncated", shown=len(shown.nodes), total=len(links.nodes)))
    clicked = graph_view.network(shown, key="overview-net", height=600, layout=LAYOUT)
    st.caption(t("network_hint"))
    if clicked:
        nav.go(clicked)
    st.subheader(t("most_connected"), anchor=False)
    table = pd.DataFrame({t("name"): [links.nodes[n].get("name", n.split(":", 1)[1]) for n in ranked],
                          t("partner_count"): [degree[n] for n in ranked],
                          t("shared_papers"): [weighted[n] for n in ranked]})
    widgets.clickable_table(table, ranked, key="connected-table", height=420)


def _partner_counts(links) -> dict[str, int]:
    degree = dict.fromkeys(links.nodes, 0)
    for edge in links.edges:
        degree[edge.source] += 1
        degree[edge.target] += 1
    return degree


if __name__ == "__main__":
    render()

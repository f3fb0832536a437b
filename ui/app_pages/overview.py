"""Overview page (``/overview``): library counts, papers per category per month, the most
connected institutions and the whole library's institution collaboration network.
Filters (sidebar) and network size are in the URL."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from paperkg.ui import filters as sidebar, graph_view, nav, queries, resources, tables, widgets
from paperkg.ui.i18n import t


def render() -> None:
    ver = resources.version()
    if not widgets.library_page(t("page_overview"), ver):
        return
    stats = queries.stats(ver)
    filters = sidebar.sidebar_filters(ver)
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
    counts = {(month, category): n for month, category, n in queries.monthly_by_category(ver, key)}
    tables.monthly_chart(counts, height=280, by=t("category"))

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
    clicked = graph_view.network(shown, key="overview-net", height=620)
    st.caption(t("network_hint"))
    if clicked:
        nav.go(clicked)
    st.subheader(t("most_connected"), anchor=False)
    table = pd.DataFrame({t("name"): [links.nodes[n].get("name", n.split(":", 1)[1]) for n in ranked],
                          t("partner_count"): [degree[n] for n in ranked],
                          t("shared_papers"): [int(weighted[n]) for n in ranked]})
    tables.clickable_table(table, ranked, key="connected-table", height=420, wide=(t("name"),))


def _partner_counts(links) -> dict[str, int]:
    degree = dict.fromkeys(links.nodes, 0)
    for edge in links.edges:
        degree[edge.source] += 1
        degree[edge.target] += 1
    return degree


if __name__ == "__main__":
    render()

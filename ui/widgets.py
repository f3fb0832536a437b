"""Pieces several pages share: the filter sidebar, clickable tables, monthly counts.

pandas is imported where tables are drawn: the search page, the first page a
user sees, has none and starts faster without it.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from paperkg.graph.filters import PaperFilter
from paperkg.ui import nav, queries, url_state
from paperkg.ui.i18n import t
from paperkg.ui.safe import md, short

if TYPE_CHECKING:
    import pandas as pd

FILTER_KEYS = ("category", "institution", "author", "since", "until")


def sidebar_filters(ver: tuple, with_names: bool = True) -> PaperFilter | None:
    """Category, institution, author and date range in the sidebar, bound to the URL.
    Returns ``None`` (after saying why) when a value is invalid."""
    side = st.sidebar
    side.subheader(t("filters"), anchor=False)
    codes = [""] + [c["code"] for c in queries.categories(ver)]
    zh_names = {c["code"]: c.get("name_zh") or "" for c in queries.categories(ver)}
    url_state.restore("category", "", allowed=codes, parse=str.upper)
    labels = {c: f"{c} {zh_names.get(c, '')}".strip() if c else t("any") for c in codes}
    category = side.selectbox(t("category"), codes, key="category", format_func=labels.get)
    url_state.publish("category", category, "")
    institution = author = ""
    if with_names:
        institution = side.text_input(t("institution"), key="institution", bind="query-params", help=t("institution_help"))
        author = side.text_input(t("author"), key="author", bind="query-params", help=t("author_help"))
    since = side.date_input(t("since"), value=None, key="since", bind="query-params", format="YYYY-MM-DD")
    until = side.date_input(t("until"), value=None, key="until", bind="query-params", format="YYYY-MM-DD")
    try:
        return PaperFilter.asked(category=category or None, institution=(institution or "").strip() or None,
                           author=(author or "").strip() or None, since=_iso(since), until=_iso(until))
    except ValueError as exc:
        st.error(t("bad_filter", why=md(str(exc))))
        return None


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def clickable_table(frame: "pd.DataFrame", node_ids: list[str], key: str, height: int | str = "auto") -> None:
    """A table whose rows open the page of ``node_ids[row]`` when selected.
    Cells are drawn on a canvas as text, so library text needs no escaping here."""
    first, *counts = list(frame.columns)
    widths = {first: st.column_config.TextColumn(width="medium")}
    widths.update({c: st.column_config.Column(width="small") for c in counts if frame[c].dtype.kind in "iuf"})
    event = st.dataframe(frame, key=key, hide_index=True, on_select="rerun", selection_mode="single-row",
                         height=height, column_config=widths)
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    if rows and rows[0] < len(node_ids):
        nav.go(node_ids[rows[0]])


def papers_table(papers: list[dict], key: str, limit: int = 500) -> None:
    """Date, category, both titles and authors; select a row to open the paper."""
    import pandas as pd

    shown = papers[:limit]
    frame = pd.DataFrame({
        t("posted"): [(p.get("posted_at") or "")[:10] for p in shown],
        t("category"): [p.get("category", "") for p in shown],
        "Title": [p.get("title", "") for p in shown],
        "中文标题": [p.get("title_zh", "") for p in shown],
        t("authors"): [short(", ".join(p.get("authors", [])), 60) for p in shown],
    })
    clickable_table(frame, ["paper:" + p["id"] for p in shown], key=key, height=min(38 + 35 * len(shown), 420))


def names_table(rows: list[dict], kind: str, count_label: str, key: str, limit: int = 200) -> None:
    """``[{name, papers}]`` as a table of names and counts; select a row to open that name's page."""
    import pandas as pd

    shown = rows[:limit]
    frame = pd.DataFrame({t("name"): [r["name"] for r in shown], count_label: [r["papers"] for r in shown]})
    clickable_table(frame, [f"{kind}:{r['name']}" for r in shown], key=key, height=min(38 + 35 * len(shown), 380))


def monthly_counts(papers: list[dict], by: str | None = None) -> "pd.DataFrame":
    """Papers per month (``YYYY-MM``), optionally split by a field such as ``category``."""
    import pandas as pd

    counts: Counter = Counter()
    for paper in papers:
        month = (paper.get("posted_at") or "")[:7]
        if month:
            counts[(month, paper.get(by, "") if by else "")] += 1
    frame = pd.DataFrame([{"month": m, "group": g, "papers": n} for (m, g), n in sorted(counts.items())],
                         columns=["month", "group", "papers"])
    return frame


def top_names(papers: list[dict], field: str, exclude: str | None = None) -> list[dict]:
    """Names in ``field`` of ``papers`` by how many papers they appear in."""
    counts: Counter = Counter()
    for paper in papers:
        counts.update(n for n in dict.fromkeys(paper.get(field, [])) if n != exclude)
    return [{"name": n, "papers": c} for n, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def not_found(kind: str, name: str, ver: tuple) -> None:
    """Say the name is unknown and offer close names as links."""
    st.warning(t("not_found", kind=t(f"kind_{kind}"), name=md(name)))
    suggestions = queries.close_matches(ver, kind, name)
    if suggestions:
        st.caption(t("did_you_mean"))
        nav.links_row([f"{kind}:{s}" for s in suggestions], suggestions)


def empty_library_notice() -> None:
    st.info(t("empty_library"))
    st.page_link(nav.INGEST, label=t("go_ingest"), icon=":material/upload:")


def partner_network(papers: list[dict], field: str, node_id: str, edge_type: str, key: str, max_nodes: int = 25) -> None:
    """The network of names sharing ``papers`` with ``node_id`` (an author's co-authors,
    an institution's partners), the strongest ``max_nodes`` shown; a click opens that page."""
    from paperkg.graph.base import co_occurrence
    from paperkg.ui import graph_view

    kind = node_id.split(":", 1)[0]
    sub = co_occurrence(papers, field, kind, edge_type, 1, lambda _: None)
    shown = graph_view.top_nodes(sub, max_nodes, keep=(node_id,))
    if len(shown.nodes) < len(sub.nodes):
        st.caption(t("network_truncated", shown=len(shown.nodes), total=len(sub.nodes)))
    clicked = graph_view.network(shown, key=key, focus=node_id, height=440, layout="radial")
    st.caption(t("network_hint"))
    if clicked and clicked != node_id:
        nav.go(clicked)

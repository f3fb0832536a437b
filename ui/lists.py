"""The Paper, Institution and Author pages without an id: every paper, institution or author
of the library, sortable and filterable, with counts; a click on a row opens its page.

The sidebar filters (category, dates, and for papers institution and author) narrow the
papers counted; a box narrows by name or title; the order is in the URL (``sort=``), so
Back returns to the same list.
"""
from __future__ import annotations

import streamlit as st

from paperkg.ui import filters as sidebar, queries, tables, url_state, widgets
from paperkg.ui.i18n import t

SHOWN = 500
PAPER_ORDERS = ("newest", "oldest", "title")
ENTITY_ORDERS = ("papers", "name")


def _narrowing(key: str) -> str:
    return (st.text_input(t(f"contains_{key}"), key="contains", bind="query-params",
                          placeholder=t("contains_placeholder"), icon=":material/filter_list:") or "").strip().casefold()


def _order(options: tuple[str, ...]) -> str:
    names = {o: t(f"sort_{o}") for o in options}
    return url_state.choice("sort", options[0], options, draw=lambda key: st.segmented_control(
        t("sort_by"), list(options), key=key, required=True, format_func=names.get))


def papers_list(ver: tuple) -> None:
    if not widgets.library_page(t("papers_title"), ver):
        return
    filters = sidebar.sidebar_filters(ver)
    if filters is None:
        return
    cols = st.columns([3, 2])
    with cols[0]:
        words = _narrowing("papers")
    with cols[1]:
        order = _order(PAPER_ORDERS)
    rows = queries.paper_rows(ver, queries.filter_key(filters))
    if words:
        rows = [r for r in rows if words in r["title"].casefold() or words in r["title_zh"].casefold()]
    if order == "oldest":
        rows = rows[::-1]
    elif order == "title":
        rows = sorted(rows, key=lambda r: r["title"].casefold())
    _count(len(rows), "papers_count")
    if rows:
        tables.papers_table(rows, key=f"papers-list-{order}", limit=SHOWN, height=620)


def entity_list(ver: tuple, kind: str) -> None:
    """Every institution (or author) with papers under the filters, most papers first."""
    if not widgets.library_page(t(f"{kind}s_title"), ver):
        return
    filters = sidebar.sidebar_filters(ver, with_names=False)
    if filters is None:
        return
    cols = st.columns([3, 2])
    with cols[0]:
        words = _narrowing(f"{kind}s")
    with cols[1]:
        order = _order(ENTITY_ORDERS)
    rows = queries.entity_rows(ver, kind, queries.filter_key(filters))
    if words:
        rows = [r for r in rows if words in r["name"].casefold()]
    if order == "name":
        rows = sorted(rows, key=lambda r: r["name"].casefold())
    _count(len(rows), f"{kind}s_count")
    if not rows:
        return
    import pandas as pd

    shown = rows[:SHOWN]
    columns = {t("name"): [r["name"] for r in shown], t("paper_count"): [r["papers"] for r in shown]}
    if kind == "institution":
        columns[t("country")] = [r["country"] for r in shown]
        columns[t("type")] = [t(f"type_{r['type']}") if r["type"] else "" for r in shown]
    tables.clickable_table(pd.DataFrame(columns), [r["id"] for r in shown], key=f"{kind}-list-{order}",
                           height=tables.table_height(len(shown), 620), wide=(t("name"),),
                           narrow=(t("country"), t("type")))


def _count(n: int, key: str) -> None:
    st.caption(t(key, n=n) + (" · " + t("showing_first", n=SHOWN) if n > SHOWN else ""))

"""Search page, the home page (``/?q=…&mode=…&category=…&institution=…&author=…&since=…&until=…``):
one box for Chinese or English, the mode, filters in the sidebar; results with both
titles, category, authors, institutions, date, score and a snippet, each linking to its paper."""
from __future__ import annotations

import streamlit as st

from paperkg.ui import nav, queries, resources, search_bridge, url_state, widgets
from paperkg.ui.i18n import t
from paperkg.ui.safe import md, short

PAGE_SIZE = 20


def render() -> None:
    ver = resources.version()
    st.title(t("app_title"), anchor=False)
    if not queries.has_papers(ver):
        widgets.empty_library_notice()
        return
    query = st.text_input(t("search_box"), key="q", bind="query-params", placeholder=t("search_placeholder"),
                          icon=":material/search:")
    modes = search_bridge.MODES
    url_state.restore("mode", modes[0], allowed=modes)
    mode_names = {m: t(f"mode_{m}") if f"mode_{m}" in _MODE_KEYS else m for m in modes}
    mode = st.segmented_control(t("mode"), list(modes), key="mode", required=True, format_func=mode_names.get)
    url_state.publish("mode", mode, modes[0])
    resources.start_loading()
    search_bridge.start_loading()
    filters = widgets.sidebar_filters(ver)
    if filters is None:
        return
    query = (query or "").strip()
    asked = (query, mode, queries.filter_key(filters))
    if st.session_state.get("asked") != asked:
        st.session_state["asked"], st.session_state["limit"] = asked, PAGE_SIZE
    limit = st.session_state["limit"]
    if query:
        hits, why = search_bridge.search(query, limit, mode or modes[0], filters)
        if why is None:
            show_hits(hits, limit)
            return
        st.warning(t("search_unavailable", why=md(why)))
    total, papers = queries.papers(ver, queries.filter_key(filters), limit)
    st.subheader(t("latest_papers"), anchor=False)
    st.caption(t("results_count", n=total))
    if not papers:
        st.info(t("no_results"))
    for paper in papers:
        result_card(paper)
    _more(total > limit)


_MODE_KEYS = {"mode_hybrid", "mode_semantic", "mode_keyword"}


def show_hits(hits: list[dict], limit: int) -> None:
    if not hits:
        st.info(t("no_results"))
        return
    st.caption(t("top_results", n=len(hits)))
    for hit in hits:
        result_card(hit)
    _more(len(hits) >= limit)


def result_card(hit: dict) -> None:
    """One result: title (link to the paper), Chinese title, facts, authors, institutions, snippet."""
    with st.container(border=True):
        nav.link("paper:" + hit["id"], hit.get("title") or hit["id"], bold=True)
        if hit.get("title_zh"):
            st.markdown(md(hit["title_zh"]))
        facts = [md(hit.get("category") or ""), md((hit.get("posted_at") or "")[:10])]
        if hit.get("score") is not None:
            facts.append(f"{t('score')} {float(hit['score']):.3f}")
        st.caption(" · ".join(f for f in facts if f))
        people = short(", ".join(hit.get("authors") or []), 160)
        places = short(" & ".join(hit.get("institutions") or []), 160)
        st.caption(md(" — ".join(p for p in (people, places) if p)))
        snippet = hit.get("snippet") or hit.get("summary_zh") or hit.get("abstract") or ""
        if snippet:
            st.text(short(snippet, 240))


def _more(has_more: bool) -> None:
    if has_more and st.button(t("more_results"), key="more"):
        st.session_state["limit"] = st.session_state.get("limit", PAGE_SIZE) + PAGE_SIZE
        st.rerun()


if __name__ == "__main__":
    render()

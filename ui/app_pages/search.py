"""Search page, the home page (``/?q=…&mode=…&category=…&institution=…&author=…&since=…&until=…``):
one box for Chinese or English, the mode, filters in the sidebar. Results say how well each
matches (strong, partial, weak: the calibrated likelihood of :mod:`paperkg.search.relevance`);
weak matches are folded away, and a query nothing answers well says so."""
from __future__ import annotations

import re

import streamlit as st

from paperkg.ui import filters as sidebar, nav, queries, resources, search_bridge, url_state, widgets
from paperkg.ui.display import cut, highlighted
from paperkg.ui.i18n import t
from paperkg.ui.safe import md

PAGE_SIZE = 20
#: The badge colour of each match word.
BADGES = {"strong": "green", "partial": "orange", "weak": "gray"}
_NOT_WORD = re.compile(r"[\W_]+")
_SENTENCE = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+")


def render() -> None:
    ver = resources.version()
    if not widgets.library_page(t("app_title"), ver):
        return
    query = st.text_input(t("search_box"), key="q", bind="query-params", placeholder=t("search_placeholder"),
                          icon=":material/search:")
    modes = search_bridge.MODES
    names = {m: t(f"mode_{m}") for m in modes}
    mode = url_state.choice("mode", modes[0], modes, draw=lambda key: st.segmented_control(
        t("mode"), list(modes), key=key, required=True, format_func=names.get))
    resources.start_loading()
    search_bridge.start_loading()
    filters = sidebar.sidebar_filters(ver)
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
            if search_bridge.behind():
                st.info(t("index_behind"), icon=":material/update:")
            show_hits(hits, limit, query, mode, filters)
            return
        st.warning(t("search_unavailable", why=md(why)))
    total, papers = queries.papers(ver, queries.filter_key(filters), limit)
    st.subheader(t("latest_papers"), anchor=False)
    st.caption(t("results_count", n=total))
    if not papers:
        st.info(t("no_results"))
    for i, paper in enumerate(papers):
        result_card(paper, f"hit-{i}")
    _more(total > limit)


def show_hits(hits: list[dict], limit: int, query: str, mode: str, filters) -> None:
    if not hits:
        st.info(t("no_results"))
        return
    good = [h for h in hits if h.get("match", "strong") != "weak"]
    weak = [h for h in hits if h.get("match", "strong") == "weak"]
    counts = {word: sum(h.get("match") == word for h in hits) for word in BADGES}
    st.caption(t("match_summary", n=len(hits), **counts))
    if not good:
        st.info(t("no_good_match", query=md(query)))
    for i, hit in enumerate(good):
        result_card(hit, f"hit-{i}", query)
    if weak:
        with st.expander(t("weak_matches", n=len(weak)), expanded=False):
            for i, hit in enumerate(weak):
                result_card(hit, f"hit-weak-{i}", query)
    _more(len(hits) >= limit and hits[-1].get("match") != "weak")  # beyond weak matches lie weaker ones
    nav.page_link(nav.EXPORT, t("export_results"), icon=":material/download:",
                  params=export_params(query, mode, len(hits), filters))


def export_params(query: str, mode: str, k: int, filters) -> dict:
    """The Export page's URL for exactly this search (same query, mode, count and filters)."""
    params = {"select": "query", "q": query, "k": str(k)}
    if mode != search_bridge.MODES[0]:
        params["mode"] = mode
    for field, value in zip(("category", "institution", "author", "since", "until"), queries.filter_key(filters)):
        if value:
            params[field] = value
    return params


def _same_text(a: str, b: str) -> bool:
    """Whether ``a`` says no more than ``b`` (punctuation and case aside)."""
    a, b = _NOT_WORD.sub("", a).casefold(), _NOT_WORD.sub("", b).casefold()
    return bool(a) and a in b


def snippet_of(hit: dict) -> str:
    """The text to show under a result: a search hit's matching sentence, or the first sentence
    of a listed paper's summary; never one that only repeats a title (a title-only paper has none:
    the search index's snippet of such a paper is its title)."""
    titles = (hit.get("title_zh") or "", hit.get("title") or "")
    if "snippet" in hit:
        candidates = [hit.get("snippet") or ""]
    else:
        candidates = [part for body in (hit.get("summary_zh") or "", hit.get("abstract") or "")
                      for part in _SENTENCE.split(body)]
    return next((c.strip() for c in candidates if c.strip() and not any(_same_text(c, t) for t in titles)), "")


def result_card(hit: dict, key: str, query: str = "") -> None:
    """One result: the English title (the largest text, a link to the paper), how well it
    matches, the Chinese title, facts, authors, institutions and a snippet, the query's
    words in bold."""
    with st.container(border=True, key=key):
        nav.link("paper:" + hit["id"], hit.get("title") or hit["id"])
        facts = []
        if hit.get("match"):
            facts.append(f":{BADGES[hit['match']]}-badge[{t('match_' + hit['match'])}]")
        facts += [md(hit.get("category") or ""), md((hit.get("posted_at") or "")[:10])]
        if hit.get("relevance") is not None:
            facts.append(t("relevance", value=f"{float(hit['relevance']):.2f}"))
        st.markdown(" · ".join(f for f in facts if f))
        if hit.get("title_zh"):
            st.markdown(highlighted(hit["title_zh"], query))
        people = cut(", ".join(hit.get("authors") or []), 160)
        places = cut(" & ".join(hit.get("institutions") or []), 160)
        st.caption(md(" — ".join(p for p in (people, places) if p)))
        snippet = snippet_of(hit)
        if snippet:
            st.markdown(highlighted(cut(snippet, 240), query))
        else:
            st.caption(t("title_only_short"))


def _more(has_more: bool) -> None:
    if has_more and st.button(t("more_results"), key="more"):
        st.session_state["limit"] = st.session_state.get("limit", PAGE_SIZE) + PAGE_SIZE
        st.rerun()


if __name__ == "__main__":
    render()

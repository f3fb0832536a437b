"""Paper page (``/paper?id=<16 hex>``): both titles, summary and abstract, where it was
listed, its authors and institutions, related papers and its neighbourhood. Without an id,
every paper (``/paper?category=LG``: a category's papers), see :mod:`paperkg.ui.lists`."""
from __future__ import annotations

import streamlit as st

from paperkg.graph.model import author_id, institution_id
from paperkg.ui import graph_view, lists, nav, queries, resources, search_bridge
from paperkg.ui.display import cut
from paperkg.ui.i18n import t
from paperkg.ui.safe import md, md_link


def render() -> None:
    ver = resources.version()
    key = (st.query_params.get("id") or "").strip().removeprefix("paper:")
    if not key:
        lists.papers_list(ver)
        return
    paper = queries.node(ver, "paper:" + key)
    if paper is None or paper.get("kind") != "paper":
        st.warning(t("paper_not_found", id=md(key)))
        nav.page_link(nav.PAPER, t("all_papers"), icon=":material/article:")
        return
    header(paper, ver)
    left, right = st.columns([3, 2], gap="large")
    with left:
        if paper.get("summary_zh"):
            st.subheader(t("summary_zh"), anchor=False)
            st.text(paper["summary_zh"])
        if paper.get("abstract"):
            st.subheader(t("abstract"), anchor=False)
            st.text(paper["abstract"])
        if not paper.get("summary_zh") and not paper.get("abstract"):
            st.caption(t("title_only"))
    with right:
        sources(paper)
        related(key, ver)
    neighbourhood(paper, ver)


def header(paper: dict, ver: tuple) -> None:
    st.title(md(paper["title"]), anchor=False)
    if paper.get("title_zh"):
        st.subheader(md(paper["title_zh"]), anchor=False)
    category = paper.get("category") or ""
    zh_name = next((c.get("name_zh", "") for c in queries.categories(ver) if c.get("code") == category), "")
    bits = [f"{t('posted')}: {md((paper.get('posted_at') or '')[:10])}"]
    if paper.get("starred"):
        bits.append(t("starred"))
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        if category:
            nav.link("category:" + category, f"{category} {zh_name}".strip())
        st.caption(" · ".join(bits))
    st.markdown(f"**{t('authors')}**")
    people = dict(zip(paper.get("author_ids") or (), paper.get("authors", [])))  # each person once, as written here
    nav.links_row([author_id(k) for k in people], list(people.values()))
    if paper.get("institutions"):
        st.markdown(f"**{t('institutions')}**")
        places = dict(zip(paper.get("institution_ids") or (), paper["institutions"]))
        nav.links_row([institution_id(k) for k in places], list(places.values()))


def sources(paper: dict) -> None:
    st.subheader(t("sources"), anchor=False)
    lines = []
    for src in paper.get("sources", []):
        section = t("section_main") if src.get("section") == "main" else t("section_other")
        line = t("source_line", digest=md(src.get("digest", "")), section=section, rank=src.get("rank", ""),
                 posted=md((src.get("posted_at") or "")[:16].replace("T", " ")))
        if src.get("url"):
            line += " · " + md_link(t("original_post"), src["url"])
        lines.append("- " + line)
    st.markdown("\n".join(lines) or "—")


def _reason(reason: dict) -> str:
    """One reason of ``why`` in the page's language (library text escaped)."""
    kind = reason.get("kind")
    if kind == "terms":
        return t("why_terms", terms=md(", ".join(reason["terms"])))
    if kind == "authors":
        return t("why_authors", names=md(", ".join(reason["names"])))
    if kind == "category":
        return t("why_category", code=md(reason["code"]))
    if kind == "meaning":
        return t("why_meaning", similarity=f"{float(reason['similarity']):.2f}")
    if kind == "nearest":
        return t("why_nearest", title=md(cut(reason.get("title") or "", 60)))
    return ""


def related(key: str, ver: tuple) -> None:
    """Related papers, the answer of `paperkg related`: strong and related ones with their strength
    and reasons, weak ones folded away, and "no closely related paper" when only weak ones exist."""
    st.subheader(t("related"), anchor=False)
    found, why = search_bridge.related(key, 8)
    if why:
        st.caption(t("related_unavailable", why=md(why)))
        return

    def show(hit: dict) -> None:
        title = hit.get("title") or hit["id"]
        nav.link("paper:" + hit["id"], cut(title, 70), prefix=f"{t('strength_' + hit['strength'])} · ", help=md(title))
        reasons = " · ".join(r for r in map(_reason, hit.get("why") or []) if r)
        if reasons:
            st.caption(reasons)

    close = [h for h in found if h.get("strength") != "weak"]
    weak = [h for h in found if h.get("strength") == "weak"]
    if not close:
        st.info(t("related_none"))
    for hit in close:
        show(hit)
    if weak:
        with st.expander(t("related_weak", n=len(weak))):
            for hit in weak:
                show(hit)


def neighbourhood(paper: dict, ver: tuple) -> None:
    st.subheader(t("neighbourhood"), anchor=False)
    sub = queries.paper_neighbourhood(ver, "paper:" + paper["id"])
    graph_view.legend(["paper", "author", "institution", "category"],
                      {k: t(f"kind_{k}") for k in ("paper", "author", "institution", "category")})
    clicked = graph_view.network(sub, key="paper-net", focus="paper:" + paper["id"], height=520)
    st.caption(t("network_hint"))
    if clicked and clicked != "paper:" + paper["id"]:
        nav.go(clicked)


if __name__ == "__main__":
    render()

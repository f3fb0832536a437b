"""Paper page (``/paper?id=<16 hex>``): both titles, summary and abstract, where it was
listed, its authors and institutions, related papers and its neighbourhood."""
from __future__ import annotations

import streamlit as st

from paperkg.graph.model import author_id, institution_id
from paperkg.ui import graph_view, nav, queries, resources, search_bridge
from paperkg.ui.i18n import t
from paperkg.ui.safe import md, md_link, short


def render() -> None:
    ver = resources.version()
    key = (st.query_params.get("id") or "").strip().removeprefix("paper:")
    if not key:
        st.info(t("no_paper_chosen"))
        st.page_link(nav.SEARCH, label=t("page_search"), icon=":material/search:")
        return
    paper = queries.node(ver, "paper:" + key)
    if paper is None or paper.get("kind") != "paper":
        st.warning(t("paper_not_found", id=md(key)))
        st.page_link(nav.SEARCH, label=t("page_search"), icon=":material/search:")
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
    bits = [f"{md(category)} {md(zh_name)}".strip(), f"{t('posted')}: {md((paper.get('posted_at') or '')[:10])}"]
    if paper.get("starred"):
        bits.append(t("starred"))
    st.caption(" · ".join(b for b in bits if b))
    st.markdown(f"**{t('authors')}**")
    nav.links_row([author_id(n) for n in dict.fromkeys(paper.get("authors", []))], list(dict.fromkeys(paper.get("authors", []))))
    if paper.get("institutions"):
        st.markdown(f"**{t('institutions')}**")
        names = list(dict.fromkeys(paper["institutions"]))
        nav.links_row([institution_id(n) for n in names], names)


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


def related(key: str, ver: tuple) -> None:
    st.subheader(t("related"), anchor=False)
    found, why = search_bridge.related(key, 8)
    if why:
        st.caption(t("related_unavailable", why=md(why)))
        return
    for hit in found:
        nav.link("paper:" + hit["id"], short(hit.get("title") or hit["id"], 80),
                 prefix=f"{float(hit.get('score') or 0):.2f} · ")


def neighbourhood(paper: dict, ver: tuple) -> None:
    st.subheader(t("neighbourhood"), anchor=False)
    sub = queries.paper_neighbourhood(ver, "paper:" + paper["id"])
    graph_view.legend(["paper", "author", "institution", "category"],
                      {k: t(f"kind_{k}") for k in ("paper", "author", "institution", "category")})
    clicked = graph_view.network(sub, key="paper-net", focus="paper:" + paper["id"], height=480)
    st.caption(t("network_hint"))
    if clicked and clicked != "paper:" + paper["id"]:
        nav.go(clicked)


if __name__ == "__main__":
    render()

"""Export page (``/export?select=…``): the CLI's four selections — the neighbourhood of seeds
(``seeds``, ``hops``, ``kinds``), what a search finds (``q``, ``k``, ``mode``; the Search page
links here with its own query), the institution links and the co-author network
(``min_weight``; co-authors optionally of one author) — narrowed by the sidebar filters;
a preview with its counts, and downloads in every export format, named after the selection."""
from __future__ import annotations

import re
import unicodedata

import streamlit as st

from paperkg.errors import PaperkgError
from paperkg.graph.export import FORMATS
from paperkg.graph.export import render as render_file
from paperkg.graph.model import KINDS, key_of, kind_of
from paperkg.services import ExportRequest, select
from paperkg.ui import filters as sidebar, graph_view, queries, resources, search_bridge, url_state, widgets
from paperkg.ui.display import cut
from paperkg.ui.i18n import t
from paperkg.ui.safe import md

PREVIEW_NODES = 150
DEFAULT_KINDS = ["paper", "author", "institution", "category"]
SELECTIONS = ("around", "query", "links", "coauthors")


@st.cache_data(show_spinner=False, max_entries=32)
def _subgraph(ver: tuple, index_version: int | None, request: tuple, filters: tuple):
    """The selection, per library version and (for a search) search index version."""
    lib = resources.library()
    engine, engine_lock = None, None
    selection, seeds, hops, kinds, query, k, mode, min_weight = request
    asked = ExportRequest(hops=hops, kinds=list(kinds) or None, filters=queries.filters_of(filters) or None,
                          min_weight=min_weight)
    if selection == "around":
        asked.around = list(seeds)
    elif selection == "query":
        asked.query, asked.k, asked.mode = query, k, mode
        asked.kinds = list(kinds) or None
        found, why = search_bridge.engine()
        if found is None:
            raise PaperkgError(why)
        engine, engine_lock = found.engine, found.lock
    elif selection == "links":
        asked.institution_links, asked.kinds = True, None
    else:
        asked.coauthors, asked.around, asked.kinds = True, list(seeds[:1]), None
    return select(lib.settings, asked, store=lib.store, store_lock=lib.lock, engine=engine, engine_lock=engine_lock)


def render() -> None:
    ver = resources.version()
    if not widgets.library_page(t("page_export"), ver):
        return
    filters = sidebar.sidebar_filters(ver)
    if filters is None:
        return
    names = {s: t(f"select_{s}") for s in SELECTIONS}
    selection = url_state.choice("select", SELECTIONS[0], SELECTIONS, draw=lambda key: st.segmented_control(
        t("export_what"), list(SELECTIONS), key=key, required=True, format_func=names.get))
    seeds, hops, kinds, query, k, mode, min_weight = [], 1, [], None, 10, search_bridge.MODES[0], 1
    if selection == "around":
        seeds = seed_picker(ver, kinds=None)
        cols = st.columns([1, 3])
        with cols[0]:
            hops = st.slider(t("hops"), 0, 3, 1, key="hops", bind="query-params")
        with cols[1]:
            kinds = kind_picker()
        if not seeds:
            st.info(t("choose_seeds"))
            return
    elif selection == "query":
        query, k, mode, kinds = query_picker()
        if not query:
            st.info(t("choose_query"))
            return
    else:
        min_weight = st.slider(t("min_weight"), 1, 10, 1, key="min_weight", bind="query-params")
        if selection == "coauthors":
            seeds = seed_picker(ver, kinds=("author",), single=True)
    request = (selection, tuple(seeds), int(hops), tuple(kinds), query, int(k), mode, int(min_weight))
    index_version = None
    if selection == "query":
        found, why = search_bridge.engine()  # waits for the engine here, not inside the cached call
        if found is None:
            st.warning(md(why))
            return
        index_version = search_bridge.index_version()
    try:
        sub = _subgraph(ver, index_version, request, queries.filter_key(filters))
    except PaperkgError as exc:
        st.warning(md(str(exc)))
        return
    st.subheader(t("preview"), anchor=False)
    st.markdown(f"**{t('subgraph_size', nodes=len(sub.nodes), edges=len(sub.edges))}**")
    shown = graph_view.top_nodes(sub, PREVIEW_NODES, keep=tuple(seeds))
    if len(shown.nodes) < len(sub.nodes):
        st.caption(t("preview_too_big", shown=len(shown.nodes)))
    present = [kind for kind in KINDS if any(a.get("kind") == kind for a in shown.nodes.values())]
    graph_view.legend(present, {kind: t(f"kind_{kind}") for kind in KINDS})
    graph_view.network(shown, key="export-net", height=460)
    downloads(sub, file_stem(ver, request))


def seed_picker(ver: tuple, kinds: tuple[str, ...] | None, single: bool = False) -> list[str]:
    """Seeds (node ids) chosen among the matches of what is typed; the choice is in the URL."""
    typed = st.text_input(t("seed_search_author") if single else t("seed_search"), key="seed_text",
                          placeholder="Google, Y Dong, attention…")
    current = st.session_state.get(url_state.language_key("seeds"))
    if current is None:
        current = st.query_params.get_all("seeds")
    chosen = [s for s in ([current] if isinstance(current, str) else current) if queries.node(ver, s) is not None]
    candidates = [(n, label) for n, label in (queries.find_nodes(ver, typed) if typed else [])
                  if kinds is None or kind_of(n) in kinds]
    labels = dict(candidates)
    options = list(dict.fromkeys(chosen + [node_id for node_id, _ in candidates]))

    # st.pills renders its labels as Markdown: library text goes in escaped
    shown = {node_id: f"{t('kind_' + kind_of(node_id)) if kind_of(node_id) in KINDS else '?'} · "
                      f"{md(cut(labels.get(node_id) or _label(ver, node_id), 60))}" for node_id in options}
    seeds = url_state.choice("seeds", None if single else [], options, multi=not single, draw=lambda key: st.pills(
        t("seeds"), options, selection_mode="single" if single else "multi", key=key, format_func=shown.get))
    if single:
        return [seeds] if seeds else []
    return list(seeds or [])


def kind_picker() -> list[str]:
    names = {kind: t(f"kind_{kind}") for kind in KINDS}
    kinds = url_state.choice("kinds", DEFAULT_KINDS, KINDS, multi=True, draw=lambda key: st.pills(
        t("node_kinds"), list(KINDS), selection_mode="multi", key=key, format_func=names.get))
    return list(kinds or [])


def query_picker() -> tuple[str, int, str, list[str]]:
    query = (st.text_input(t("search_box"), key="q", bind="query-params") or "").strip()
    cols = st.columns([1, 2, 3])
    with cols[0]:
        k = st.number_input(t("result_count"), 1, 500, 10, key="k", bind="query-params")
    modes = search_bridge.MODES
    names = {m: t(f"mode_{m}") for m in modes}
    with cols[1]:
        mode = url_state.choice("mode", modes[0], modes, draw=lambda key: st.segmented_control(
            t("mode"), list(modes), key=key, required=True, format_func=names.get))
    with cols[2]:
        kinds = kind_picker()
    return query, int(k), mode, kinds


def _label(ver: tuple, node_id: str) -> str:
    attrs = queries.node(ver, node_id) or {}
    return attrs.get("title") or attrs.get("name") or attrs.get("code") or node_id.split(":", 1)[-1]


def slug(text: str, width: int = 48) -> str:
    """A file-name piece: letters and digits (Chinese kept, accents dropped), the rest one ``-``."""
    flat = unicodedata.normalize("NFKD", text)
    flat = "".join(c for c in flat if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^\w]+|_+", "-", flat).strip("-")[:width].strip("-") or "export"


def file_stem(ver: tuple, request: tuple) -> str:
    """What the downloads are called: the selection in words (``uc-berkeley-2hop``,
    ``search-注意力``, ``institution-links-min2``, ``y-dong-coauthors``)."""
    selection, seeds, hops, _, query, _, _, min_weight = request

    def seed_name(node_id: str) -> str:
        return node_id.split(":", 1)[1] if kind_of(node_id) == "institution" else _label(ver, node_id)
    if selection == "around":
        more = f"-and-{len(seeds) - 1}-more" if len(seeds) > 1 else ""
        return f"{slug(seed_name(seeds[0]), 40)}{more}-{hops}hop"
    if selection == "query":
        return f"search-{slug(query or '', 40)}"
    minimum = f"-min{min_weight}" if min_weight > 1 else ""
    if selection == "links":
        return f"institution-links{minimum}"
    return (f"{slug(key_of(seeds[0]), 40)}-" if seeds else "") + f"coauthors{minimum}"


def downloads(sub, stem: str) -> None:
    has_papers = any(a.get("kind") == "paper" for a in sub.nodes.values())
    with st.container(horizontal=True, gap="small"):
        for name, fmt in FORMATS.items():
            unavailable = fmt.papers_only and not has_papers
            st.download_button(t("download", fmt=name), data=_renderer(sub, name), file_name=stem + fmt.suffix,
                               mime=fmt.mime, help=t("needs_papers") if unavailable else t(f"format_{name}"),
                               disabled=unavailable, key=f"download-{name}", on_click="ignore",
                               icon=":material/download:")


def _renderer(sub, name: str):
    """Renders when the button is clicked (on Streamlit's worker thread), not on every rerun."""
    def produce() -> bytes:
        try:
            return render_file(sub, name)
        except PaperkgError as exc:  # the download then holds the one-line reason instead
            return f"paperkg: {exc}\n".encode("utf-8")
    return produce


if __name__ == "__main__":
    render()

"""Export page (``/export?seeds=…&hops=…``): pick seeds by typing, hops, node kinds and
filters; preview the subgraph with its counts; download it in every export format."""
from __future__ import annotations

import streamlit as st

from paperkg.errors import PaperkgError
from paperkg.graph.export import FORMATS
from paperkg.graph.export import render as render_file
from paperkg.graph.model import KINDS, kind_of
from paperkg.ui import graph_view, queries, resources, url_state, widgets
from paperkg.ui.i18n import t
from paperkg.services import ExportRequest, select
from paperkg.ui.safe import md, short

PREVIEW_NODES = 150
DEFAULT_KINDS = ["paper", "author", "institution", "category"]


@st.cache_data(show_spinner=False, max_entries=32)
def _subgraph(ver: tuple, seeds: tuple, hops: int, kinds: tuple, filters: tuple):
    lib = resources.library()
    request = ExportRequest(around=list(seeds), hops=hops, kinds=list(kinds) or None,
                            filters=queries.filters_of(filters) or None)
    return select(lib.settings, request, store=lib.store, store_lock=lib.lock)


def render() -> None:
    ver = resources.version()
    st.title(t("page_export"), anchor=False)
    if not queries.has_papers(ver):
        widgets.empty_library_notice()
        return
    filters = widgets.sidebar_filters(ver)
    if filters is None:
        return

    seeds = seed_picker(ver)
    cols = st.columns([1, 3])
    hops = cols[0].slider(t("hops"), 0, 3, 1, key="hops", bind="query-params")
    url_state.restore("kinds", DEFAULT_KINDS, allowed=KINDS, multi=True)
    kind_names = {k: t(f"kind_{k}") for k in KINDS}
    kinds = cols[1].multiselect(t("node_kinds"), list(KINDS), format_func=kind_names.get, key="kinds")
    url_state.publish("kinds", kinds, DEFAULT_KINDS)
    if not seeds:
        st.info(t("choose_seeds"))
        return
    try:
        sub = _subgraph(ver, tuple(seeds), int(hops), tuple(kinds), queries.filter_key(filters))
    except PaperkgError as exc:
        st.warning(md(str(exc)))
        return
    st.subheader(t("preview"), anchor=False)
    st.markdown(f"**{t('subgraph_size', nodes=len(sub.nodes), edges=len(sub.edges))}**")
    shown = graph_view.top_nodes(sub, PREVIEW_NODES, keep=tuple(seeds))
    if len(shown.nodes) < len(sub.nodes):
        st.caption(t("preview_too_big", shown=len(shown.nodes)))
    present = [k for k in KINDS if any(a.get("kind") == k for a in shown.nodes.values())]
    graph_view.legend(present, {k: t(f"kind_{k}") for k in KINDS})
    graph_view.network(shown, key="export-net", height=460)
    downloads(sub)


def seed_picker(ver: tuple) -> list[str]:
    """Seeds (node ids) chosen from matches of what is typed; the choice is in the URL."""
    typed = st.text_input(t("seed_search"), key="seed_text", live=True, placeholder="Google, Y Dong, attention…")
    url_state.restore("seeds", [], multi=True)
    chosen = [s for s in st.session_state["seeds"] if queries.node(ver, s) is not None]
    st.session_state["seeds"] = chosen
    candidates = queries.find_nodes(ver, typed or "") if typed else []
    labels = {node_id: label for node_id, label in candidates}
    options = list(dict.fromkeys(chosen + [node_id for node_id, _ in candidates]))

    shown = {node_id: f"{t('kind_' + kind_of(node_id)) if kind_of(node_id) in KINDS else '?'} · "
                      f"{short(labels.get(node_id) or _label(ver, node_id), 80)}" for node_id in options}
    seeds = st.multiselect(t("seeds"), options, key="seeds", format_func=shown.get, placeholder=t("seed_candidates"))
    url_state.publish("seeds", seeds, [])
    return seeds


def _label(ver: tuple, node_id: str) -> str:
    attrs = queries.node(ver, node_id) or {}
    return attrs.get("title") or attrs.get("name") or attrs.get("code") or node_id.split(":", 1)[-1]


def downloads(sub) -> None:
    has_papers = any(a.get("kind") == "paper" for a in sub.nodes.values())
    with st.container(horizontal=True, gap="small"):
        for name, fmt in FORMATS.items():
            unavailable = fmt.papers_only and not has_papers
            st.download_button(t("download", fmt=name), data=_renderer(sub, name),
                               file_name="paperkg-export" + fmt.suffix, mime=fmt.mime,
                               help=t("needs_papers") if unavailable else fmt.description, disabled=unavailable,
                               key=f"download-{name}", on_click="ignore", icon=":material/download:")


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

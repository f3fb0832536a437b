"""Corrections page (``/corrections?view=people|institutions|made``): the analyst's word on who
is who. The people sharing a written name side by side (``name=``), to merge, split (choosing
papers) or alias; the institutions the registry does not know with their suggested matches
(``institution=``); and the corrections made so far. Each write goes through
:mod:`paperkg.services.entities` (which stores the correction and updates the search index),
with a progress line, waiting for another writer as the Ingest page does."""
from __future__ import annotations

from functools import partial

import streamlit as st

from paperkg.graph.model import key_of
from paperkg.services import entities
from paperkg.ui import nav, queries, resources, tables, url_state, widgets
from paperkg.ui.display import cut
from paperkg.ui.i18n import t
from paperkg.ui.safe import md
from paperkg.ui.writing import run_write

VIEWS = ("people", "institutions", "made")


@st.cache_data(show_spinner=False, max_entries=16)
def _unresolved(ver: tuple) -> list[dict]:
    lib = resources.library()
    found = entities.unresolved_institutions(lib.settings, store=lib.store, store_lock=lib.lock)
    return [{"id": u.id, "name": u.name, "papers": u.papers, "suggestions": u.suggestions} for u in found]


@st.cache_data(show_spinner=False, max_entries=16)
def _made(ver: tuple) -> list:
    lib = resources.library()
    return entities.corrections(lib.settings, store=lib.store, store_lock=lib.lock)


def render() -> None:
    ver = resources.version()
    if not widgets.library_page(t("page_corrections"), ver):
        return
    st.caption(t("corrections_intro"))
    done = st.session_state.pop("correction_done", None)
    if done:
        st.success(done["said"])
        if done.get("index_error"):
            st.warning(t("index_failed", why=md(done["index_error"])))
    views = {v: t(f"view_{v}") for v in VIEWS}
    view = url_state.choice("view", VIEWS[0], VIEWS, draw=lambda key: st.segmented_control(
        t("corrections_view"), list(VIEWS), key=key, required=True, format_func=views.get))
    {"people": people, "institutions": institutions, "made": made}[view](ver)


def apply(step: str, correct, said: str) -> None:
    """Run one correction (``correct(**how)`` is a function of :mod:`paperkg.services.entities`
    with its arguments bound; ``how``: the wait and the app's open store), then rerun with a
    confirmation, the library's new version showing the result."""
    lib = resources.library()
    correction = run_write(step, lambda wait, _progress: correct(wait=wait, store=lib.store, store_lock=lib.lock))
    if correction is not None:
        st.session_state["correction_done"] = {"said": said, "index_error": correction.index_error}
        st.rerun()


# -- people ------------------------------------------------------------------------------------
def people(ver: tuple) -> None:
    """Widgets whose labels hold counts are keyed by the library version (a write changes the counts)."""
    shared = queries.shared_names(ver)
    if not shared:
        st.info(t("no_shared_names"))
        return
    names = [s["name"] for s in shared]
    shown = {s["name"]: t("name_people", name=s["name"], n=len(s["people"])) for s in shared}
    name = url_state.choice("name", names[0], names, labels_of=ver[2], draw=lambda key: st.selectbox(
        t("shared_name"), names, key=key, format_func=shown.get))
    ids = next(s["people"] for s in shared if s["name"] == name)
    found = queries.people(ver, tuple(ids))
    st.subheader(t("people_named", name=md(name), n=len(found)), anchor=False)
    widgets.person_cards(found)
    settings = resources.settings()
    labels = {p["id"]: f"{p['name']} · {p['id']} · {t('n_papers', n=p['papers'])}" for p in found}
    pill_labels = {node_id: md(label) for node_id, label in labels.items()}  # st.pills renders Markdown

    with st.container(border=True):
        st.markdown(f"**{t('merge_people')}**")
        chosen = st.pills(t("merge_which"), [p["id"] for p in found], selection_mode="multi", key=f"merge-pick@{ver[2]}",
                          format_func=pill_labels.get, default=[p["id"] for p in found][:2])
        if st.button(t("merge_button", n=len(chosen)), disabled=len(chosen) < 2, key="merge-go"):
            apply(t("step_merge"), partial(entities.merge, settings, list(chosen)),
                  t("merged", names=md(", ".join(chosen)), kept=md(chosen[0])))

    with st.container(border=True):
        st.markdown(f"**{t('split_person')}**")
        person = st.selectbox(t("split_whose"), [p["id"] for p in found], key=f"split-person@{ver[2]}",
                              format_func=labels.get)
        papers = queries.show(ver, person)["papers"]
        picked = paper_picker(papers, key=f"split-papers-{person}")
        if st.button(t("split_button", n=len(picked)), disabled=not picked or len(picked) == len(papers),
                     key="split-go"):
            apply(t("step_split"), partial(entities.split, settings, person, picked),
                  t("split_done", n=len(picked), person=md(person)))

    with st.container(border=True):
        st.markdown(f"**{t('alias_person')}**")
        cols = st.columns([2, 2, 1], vertical_alignment="bottom")
        written = cols[0].text_input(t("alias_written"), key="alias-written-person").strip()
        target = cols[1].selectbox(t("alias_target"), [p["id"] for p in found], key=f"alias-person@{ver[2]}",
                                   format_func=labels.get)
        if cols[2].button(t("alias_button"), disabled=not written, key="alias-person-go"):
            apply(t("step_alias"), partial(entities.alias, settings, written, target),
                  t("aliased", written=md(written), target=md(target)))


def paper_picker(papers: list[dict], key: str) -> list[str]:
    """Papers chosen by ticking rows of a table; their keys."""
    import pandas as pd

    frame = pd.DataFrame({t("posted"): [(p.get("posted_at") or "")[:10] for p in papers],
                          t("title_en"): [p.get("title") or "" for p in papers],
                          t("institutions"): [", ".join(p.get("institutions") or ()) for p in papers]})
    event = st.dataframe(frame, key=key, hide_index=True, on_select="rerun", selection_mode="multi-row",
                         height=tables.table_height(len(papers), 300))
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    return [papers[r]["id"] for r in rows if r < len(papers)]


# -- institutions ---------------------------------------------------------------------------------
def institutions(ver: tuple) -> None:
    unknown = _unresolved(ver)
    if not unknown:
        st.info(t("no_unresolved"))
        return
    import pandas as pd

    st.caption(t("unresolved_intro", n=len(unknown)))
    frame = pd.DataFrame({t("name"): [u["name"] for u in unknown], t("paper_count"): [u["papers"] for u in unknown],
                          t("suggested"): [", ".join(s["name"] for s in u["suggestions"]) for u in unknown]})
    st.dataframe(frame, hide_index=True, height=tables.table_height(len(unknown), 300), key="unresolved-table")
    ids = [u["id"] for u in unknown]
    names = {u["id"]: f"{u['name']} ({t('n_papers', n=u['papers'])})" for u in unknown}
    chosen = url_state.choice("institution", ids[0], ids, labels_of=ver[2], draw=lambda key: st.selectbox(
        t("unresolved_which"), ids, key=key, format_func=names.get))
    entry = next(u for u in unknown if u["id"] == chosen)
    settings = resources.settings()
    with st.container(border=True):
        nav.link(entry["id"], entry["name"], bold=True)
        if entry["suggestions"]:
            st.caption(t("suggested_matches"))
        for suggestion in entry["suggestions"]:
            cols = st.columns([3, 1, 1], vertical_alignment="center")
            if queries.node(ver, suggestion["id"]) is None:  # a registry entry with no paper here yet
                cols[0].markdown(t("not_in_library", name=md(suggestion["name"])))
                continue
            with cols[0]:
                nav.link(suggestion["id"], suggestion["name"])
            if cols[1].button(t("same_as"), key=f"alias-{suggestion['id']}", help=t("same_as_help")):
                apply(t("step_alias"), partial(entities.alias, settings, entry["name"], suggestion["id"]),
                      t("aliased", written=md(entry["name"]), target=md(suggestion["name"])))
            if cols[2].button(t("merge_into"), key=f"merge-{suggestion['id']}", help=t("merge_into_help")):
                apply(t("step_merge"), partial(entities.merge, settings, [suggestion["id"], entry["id"]]),
                      t("merged", names=md(f"{suggestion['id']}, {entry['id']}"), kept=md(suggestion["id"])))
        if not entry["suggestions"]:
            st.caption(t("no_suggestions"))
    with st.container(border=True):
        st.markdown(f"**{t('split_institution')}**")
        papers = queries.show(ver, entry["id"], subunits=False)["papers"]
        picked = paper_picker(papers, key=f"split-inst-{key_of(entry['id'])}")
        if st.button(t("split_button", n=len(picked)), disabled=not picked or len(picked) == len(papers),
                     key="split-inst-go"):
            apply(t("step_split"), partial(entities.split, settings, entry["id"], picked),
                  t("split_done", n=len(picked), person=md(entry["id"])))


# -- made --------------------------------------------------------------------------------------
def made(ver: tuple) -> None:
    found = _made(ver)
    if not found:
        st.info(t("no_corrections"))
        return
    import pandas as pd

    st.caption(t("n_corrections", n=len(found)))
    frame = pd.DataFrame({"#": [o.seq for o in found], t("correction_op"): [t(f"op_{o.op}") for o in found],
                          t("correction_kind"): [t(f"kind_{o.kind}") for o in found],
                          t("correction_what"): [describe(ver, o) for o in found]})
    st.dataframe(frame, hide_index=True, height=tables.table_height(len(found), 500), key="corrections-table",
                 column_config={"#": st.column_config.NumberColumn(width="small"),
                                t("correction_what"): st.column_config.TextColumn(width="large")})


def describe(ver: tuple, override) -> str:
    """What a correction names, as a reader says it (a table cell, plain text): for authors the
    name as written on each paper (title cut at a word), for institutions their names."""
    paper_ids = [f"paper:{paper}" for paper, _ in override.slots] + [f"paper:{p}" for p in override.papers]
    if override.op == "alias" and override.kind == "author":
        paper_ids.append("paper:" + override.target.rpartition(":")[0])
    entity_ids = [f"institution:{k}" for k in override.keys]
    if override.op == "alias" and override.kind == "institution":
        entity_ids.append(f"institution:{override.target}")
    found = queries.nodes(ver, tuple(paper_ids + entity_ids))

    def slot(paper: str, position: int) -> str:
        attrs = found.get(f"paper:{paper}") or {}
        authors = attrs.get("authors") or []
        name = authors[position - 1] if 0 < position <= len(authors) else "?"
        return f"{name} · {cut(attrs.get('title') or paper, 40)}"

    def named(key: str) -> str:
        return (found.get(f"institution:{key}") or {}).get("name") or key
    if override.op == "alias":
        target = slot(*_slot_of(override.target)) if override.kind == "author" else named(override.target)
        return f"{override.written} → {target}"
    if override.kind == "institution":
        papers = f" ({'; '.join(cut((found.get(f'paper:{p}') or {}).get('title') or p, 40) for p in override.papers)})"
        return ", ".join(named(k) for k in override.keys) + (papers if override.papers else "")
    return "; ".join(slot(paper, position) for paper, position in override.slots)


def _slot_of(target: str) -> tuple[str, int]:
    paper, _, position = target.rpartition(":")
    return paper, int(position) if position.isdigit() else 0


if __name__ == "__main__":
    render()

"""Ingest page (``/ingest``): upload digest files or paste digest text; progress while
parsing, writing and indexing; the problems (``FILE:LINE: …``) and what was added.

Writing takes the library's write lock, which the CLI's ``paperkg ingest`` takes
too: if another process is writing, this page waits up to ``PAPERKG_UI_WAIT``
seconds (default 60, showing that it waits), then says the library is busy and unchanged.
"""
from __future__ import annotations

import hashlib

import streamlit as st

from paperkg.services import ingest
from paperkg.ui import nav, queries, resources
from paperkg.ui.i18n import t
from paperkg.ui.display import cut
from paperkg.ui.safe import md
from paperkg.ui.writing import run_write


def render() -> None:
    st.title(t("page_ingest"), anchor=False)
    with st.form("ingest-form", clear_on_submit=False, border=False):
        uploads = st.file_uploader(t("upload"), type=["txt", "md"], accept_multiple_files=True, key="uploads")
        st.caption(t("upload_limits"))
        pasted = st.text_area(t("paste"), height=180, key="pasted")
        pasted_name = st.text_input(t("paste_name"), key="pasted_name", placeholder="pasted-…")
        submitted = st.form_submit_button(t("ingest_button"), type="primary")
    if submitted:
        inputs = [(f.name, f.getvalue()) for f in uploads or []]
        if pasted and pasted.strip():
            data = pasted.encode("utf-8")
            name = (pasted_name or "").strip() or "pasted-" + hashlib.sha256(data).hexdigest()[:12]
            inputs.append((name + ".txt", data))
        if not inputs:
            st.warning(t("nothing_to_ingest"))
        else:
            st.session_state["ingest_result"] = run_ingest(inputs)
    result = st.session_state.get("ingest_result")
    if result:
        show_result(result)


#: Where each stage of an ingest sits on the page's progress bar.
_SHARES = {"ingesting": (0.0, 0.3), "loading the model": (0.3, 0.4), "embedding": (0.4, 0.9), "indexing": (0.9, 1.0)}


def run_ingest(inputs: list[tuple[str, bytes]]) -> dict | None:
    """Ingest and index ``inputs`` through :func:`paperkg.services.ingest` on a worker thread
    (:func:`paperkg.ui.writing.run_write`: the progress bar names each stage); returns a plain
    summary for :func:`show_result`, or ``None`` after an error box saying why nothing was added."""
    lib = resources.library()
    outcome = run_write(t("step_ingest"), lambda wait, progress: ingest(
        lib.settings, inputs, wait=wait, progress=progress, store=lib.store, store_lock=lib.lock), shares=_SHARES)
    if outcome is None:
        return None
    report = outcome.report
    return {
        "digests": [(d.file, d.status, d.entries) for d in report.digests],
        "problems": outcome.problems,
        "added": len(report.added),
        "updated": len(report.updated),
        "rejected": [d.file for d in report.rejected],
        "changed": ["paper:" + key for key in sorted(report.changed_papers)],
        "index_error": outcome.index_error,
    }


def show_result(result: dict) -> None:
    """Green when everything went in, a warning when some input was refused (naming how much),
    red when nothing did (naming the first reason)."""
    changed = result["added"] + result["updated"]
    problems = result["problems"]
    summary = t("ingest_done", added=t("n_papers", n=result["added"]), updated=result["updated"],
                problems=t("n_problems", n=len(problems)))
    if not changed and (result["rejected"] or problems):
        first = problems[0] if problems else ", ".join(result["rejected"])
        st.error(t("ingest_rejected", why=md(first), problems=t("n_problems", n=len(problems))))
    elif result["rejected"] or problems:
        st.warning(t("ingest_partly", summary=summary))
    else:
        st.success(summary)
    for file_name, status, entries in result["digests"]:
        st.text(t("digest_status", file=file_name, status=t(f"status_{status}"), n=entries))
    if result.get("index_error"):
        st.warning(t("index_failed", why=md(result["index_error"])))
    st.subheader(t("problems"), anchor=False)
    if result["problems"]:
        st.code("\n".join(result["problems"]), language=None, wrap_lines=True)
    else:
        st.caption(t("no_problems"))
    if result["changed"]:
        st.subheader(t("added_papers"), anchor=False)
        ver = resources.version()
        for node_id in result["changed"][:100]:
            paper = queries.node(ver, node_id) or {}
            nav.link(node_id, cut(paper.get("title") or node_id, 100))


if __name__ == "__main__":
    render()

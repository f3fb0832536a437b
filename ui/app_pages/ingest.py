"""Ingest page (``/ingest``): upload digest files or paste digest text; progress while
parsing, writing and indexing; the problems (``FILE:LINE: …``) and what was added.

Writing takes the library's write lock, which the CLI's ``paperkg ingest`` takes
too: if another process is writing, this page waits up to ``PAPERKG_UI_WAIT``
seconds (default 60, showing that it waits), then says the library is busy and unchanged.
"""
from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor

import streamlit as st

from paperkg.errors import LibraryBusy
from paperkg.services import ingest
from paperkg.ui import nav, queries, resources
from paperkg.ui.i18n import t
from paperkg.ui.safe import md, short


def _wait_seconds(text: str | None, default: float = 60.0) -> float:
    try:
        return max(float(text), 0.0) if text else default
    except ValueError:
        return default


WAIT_S = _wait_seconds(os.environ.get("PAPERKG_UI_WAIT"))


def render() -> None:
    st.title(t("page_ingest"), anchor=False)
    with st.form("ingest-form", clear_on_submit=False, border=False):
        uploads = st.file_uploader(t("upload"), type=["txt", "md"], accept_multiple_files=True, key="uploads")
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


def run_ingest(inputs: list[tuple[str, bytes]]) -> dict:
    """Ingest and index ``inputs`` through :func:`paperkg.services.ingest` on a worker thread,
    the progress bar naming each stage (and saying when it waits for another writer);
    returns a plain summary for :func:`show_result`."""
    bar = st.progress(0.0, text=t("stage_ingesting", done=0, total=len(inputs)))
    lib = resources.library()
    latest = {"stage": "ingesting", "done": 0, "total": len(inputs)}

    def progress(stage: str, done: int, total: int) -> None:  # on the worker: only record
        latest.update(stage=stage, done=done, total=total)

    def work():
        return ingest(lib.settings, inputs, wait=WAIT_S, progress=progress, store=lib.store, store_lock=lib.lock)

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(work)
            while not future.done():
                stage, done, total = latest["stage"], latest["done"], latest["total"]
                low, high = _SHARES.get(stage, (0.0, 1.0))
                if stage == "ingesting" and done == 0 and time.monotonic() - started > 2:
                    text = t("waiting_lock", s=int(time.monotonic() - started))
                else:
                    text = t("stage_" + stage.replace(" ", "_"), done=done, total=total)
                bar.progress(min(low + (high - low) * done / max(total, 1), 1.0), text=text)
                time.sleep(0.25)
            outcome = future.result()
    except LibraryBusy:
        bar.empty()
        return {"busy": True}
    bar.empty()
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
    if result.get("busy"):
        st.error(t("busy", s=int(WAIT_S)))
        return
    st.success(t("ingest_done", added=result["added"], updated=result["updated"], problems=len(result["problems"])))
    for file_name, status, entries in result["digests"]:
        st.text(t("digest_status", file=file_name, status=t(f"status_{status}"), entries=entries))
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
            nav.link(node_id, short(paper.get("title") or node_id, 100))


if __name__ == "__main__":
    render()

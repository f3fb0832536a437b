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
from pathlib import PurePath

import streamlit as st

from graph.base import IngestReport, LibraryBusy
from ingest.files import parse_digest_bytes
from ui import nav, search_bridge, state
from ui.i18n import t
from ui.safe import md, short



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


def run_ingest(inputs: list[tuple[str, bytes]]) -> dict:
    """Parse, write and index ``inputs``; returns a plain summary for :func:`show_result`."""
    bar = st.progress(0.0)
    parsed = []
    for i, (file_name, data) in enumerate(inputs):
        bar.progress(i / (len(inputs) + 1), text=t("parsing", file=md(file_name)))
        parsed.append(parse_digest_bytes(data, file_name, PurePath(file_name).stem))
    bar.progress(len(inputs) / (len(inputs) + 1), text=t("writing"))
    try:
        report = _write(parsed, bar)
    except LibraryBusy:
        bar.empty()
        return {"busy": True}
    changed = sorted(report.changed_papers)
    index_error = None
    if changed:
        def progress(done: int, total: int) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=t("embedding", done=done, total=total))
        index_error = search_bridge.index(progress)
    bar.empty()
    return {
        "digests": [(d.file, d.status, d.entries) for d in report.digests],
        "problems": [str(p) for p in report.problems],
        "added": sum(len(d.added) for d in report.digests),
        "updated": sum(len(d.updated) for d in report.digests),
        "changed": ["paper:" + key for key in changed],
        "index_error": index_error,
    }


def _write(parsed: list, bar) -> IngestReport:
    """Ingest under the app's store lock, waiting for another writer up to ``WAIT_S``."""
    lib = state.library()

    def work() -> IngestReport:
        with lib.lock:
            store = lib.store
            previous = getattr(store, "wait", None)
            if previous is not None:
                store.wait = WAIT_S
            try:
                return store.ingest(parsed)
            finally:
                if previous is not None:
                    store.wait = previous

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(work)
        while not future.done():
            elapsed = time.monotonic() - started
            if elapsed > 2:
                bar.progress(0.5, text=t("waiting_lock", s=int(elapsed)))
            time.sleep(0.25)
        return future.result()


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
        ver = state.version()
        for node_id in result["changed"][:100]:
            paper = state.node(ver, node_id) or {}
            nav.link(node_id, short(paper.get("title") or node_id, 100))


if __name__ == "__main__":
    render()

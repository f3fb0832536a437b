"""The Ingest page through AppTest: uploads and pasted text reach the library and the
search index, problems are listed as ``FILE:LINE: …``, and a writer in another process
(the CLI) makes the page wait, or say the library is busy, never corrupt it."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from tests.app_helpers import APP, SAMPLE_DIGESTS, build_library
from streamlit.testing.v1 import AppTest

from paperkg.graph.config import load_settings
from paperkg.graph.embedded import EmbeddedStore

pytestmark = pytest.mark.model

BROKEN = """LG - 机器学习

1、[LG] A title with no authors


2、[LG] Good Paper About Graph Sparsification

A Author, B Author
[Some Lab]
图稀疏化的好论文。一段关于图稀疏化的中文摘要。 An English abstract about sparsifying graphs. https://weibo.com/1402400261/K5u2mypvD
"""


@pytest.fixture
def ingest_page(monkeypatch):
    def run(home, wait: str | None = None) -> AppTest:
        monkeypatch.setenv("PAPERKG_HOME", str(home))
        if wait is not None:
            monkeypatch.setenv("PAPERKG_UI_WAIT", wait)
        at = AppTest.from_file(str(APP), default_timeout=300)
        at.run()
        at.switch_page("app_pages/ingest.py").run()
        assert not at.exception
        return at
    return run


def submit(at: AppTest) -> AppTest:
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def papers_in(home) -> int:
    store = EmbeddedStore(home)
    try:
        return len(store.papers())
    finally:
        store.close()


def test_upload_adds_papers_lists_problems_and_updates_search(tmp_path, ingest_page):
    home = build_library(tmp_path / "lib", SAMPLE_DIGESTS[:1])
    before = papers_in(home)
    at = ingest_page(home)
    at.file_uploader[0].set_value([(SAMPLE_DIGESTS[1].name, SAMPLE_DIGESTS[1].read_bytes(), "text/plain"),
                                   ("broken.txt", BROKEN.encode("utf-8"), "text/plain")])
    submit(at)
    added = papers_in(home) - before
    assert added > 1
    assert [w.value for w in at.warning] == [f"Done: {added} papers added, 0 updated, 1 problem. Some entries or files "
                                             "were refused: see the problems below."], "partly done is a warning"
    assert [c.value for c in at.code] == ["broken.txt:3: entry 'A title with no authors' has no post URL "
                                          "(https://weibo.com/…); entry skipped"]
    assert len([l for l in at.get("page_link") if l.proto.page == "paper"]) == added
    assert not [w for w in at.warning if "search index" in w.value], "the search index was updated"
    from paperkg.search.engine import SearchEngine

    with SearchEngine.open(load_settings(home=str(home), environ={})) as engine:
        hits = engine.search("graph sparsification", k=1, mode="keyword")
    assert hits and hits[0]["title"] == "Good Paper About Graph Sparsification"


def test_pasted_text_is_ingested_under_its_name(tmp_path, ingest_page):
    home = tmp_path / "lib"
    at = ingest_page(home)
    at.text_area(key="pasted").input(BROKEN)
    at.text_input(key="pasted_name").input("my-notes")
    submit(at)
    store = EmbeddedStore(home)
    try:
        assert [d["name"] for d in store.digests()] == ["my-notes"]
        assert [p["title"] for p in store.papers()] == ["Good Paper About Graph Sparsification"]
    finally:
        store.close()
    assert any("my-notes.txt" in t.value and "added" in t.value for t in at.text)


def test_nothing_to_ingest_says_what_to_do(tmp_path, ingest_page):
    at = submit(ingest_page(tmp_path / "lib"))
    assert [w.value for w in at.warning] == ["Upload files or paste text first."]


def _hold_write_lock(home, seconds: float) -> subprocess.Popen:
    """Another process (as ``paperkg ingest`` would) holding the library's write lock."""
    code = textwrap.dedent(f"""
        import time
        from paperkg.graph.library import Library
        with Library({str(home)!r}).writing():
            print("locked", flush=True)
            time.sleep({seconds})
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_ingest_waits_for_another_writer(tmp_path, ingest_page):
    home = build_library(tmp_path / "lib", SAMPLE_DIGESTS[:1], index=False)
    before = papers_in(home)
    at = ingest_page(home, wait="60")
    at.file_uploader[0].set_value((SAMPLE_DIGESTS[2].name, SAMPLE_DIGESTS[2].read_bytes(), "text/plain"))
    holder = _hold_write_lock(home, 3)
    submit(at)
    assert holder.wait(timeout=30) == 0
    assert any("papers added" in s.value and s.value.endswith("0 problems.") for s in at.success)
    assert papers_in(home) > before


def test_busy_library_gives_a_clear_message_and_stays_unchanged(tmp_path, ingest_page):
    home = build_library(tmp_path / "lib", SAMPLE_DIGESTS[:1], index=False)
    before = papers_in(home)
    at = ingest_page(home, wait="1")
    at.file_uploader[0].set_value((SAMPLE_DIGESTS[2].name, SAMPLE_DIGESTS[2].read_bytes(), "text/plain"))
    holder = _hold_write_lock(home, 6)
    try:
        submit(at)
    finally:
        holder.wait(timeout=30)
    assert [e.value for e in at.error] == [
        "Another process is still writing the library after 1 s. Try again later; the library is unchanged."]
    assert papers_in(home) == before


def test_a_fully_rejected_ingest_is_an_error_naming_why(tmp_path, ingest_page):
    home = tmp_path / "lib"
    at = ingest_page(home)
    at.file_uploader[0].set_value(("notes.txt", b"just some notes, no digest at all\n", "text/plain"))
    submit(at)
    assert not at.success, "nothing added is not a success"
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].replace("\\", "").startswith(
        "Nothing was added (1 problem): notes.txt: no digest entries found"), errors
    assert any("notes.txt: rejected" in t.value for t in at.text)


def test_one_paper_is_one_paper(tmp_path, ingest_page):
    home = tmp_path / "lib"
    at = ingest_page(home)
    at.text_area(key="pasted").input(BROKEN.split("\n\n\n")[0] + "\n\n" + BROKEN.split("\n\n\n")[1])
    submit(at)
    assert any(w.value.startswith("Done: 1 paper added, 0 updated, 1 problem.") for w in at.warning), \
        [w.value for w in at.warning] + [s.value for s in at.success]

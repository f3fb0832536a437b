"""The embedded store's own promises: durable, crash-safe, one writer at a time.

Behaviour shared with the Neo4j store is in test_store_contract.py.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from paperkg.errors import LibraryBusy
from paperkg.graph.embedded import EmbeddedStore
from paperkg.ingest import parse_digest, read_digest

from tests.conftest import ROOT, SAMPLE_DIGEST


def test_reopened_library_is_the_same(sample_store, home):
    again = EmbeddedStore(home)
    assert again.papers() == sample_store.papers()
    assert again.stats() == sample_store.stats()
    assert again.ego_subgraph(["institution:Google"], 2).edge_keys() == sample_store.ego_subgraph(["institution:Google"], 2).edge_keys()
    assert again.raw_text("000_17d677ce7aa43e86") == SAMPLE_DIGEST.read_text(encoding="utf-8")


def test_library_files_hold_no_pickle(sample_store, home):
    names = sorted(p.name for p in home.iterdir())
    assert "library.sqlite" in names
    for path in home.iterdir():
        if path.is_file():
            assert b"\x80\x04\x95" not in path.read_bytes()[:4096]  # pickle protocol 4 header
    db = sqlite3.connect(home / "library.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_second_writer_gets_a_clear_message(sample_store, home):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom paperkg.graph.library import Library\n"
         "with Library(sys.argv[1]).writing():\n    print('locked', flush=True)\n    time.sleep(30)\n", str(home)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LibraryBusy) as err:
            sample_store.ingest([read_digest(SAMPLE_DIGEST)])
        assert f"pid {holder.pid}" in str(err.value) and "another paperkg process" in str(err.value)
    finally:
        holder.kill()
        holder.wait()
    assert sample_store.stats()["papers"] == 9


def test_writer_waits_when_asked(home):
    store = EmbeddedStore(home, wait=20)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom paperkg.graph.library import Library\n"
         "with Library(sys.argv[1]).writing():\n    print('locked', flush=True)\n    time.sleep(1.5)\n", str(home)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert holder.stdout.readline().strip() == "locked"
    waits = []
    report = store.ingest([read_digest(SAMPLE_DIGEST)], on_wait=lambda: waits.append("waiting"))
    holder.wait()
    assert report.digests[0].status == "added"
    assert waits == ["waiting"]  # said once, when the wait began


def test_reader_sees_another_process_write(home):
    reader = EmbeddedStore(home)
    assert reader.stats()["papers"] == 0
    writer = EmbeddedStore(home)
    writer.ingest([read_digest(SAMPLE_DIGEST)], on_wait=lambda: pytest.fail("no one else was writing"))
    reader.refresh()
    assert reader.stats()["papers"] == 9


_KILL_SCRIPT = """
import sys
from tests.synth import write_synthetic_digests
from paperkg.graph.embedded import EmbeddedStore
from paperkg.ingest import read_inputs
files = write_synthetic_digests(sys.argv[2], 3000, seed=1)
store = EmbeddedStore(sys.argv[1])
print(f"ingesting {len(files)}", flush=True)
done = 0
def tick(n):
    global done
    done += n
    print(f"read {done}", flush=True)
store.ingest(read_inputs([sys.argv[2]]), progress=tick)
print("committed", flush=True)
input()  # hold on until killed
"""


@pytest.mark.parametrize("moment", ["first digest", "half the digests", "every digest read, merging", "committed"])
def test_killed_ingest_leaves_a_loadable_library(sample_store, home, tmp_path, moment):
    """A writer killed (SIGKILL) at a moment it reports itself: inside its transaction the
    library keeps exactly the old state; after the commit, exactly the new one."""
    before = sample_store.papers()
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(home), str(tmp_path / "synth")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        total = int(proc.stdout.readline().split()[1])
        wanted = {"first digest": "read 1", "half the digests": f"read {total // 2}",
                  "every digest read, merging": f"read {total}", "committed": "committed"}[moment]
        while (line := proc.stdout.readline().strip()) != wanted:
            assert line, f"the ingest ended before {wanted!r}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    after = EmbeddedStore(home)
    papers = after.papers()
    assert len(papers) == (9 + 3000 if moment == "committed" else 9)
    assert {p["id"] for p in before} <= {p["id"] for p in papers}
    assert after.ingest([read_digest(SAMPLE_DIGEST)]).digests[0].status == "unchanged"


def test_failed_ingest_keeps_memory_and_disk_in_step(sample_store, home, monkeypatch):
    text = SAMPLE_DIGEST.read_text(encoding="utf-8").replace("Attention is Not All", "Attention is Rarely All")
    digest = parse_digest(text, "other.txt", "other")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")  # stands in for an I/O failure mid-write, which cannot be provoked reliably

    monkeypatch.setattr("paperkg.graph.library.Writer.put_papers", boom)
    with pytest.raises(RuntimeError):
        sample_store.ingest([(digest, text)])
    assert sample_store.stats()["papers"] == 9
    assert EmbeddedStore(home).stats()["papers"] == 9


_ALL_DIGESTS = [read_digest(p) for p in sorted((ROOT / "data" / "digests").glob("*.txt"))]


def _graph_of(store):
    sub = store.ego_subgraph([n for n, _ in store.nodes("category")], hops=3)
    return store.papers(), sub.nodes, sorted((e.source, e.target, e.type, repr(sorted(e.attrs.items()))) for e in sub.edges)


def test_ingest_order_and_repetition_do_not_matter(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    reference = EmbeddedStore(tmp_path / "reference")
    reference.ingest(_ALL_DIGESTS)
    expected = _graph_of(reference)
    runs = iter(range(10**6))

    @settings(max_examples=12, deadline=None)
    @given(st.permutations(range(len(_ALL_DIGESTS))), st.lists(st.integers(0, len(_ALL_DIGESTS) - 1), max_size=3),
           st.integers(1, 3))
    def check(order, repeats, batches):
        store = EmbeddedStore(tmp_path / f"run{next(runs)}")
        sequence = [_ALL_DIGESTS[i] for i in list(order) + repeats]
        size = -(-len(sequence) // batches)
        for start in range(0, len(sequence), size):
            store.ingest(sequence[start:start + size])
        assert _graph_of(store) == expected

    check()


def _make_stale(home) -> None:
    """Mark the library's ids as resolved under other rules (an older paperkg, another registry)."""
    db = sqlite3.connect(home / "library.sqlite")
    with db:
        db.execute("UPDATE meta SET value = 'older rules' WHERE key = 'resolution'")
    db.close()


def _stored_resolution(home) -> str | None:
    db = sqlite3.connect(home / "library.sqlite")
    row = db.execute("SELECT value FROM meta WHERE key = 'resolution'").fetchone()
    db.close()
    return row[0] if row else None


def test_a_library_to_resolve_again_opens_when_it_cannot_be_written(sample_store, home, monkeypatch):
    from paperkg.errors import StoreError
    from paperkg.graph.library import Library

    expected = sample_store.papers()
    sample_store.close()
    _make_stale(home)

    def read_only(self, wait=0.0):
        raise StoreError("the library can be read but not written")  # what a read-only folder gives

    monkeypatch.setattr(Library, "writing", read_only)
    assert EmbeddedStore(home).papers() == expected


def test_ids_resolved_on_open_do_not_overwrite_a_later_write(sample_store, home, monkeypatch):
    """A write committed between the snapshot and the save wins: the save is skipped."""
    from paperkg.graph.library import Library

    sample_store.close()
    _make_stale(home)
    snapshot = Library.snapshot

    def snapshot_then_write(self):
        found = snapshot(self)
        other = Library(home)
        with other.writing() as tx:
            tx.set_meta("resolution", "written meanwhile")
        other.close()
        return found

    monkeypatch.setattr(Library, "snapshot", snapshot_then_write)
    EmbeddedStore(home).close()
    assert _stored_resolution(home) == "written meanwhile"


def test_a_write_saves_every_paper_resolved_again_on_open(sample_store, home, monkeypatch):
    """Ids resolved again on open but not saved then (the library was busy) are all written by the
    next write, before it marks the resolution current."""
    import orjson

    from paperkg.errors import LibraryBusy
    from paperkg.graph.library import Library
    from paperkg.graph.overrides import Override

    sample_store.close()
    _make_stale(home)
    db = sqlite3.connect(home / "library.sqlite")
    with db:
        rows = db.execute("SELECT id, data FROM papers").fetchall()
        for key, data in rows:
            record = orjson.loads(data)
            record["author_ids"] = ["old-rule-" + a for a in record["author_ids"]]
            db.execute("UPDATE papers SET data = ? WHERE id = ?", (orjson.dumps(record).decode(), key))
    db.close()
    def busy(self, wait=0.0):
        raise LibraryBusy("another process is writing")

    writing = Library.writing
    monkeypatch.setattr(Library, "writing", busy)
    store = EmbeddedStore(home)
    monkeypatch.setattr(Library, "writing", writing)
    expected = store.papers()
    store.add_overrides([Override("alias", "institution", written="Nowhere Institute", target="mit")])
    store.close()
    reopened = EmbeddedStore(home)
    assert not any(a.startswith("old-rule-") for p in reopened.papers() for a in p["author_ids"])
    assert reopened.papers() == expected

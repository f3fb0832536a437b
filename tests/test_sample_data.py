"""The bundled sample data: every digest parses cleanly, and the search
evaluation set (data/eval/queries.jsonl) points at papers the sample library holds."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from paperkg.graph.embedded import EmbeddedStore
from paperkg.graph.model import normalise_title
from paperkg.ingest import read_digest

ROOT = Path(__file__).resolve().parent.parent
DIGEST_FILES = sorted((ROOT / "data" / "digests").glob("*.txt"))
QUERIES = ROOT / "data" / "eval" / "queries.jsonl"
KINDS = {"paraphrase", "keyword", "acronym", "conceptual"}


def _queries() -> list[dict]:
    lines = QUERIES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def sample_library(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("sample") / "library")
    report = store.ingest([read_digest(path) for path in DIGEST_FILES])
    assert report.problems == []
    yield store
    store.close()


@pytest.mark.parametrize("path", DIGEST_FILES, ids=lambda p: p.stem)
def test_bundled_digest_parses_without_problems(path):
    digest, _ = read_digest(path)
    assert [str(p) for p in digest.problems] == []
    assert digest.entries and digest.posted_at
    for entry in digest.entries:
        where = f"{path.name}:{entry.line}"
        assert entry.title and entry.authors and entry.title_zh and entry.url, where
        assert entry.posted_at and entry.posted_at[:10] == digest.posted_at, where
        assert entry.category in digest.categories, f"{where}: {entry.category} missing from the legend"
        if entry.section == "main":
            assert entry.summary_zh and entry.abstract, where


def test_bundled_digests_are_one_per_day_in_file_order():
    dates = [read_digest(path)[0].posted_at for path in DIGEST_FILES]
    assert len(dates) >= 6
    assert dates == sorted(set(dates))


def test_sample_library_exercises_merging(sample_library):
    papers = sample_library.papers()
    entries = sum(len(read_digest(path)[0].entries) for path in DIGEST_FILES)
    assert len(papers) >= 45
    assert len(papers) < entries, "some paper should be listed by more than one digest"
    upgraded = [p for p in papers if {s["section"] for s in p["sources"]} == {"main", "other"}]
    assert upgraded and all(p["abstract"] for p in upgraded), "a short-listed paper should gain its abstract from a full entry"
    assert 2 <= sum(p["starred"] for p in papers) <= 6


def test_eval_queries_are_well_formed_and_balanced():
    queries = _queries()
    assert len(queries) >= 60
    for q in queries:
        assert set(q) == {"query", "lang", "kind", "relevant"}, q
        assert q["query"].strip() and q["lang"] in {"zh", "en"} and q["kind"] in KINDS, q
        assert 1 <= len(q["relevant"]) <= 3 and len(set(q["relevant"])) == len(q["relevant"]), q
    langs = Counter(q["lang"] for q in queries)
    assert abs(langs["zh"] - langs["en"]) <= len(queries) // 10, langs
    assert set(Counter(q["kind"] for q in queries)) == KINDS
    assert len({q["query"] for q in queries}) == len(queries), "duplicate queries"


def test_eval_queries_are_not_copies_of_titles():
    titles = {normalise_title(t) for q in _queries() for t in q["relevant"]}
    copies = [q["query"] for q in _queries() if normalise_title(q["query"]) in titles]
    assert copies == []


def test_eval_relevant_titles_exist_in_sample_library(sample_library):
    titles = {p["title"] for p in sample_library.papers()}
    missing = sorted({t for q in _queries() for t in q["relevant"]} - titles)
    assert missing == []

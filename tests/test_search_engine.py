"""The search engine on real digests with the real multilingual model: cross-lingual
retrieval, ranking against a brute-force oracle (exact and approximate index),
filters against ``PaperFilter.matches``, the embedding cache, related work."""
from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperkg.errors import AmbiguousName, UnknownNode
from paperkg.graph.config import load_settings
from paperkg.graph.embedded import EmbeddedStore
from paperkg.graph.filters import PaperFilter
from paperkg.ingest import read_digest
from paperkg.search import indexer, ranking, tokenize
from paperkg.search.engine import SearchEngine
from paperkg.search.related import RelatedWork
from paperkg.search.manifest import read_manifest, search_dir, write_manifest
from paperkg.search.tokenize import tokens

from tests.conftest import SAMPLE_DIGEST

pytestmark = pytest.mark.model


def _digest_papers(home) -> list[dict]:
    with EmbeddedStore(home) as store:
        store.ingest([read_digest(SAMPLE_DIGEST)])
        return store.papers()


class CountingEncoder(indexer.PassageEncoder):
    calls: list[int] = []

    def encode(self, texts, kind="passage", batch_size=32):
        CountingEncoder.calls.append(len(texts))
        return super().encode(texts, kind, batch_size)


@pytest.fixture
def counting(monkeypatch):
    CountingEncoder.calls = []
    monkeypatch.setattr(indexer, "ENCODER_FACTORY", CountingEncoder)
    return CountingEncoder.calls


# -- cross-lingual --------------------------------------------------------------------------
def _only(paper: dict, language: str) -> dict:
    blank = ("title_zh", "summary_zh") if language == "en" else ("title", "abstract")
    return {**paper, **{name: "" for name in blank}}


@pytest.mark.parametrize("indexed, asked", [("en", "title_zh"), ("zh", "title")])
def test_a_query_in_one_language_finds_papers_written_only_in_the_other(tmp_path, indexed, asked):
    """Real digest: index only the English (or only the Chinese) text of each paper,
    ask with the other language's title; semantic search must put the paper first.
    Hybrid keeps it in the top 3: in a library with no English at all, a stray
    English word in another paper's Chinese summary can win the keyword half."""
    home = tmp_path / "library"
    originals = [p for p in _digest_papers(home) if p["abstract"] and p["summary_zh"]]
    assert len(originals) >= 4
    indexer.update_index(load_settings(str(home)), [_only(p, indexed) for p in originals])
    with SearchEngine.open(load_settings(str(home))) as engine:
        for paper in originals:
            hits = engine.search(paper[asked], k=3, mode="semantic")
            assert hits[0]["id"] == paper["id"], (paper[asked], [h["id"] for h in hits])
            assert paper["id"] in [h["id"] for h in engine.search(paper[asked], k=3, mode="hybrid")]


# -- ranking vs a brute-force oracle -----------------------------------------------------------
QUERIES = ["扩散模型生成图像", "contrastive learning of visual representations", "语音识别", "graph neural networks",
           "强化学习", "prompt tuning", "目标检测 Transformer", "self-attention rank collapse"]


def _cached_vectors(engine: SearchEngine, rows: list[int]) -> dict[int, np.ndarray]:
    """Each paper's exact float32 vectors, read from the embedding cache (not the index)."""
    records = engine.db.papers_by_row(rows)
    shas = {row: [bytes.fromhex(h) for h in d.get("shas", {}).values()] for row, d in records.items()}
    cached = engine.db.vectors(engine.model, [s for group in shas.values() for s in group])
    return {row: np.stack([cached[s] for s in group if s in cached]) for row, group in shas.items()
            if any(s in cached for s in group)}


def _oracle(engine: SearchEngine, query_vector: np.ndarray, k: int, rows=None) -> list[tuple[int, float]]:
    """Exact cosine of the query with every vector of every paper (from the embedding cache), max-pooled."""
    rows = engine.rows.tolist() if rows is None else rows
    vectors = _cached_vectors(engine, rows)
    best = {row: float(np.max(v @ query_vector)) for row, v in vectors.items()}
    return ranking.top(best, k)


def test_exact_semantic_ranking_equals_brute_force(search_engine):
    assert search_engine.vectors.kind == "flat-fp16"
    for query, vector in zip(QUERIES, search_engine.encoder.encode(QUERIES)):
        got = search_engine.semantic(vector, 10)
        want = _oracle(search_engine, vector, 10)
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=2e-4)  # float16 storage
        for (row, score), (want_row, want_score) in zip(got, want):
            assert row == want_row or abs(score - want_score) < 2e-4, query  # only near-ties may swap


def test_approximate_index_path_against_brute_force(tmp_path, monkeypatch, search_library, library_papers):
    """Force the approximate index (threshold 10 vectors) on the sample library; the
    embedding cache is copied, so nothing is embedded again."""
    home = tmp_path / "library"
    search_dir(home).mkdir(parents=True)
    shutil.copy(search_dir(search_library) / "search.sqlite", search_dir(home) / "search.sqlite")
    monkeypatch.setattr(indexer, "APPROX_MIN_VECTORS", 10)
    summary = indexer.update_index(load_settings(str(home)), library_papers)
    assert summary["embedded"] == 0 and summary["index_type"] == "ivf-sq8"
    with SearchEngine.open(load_settings(str(home))) as engine:
        assert engine.vectors.kind == "ivf-sq8" and read_manifest(home).index_type == "ivf-sq8"
        overlap = total = 0
        for vector in engine.encoder.encode(QUERIES):
            got = [r for r, _ in engine.semantic(vector, 10)]
            want = [r for r, _ in _oracle(engine, vector, 10)]
            assert len(got) == 10
            overlap += len(set(got) & set(want))
            total += 10
        assert overlap / total >= 0.95
        cv = PaperFilter(category="CV")
        allowed = [r for r, b in engine.briefs.items() if cv.matches(b)]
        for vector in engine.encoder.encode(QUERIES[:3]):
            got = [r for r, _ in engine.semantic(vector, 5, engine.allowed(cv))]
            want = [r for r, _ in _oracle(engine, vector, 5, allowed)]
            assert len(got) == min(5, len(allowed)) and set(got) <= set(allowed)
            assert len(set(got) & set(want)) >= 4


# -- filters vs plain Python -----------------------------------------------------------------
def _filters(papers: list[dict]):
    cats = sorted({p["category"] for p in papers})
    insts = sorted({word for p in papers for name in p["institutions"] for word in name.split() if word.isalpha()})
    authors = sorted({a for p in papers for a in p["authors"]})
    dates = sorted({p["posted_at"][:10] for p in papers if p["posted_at"]})
    maybe = lambda s: st.none() | s  # noqa: E731
    return st.builds(PaperFilter, category=maybe(st.sampled_from(cats)), institution=maybe(st.sampled_from(insts)),
                     author=maybe(st.sampled_from(authors)), since=maybe(st.sampled_from(dates)),
                     until=maybe(st.sampled_from(dates)))


@pytest.fixture(scope="module")
def filter_strategy(library_papers):
    return _filters(library_papers)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), query=st.sampled_from(QUERIES), k=st.integers(1, 12), mode=st.sampled_from(["hybrid", "semantic", "keyword"]))
def test_filters_select_exactly_what_paper_filter_matches(search_engine, library_store, filter_strategy, data, query, k,
                                                         mode):
    """The index filters as the store does (an institution with its sub-units, an author name
    covering everyone written so)."""
    filters = data.draw(filter_strategy)
    matching = {p["id"] for p in library_store.papers(filters)}
    hits = search_engine.search(query, k=k, mode=mode, filters=filters)
    ids = [h["id"] for h in hits]
    assert set(ids) <= matching and len(ids) == len(set(ids)) <= k
    if mode != "keyword":  # every paper has a vector: k results whenever k papers match
        assert len(ids) == min(k, len(matching))
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


# -- the embedding cache --------------------------------------------------------------------------
def test_reingest_and_reindex_with_the_same_model_embed_nothing(tmp_path, counting):
    home = tmp_path / "library"
    papers = _digest_papers(home)
    settings_ = load_settings(str(home))
    first = indexer.update_index(settings_, papers)
    texts = sum(1 for p in papers for t in (p["title"] + p["abstract"], p["title_zh"] + p["summary_zh"]) if t)
    assert sum(counting) == texts == first["embedded"] and first["added"] == len(papers)
    counting.clear()
    again = indexer.update_index(settings_, papers)
    assert counting == [] and again["embedded"] == 0 and again["added"] == again["updated"] == 0
    version = read_manifest(home).version
    rebuilt = indexer.reindex(settings_, papers)
    assert counting == [] and rebuilt["embedded"] == 0 and read_manifest(home).version == version + 1
    changed = [{**papers[0], "abstract": papers[0]["abstract"] + " Revised."}, *papers[1:-1]]
    summary = indexer.update_index(settings_, changed)
    assert counting == [1] and summary["updated"] == 1 and summary["removed"] == 1
    with SearchEngine.open(settings_) as engine:
        assert len(engine.rows) == len(papers) - 1 and len(engine.vectors) == read_manifest(home).vectors
        assert papers[-1]["id"] not in {h["id"] for h in engine.search(papers[-1]["title"], k=len(papers))}


# -- related work ----------------------------------------------------------------------------------
def test_related_ranks_a_coauthored_paper_with_its_boost(search_engine):
    """Against the same rule without the author evidence: a paper sharing an author with the one
    asked about never ranks lower, ranks higher where a paper sat just above it, and names the
    shared authors in ``why``. Checked where nothing else moves (the nearest match is the same and
    no other candidate shares an author with the paper or its nearest match). The rule itself is
    checked against a brute-force oracle in tests/test_related.py."""
    briefs = search_engine.briefs
    people = {r: set(b.get("author_ids") or b["authors"]) for r, b in briefs.items()}
    plain = RelatedWork(search_engine, dataclasses.replace(ranking.RULE, authors=0.0))
    shipped = RelatedWork(search_engine)
    checked = moved = 0
    for a in sorted(briefs):
        coauthored = [b for b in briefs if b != a and people[a] & people[b]]
        if len(coauthored) != 1:
            continue
        with_authors, without = shipped.answer(a), plain.answer(a)
        nearest = with_authors.nearest
        if nearest != without.nearest or any(people[r] & people[nearest] for r in briefs if r not in (a, nearest)):
            continue
        order = [h.row for h in with_authors.ranked]
        before = [h.row for h in without.ranked]
        b = coauthored[0]
        assert order.index(b) <= before.index(b), (briefs[a]["title"], briefs[b]["title"])
        moved += order.index(b) < before.index(b)
        checked += 1
        hit = next(h for h in search_engine.related(briefs[a]["id"], k=len(briefs)) if h["id"] == briefs[b]["id"])
        names = next(r["names"] for r in hit["why"] if r["kind"] == "authors")
        assert names and set(names) <= set(briefs[a]["authors"]) & set(briefs[b]["authors"])
    assert checked >= 3 and moved >= 1, (checked, moved)


def test_resolve_accepts_ids_titles_fragments_and_chinese_titles(search_engine):
    row, brief = next(iter(search_engine.briefs.items()))
    for name in (brief["id"], "paper:" + brief["id"], brief["title"], brief["title"].upper(), brief["title_zh"]):
        assert search_engine.resolve(name) == brief["id"]
    with pytest.raises(AmbiguousName):
        search_engine.resolve("learning")
    with pytest.raises(UnknownNode) as err:
        search_engine.resolve(brief["title"][:-3] + "xyz zzz")
    assert brief["title"] in str(err.value)


# -- crash safety ---------------------------------------------------------------------------------
def test_a_crash_before_the_manifest_switch_keeps_the_old_index_and_the_next_sync_heals(tmp_path, monkeypatch):
    home = tmp_path / "library"
    papers = _digest_papers(home)
    settings_ = load_settings(str(home))
    indexer.update_index(settings_, papers[:5])
    before = read_manifest(home)

    def crash(*_args):
        raise KeyboardInterrupt("killed between writing the new files and switching the manifest")

    changed = [{**papers[0], "title_zh": "一个被修改的中文标题"}, *papers[1:]]
    monkeypatch.setattr(indexer, "write_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        indexer.update_index(settings_, changed)
    monkeypatch.undo()
    assert read_manifest(home) == before
    with SearchEngine.open(settings_) as engine:  # the old version, whole
        assert len(engine.rows) == 5 and len(engine.vectors) == before.vectors
        assert engine.search(papers[0]["title"], k=1)[0]["id"] == papers[0]["id"]
    healed = indexer.update_index(settings_, changed)
    assert healed["embedded"] == 0 or healed["embedded"] <= 1  # everything but the new title was cached
    assert healed["added"] == len(papers) - 5 and healed["updated"] == 1
    with SearchEngine.open(settings_) as engine:
        assert len(engine.rows) == len(papers)
        assert engine.search("一个被修改的中文标题", k=1, mode="keyword")[0]["id"] == papers[0]["id"]
    leftovers = {p.name for p in search_dir(home).iterdir()} - {"manifest.json", "write.lock", "search.sqlite",
                                                                   "search.sqlite-wal", "search.sqlite-shm"}
    manifest = read_manifest(home)
    assert leftovers <= {manifest.vectors_file, manifest.rows_file, before.vectors_file, before.rows_file,
                         *(f"kw-{s}" for s in manifest.segments + before.segments)}


def test_keyword_segments_of_another_tokenizer_are_rebuilt_without_embedding(tmp_path, search_library, library_papers):
    """An index whose segments another tokenizer made (or that predates the record) gets new
    segments from every paper's text on its next sync; the vectors stay and nothing is embedded."""
    home = tmp_path / "library"
    search_dir(home).mkdir(parents=True)
    shutil.copy(search_dir(search_library) / "search.sqlite", search_dir(home) / "search.sqlite")
    settings_ = load_settings(str(home))
    indexer.update_index(settings_, library_papers)
    before = read_manifest(home)
    assert before.tokenizer == tokenize.fingerprint()
    with SearchEngine.open(settings_) as engine:
        want = [engine.search(q, k=5, mode="keyword") for q in QUERIES]
    write_manifest(home, dataclasses.replace(before, tokenizer="0-an-older-table"))
    summary = indexer.update_index(settings_, library_papers)
    after = read_manifest(home)
    assert summary["embedded"] == 0 and summary["added"] == summary["updated"] == summary["removed"] == 0
    assert after.tokenizer == tokenize.fingerprint() and set(after.segments).isdisjoint(before.segments)
    assert after.vectors == before.vectors and after.papers == before.papers
    with SearchEngine.open(settings_) as engine:
        assert [engine.search(q, k=5, mode="keyword") for q in QUERIES] == want
    assert indexer.update_index(settings_, library_papers)["embedded"] == 0
    assert read_manifest(home).segments == after.segments  # recorded: not rebuilt again


def test_match_evidence_looks_up_coverage_only_for_the_hits(search_engine):
    """Semantic mode makes no BM25 pass; the coverage it looks up for its hits is the one the
    full pass gives, so every mode's relevance is what one scoring of the whole index says."""
    for query, vector in zip(QUERIES, search_engine.encoder.encode(QUERIES)):
        rows = [row for row, _ in search_engine.semantic(vector, 20)] + [10 ** 6]
        full = search_engine.keywords.scores_and_coverage(tokens(query))[1]
        assert search_engine.evidence(query, vector, rows) == search_engine.evidence(query, vector, rows, coverage=full)
        assert search_engine.matches(query, None, rows) == search_engine.matches(query, None, rows, coverage=full)

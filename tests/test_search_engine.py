"""The search engine on real digests with the real multilingual model: cross-lingual
retrieval, ranking against a brute-force oracle (exact and approximate index),
filters against ``PaperFilter.matches``, the embedding cache, related work."""
from __future__ import annotations

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
from paperkg.search import indexer, ranking
from paperkg.search.engine import SearchEngine
from paperkg.search.manifest import read_manifest, search_dir

from tests.conftest import SAMPLE_DIGEST


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


def _oracle(engine: SearchEngine, query_vector: np.ndarray, k: int, rows=None) -> list[tuple[int, float]]:
    """Exact cosine of the query with every vector of every paper (from the embedding cache), max-pooled."""
    rows = engine.rows.tolist() if rows is None else rows
    vectors = engine._paper_vectors(rows)
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
def test_filters_select_exactly_what_paper_filter_matches(search_engine, library_papers, filter_strategy, data, query, k, mode):
    filters = data.draw(filter_strategy)
    matching = {p["id"] for p in library_papers if filters.matches(p)}
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
def test_related_is_nearest_by_meaning_plus_shared_people_and_never_itself(search_engine):
    for row, brief in list(search_engine.briefs.items())[:12]:
        hits = search_engine.related(brief["id"], k=5)
        assert len(hits) == 5 and brief["id"] not in {h["id"] for h in hits}
        own = search_engine._paper_vectors([row])[row]
        by_key = search_engine.rows_by_key
        for hit in hits:
            other = search_engine._paper_vectors([by_key[hit["id"]]])[by_key[hit["id"]]]
            want = float(np.max(other @ own.T)) + ranking.related_boost(brief, search_engine.briefs[by_key[hit["id"]]])
            assert hit["score"] == pytest.approx(want, abs=1e-4)
        assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_related_ranks_a_coauthored_paper_with_its_boost(search_engine):
    shared = [(a, b) for a, pa in search_engine.briefs.items() for b, pb in search_engine.briefs.items()
              if a < b and set(pa["authors"]) & set(pb["authors"])]
    assert shared, "the sample digests hold papers sharing an author"
    a, b = shared[0]
    hits = search_engine.related(search_engine.briefs[a]["id"], k=len(search_engine.briefs))
    scores = {h["id"]: h["score"] for h in hits}
    assert search_engine.briefs[b]["id"] in scores


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

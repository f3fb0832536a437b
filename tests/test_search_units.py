"""Search building blocks against oracles, without a model: BM25 against bm25s,
faiss indexes against brute-force numpy, tokens, fusion."""
from __future__ import annotations

import random

import bm25s
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.search import keyword, ranking
from paperkg.search.texts import _SENTENCE_END, SLOT_COUNT, paper_texts, snippet
from paperkg.search.tokenize import tokens
from paperkg.search.vectors import VectorIndex

WORDS = [f"w{i}" for i in range(40)]


def _corpus(rng: random.Random, n: int) -> list[list[str]]:
    return [rng.choices(WORDS, weights=[1 / (i + 1) for i in range(len(WORDS))], k=rng.randint(1, 30)) for _ in range(n)]


def _bm25s_scores(docs: list[list[str]], query: list[str]) -> np.ndarray:
    oracle = bm25s.BM25(k1=keyword.K1, b=keyword.B, method="lucene")
    oracle.index(docs, show_progress=False)
    known = [t for t in dict.fromkeys(query) if t in oracle.vocab_dict]
    return oracle.get_scores(known) if known else np.zeros(len(docs))


# -- tokens --------------------------------------------------------------------------
def test_tokens_fold_english_and_split_chinese_into_bigrams():
    assert tokens("Transformers for Graphs: the Networks' ＧＰＴ") == ["transformer", "graph", "network", "gpt"]
    assert tokens("注意力机制") == ["注意", "意力", "机制"]  # not 力机, across 注意力|机制
    assert tokens("基于HOI Transformer的检测") == ["基于", "hoi", "transformer", "的检", "检测"]
    assert tokens("图 a") == ["图"]


def test_chinese_bigrams_never_straddle_two_words():
    """量子化学 (quantum chemistry) shares 化学 with no word of 强化学习 (reinforcement learning)."""
    assert tokens("强化学习") == ["强化", "学习"]
    assert "化学" in tokens("量子化学") and "化学" not in tokens("深度强化学习方法")
    assert tokens("扩散模型") == ["扩散", "散模", "模型"]  # 扩散 is no vocabulary word: its bigrams stay
    assert not set(tokens("量子化学")) & set(tokens("基于模型的强化学习在机器人上的应用"))


def test_paper_texts_one_per_language_and_skip_empty():
    paper = {"title": "A Title", "abstract": "Body.", "title_zh": "标题", "summary_zh": ""}
    assert paper_texts(paper) == {"en": "A Title. Body.", "zh": "标题"}
    assert paper_texts({"title": "Only", "abstract": "", "title_zh": "", "summary_zh": ""}) == {"en": "Only"}


def test_snippet_prefers_the_sentence_sharing_query_terms():
    record = {"title": "T", "title_zh": "标题", "abstract": "First sentence here. Graph neural networks are great.",
              "summary_zh": "提出一种方法。研究图神经网络。"}
    assert snippet(record, set(tokens("graph networks")), False) == "Graph neural networks are great."
    assert snippet(record, set(tokens("图神经网络")), True) == "研究图神经网络。"


SNIPPET_PIECES = ["studies", "study", "classes", "class", "graphs", "graph", "networks", "gas", "ies", "s", "x", "ml",
                  "图神经网络", "神经", "强化学习", "化学", "量子化学", "研究", "的", "ＧＰＴ", "GPT", "Graph", "STUDIES"]
sentence_text = st.lists(st.sampled_from(SNIPPET_PIECES + [" ", ". ", "。", ", "]), max_size=25).map("".join)


def _snippet_oracle(record: dict, query_terms: set[str], query_is_chinese: bool, width: int = 160) -> str:
    """The snippet rule with every sentence tokenised in full (what snippet() skips must not matter;
    sentences are split by the module's own rule, which is not what this checks)."""
    zh, en = record.get("summary_zh") or "", record.get("abstract") or ""
    best, best_hits = "", -1
    for body in ([zh, en] if query_is_chinese else [en, zh]):
        for sentence in (part.strip() for part in _SENTENCE_END.split(body)):
            if sentence:
                hits = len(query_terms & set(tokens(sentence))) if query_terms else 0
                if hits > best_hits:
                    best, best_hits = sentence, hits
    if not best:
        best = record.get("title_zh") if query_is_chinese and record.get("title_zh") else record.get("title", "")
    return best if len(best) <= width else best[: width - 1] + "…"


@settings(max_examples=300, deadline=None)
@given(abstract=sentence_text, summary=sentence_text, query=sentence_text, chinese=st.booleans())
def test_snippet_picks_the_sentence_a_full_tokenisation_picks(abstract, summary, query, chinese):
    record = {"title": "T", "title_zh": "标题", "abstract": abstract, "summary_zh": summary}
    terms = set(tokens(query))
    assert snippet(record, terms, chinese) == _snippet_oracle(record, terms, chinese)


# -- BM25 ----------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40))
def test_one_segment_scores_equal_bm25s(seed, n):
    rng = random.Random(seed)
    docs = _corpus(rng, n)
    query = rng.choices(WORDS + ["absent"], k=rng.randint(1, 5))
    index = keyword.KeywordIndex([keyword.build_segment("a", list(range(n)), docs)], np.arange(n))
    np.testing.assert_allclose(index.scores(query)[:n], _bm25s_scores(docs, query), rtol=1e-5, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_segments_with_updates_and_deletes_score_like_one_index_over_live_docs(seed):
    """Rows re-added in a later segment (updates) and rows dropped from the
    library (deletes) score exactly like a fresh bm25s index of the live texts."""
    rng = random.Random(seed)
    live: dict[int, list[str]] = {}
    segments = []
    for s in range(rng.randint(1, 5)):
        rows = rng.sample(range(30), rng.randint(1, 10))
        docs = _corpus(rng, len(rows))
        segments.append(keyword.build_segment(f"s{s}", rows, docs))
        live.update(zip(rows, docs))
        for gone in rng.sample(sorted(live), rng.randint(0, len(live) // 3)):
            del live[gone]
    if not live:
        return
    rows = np.array(sorted(live))
    query = rng.choices(WORDS, k=3)
    index = keyword.KeywordIndex(segments, rows)
    expected = _bm25s_scores([live[r] for r in rows], query)
    np.testing.assert_allclose(index.scores(query)[rows], expected, rtol=1e-5, atol=1e-6)
    merged = keyword.KeywordIndex([index.merged("m")], rows)
    np.testing.assert_allclose(merged.scores(query)[rows], expected, rtol=1e-5, atol=1e-6)
    assert len(merged.segments[0]) == len(rows)


def test_segment_round_trips_through_disk(tmp_path):
    seg = keyword.build_segment("000001", [3, 7], [["graph", "graph", "net"], ["图神", "神经"]])
    keyword.write_segment(seg, tmp_path / "kw-000001")
    back = keyword.read_segment(tmp_path / "kw-000001")
    assert back.terms == seg.terms and back.rows.tolist() == [3, 7]
    index = keyword.KeywordIndex([back], np.array([3, 7]))
    assert [row for row, _ in index.top(["graph"], 5)] == [3]
    assert index.top(["graph"], 5, allowed=np.array([False] * 8)) == []


# -- vectors -------------------------------------------------------------------------
def _clustered(rng: np.random.Generator, n: int, dim: int = 32, centres: int = 20) -> np.ndarray:
    c = rng.normal(size=(centres, dim))
    x = c[rng.integers(0, centres, n)] + 0.4 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _oracle(vectors, ids, query, k, allowed=None):
    scores = vectors @ query
    keep = np.ones(len(ids), bool) if allowed is None else np.isin(ids, allowed)
    order = np.flatnonzero(keep)[np.argsort(-scores[keep], kind="stable")][:k]
    return ids[order], scores[order]


@pytest.mark.parametrize("filtered", [False, True])
def test_flat_index_equals_brute_force(filtered):
    rng = np.random.default_rng(1)
    vectors = _clustered(rng, 500)
    ids = rng.choice(10_000, 500, replace=False).astype(np.int64)
    index = VectorIndex.flat(vectors.shape[1])
    index.add(ids, vectors)
    allowed = rng.choice(ids, 60, replace=False) if filtered else None
    for q in _clustered(rng, 10):
        scores, found = index.search(q, 10, allowed)
        want_ids, want_scores = _oracle(vectors, ids, q, 10, allowed)
        np.testing.assert_allclose(scores[0], want_scores, atol=2e-3)  # float16 storage: 11-bit mantissa
        for got, want, got_score, want_score in zip(found[0], want_ids, scores[0], want_scores):
            assert got == want or abs(got_score - want_score) < 2e-3  # only near-ties may swap


def test_flat_index_remove_and_reload(tmp_path):
    rng = np.random.default_rng(2)
    vectors = _clustered(rng, 50)
    ids = np.arange(50, dtype=np.int64) * SLOT_COUNT
    index = VectorIndex.flat(vectors.shape[1])
    index.add(ids, vectors)
    index.remove(ids[:10])
    index.save(tmp_path / "v.faiss")
    back = VectorIndex.load(tmp_path / "v.faiss")
    assert len(back) == 40 and back.kind == "flat-fp16"
    _, found = back.search(vectors[0], 40)
    assert not set(found[0]) & set(ids[:10].tolist())
    all_ids, all_vectors = back.all_vectors()
    np.testing.assert_array_equal(all_ids, ids[10:])
    np.testing.assert_allclose(all_vectors, vectors[10:], atol=1e-3)


def test_approximate_index_recall_and_filters_against_brute_force():
    rng = np.random.default_rng(3)
    vectors = _clustered(rng, 6000, dim=48, centres=60)
    ids = np.arange(6000, dtype=np.int64)
    index = VectorIndex.approximate(ids, vectors, nlist=64, nprobe=8)
    assert index.kind == "ivf-sq8"
    queries = _clustered(rng, 50, dim=48, centres=60)
    hits = 0
    for q in queries:
        _, found = index.search(q, 10)
        hits += len(set(found[0].tolist()) & set(_oracle(vectors, ids, q, 10)[0].tolist()))
    assert hits / (10 * len(queries)) >= 0.9
    allowed = rng.choice(ids, 25, replace=False)  # rare: most probed lists hold none of them
    for q in queries[:10]:
        scores, found = index.search(q, 10, allowed)
        assert len(found[0]) == 10 and set(found[0].tolist()) <= set(allowed.tolist())
        want = _oracle(vectors, ids, q, 10, allowed)[0]
        assert len(set(found[0].tolist()) & set(want.tolist())) >= 8  # all lists scanned; SQ8 may swap near-ties


# -- fusion --------------------------------------------------------------------------
def test_best_per_paper_max_pools_slots_and_skips_padding():
    ids = np.array([[5 * SLOT_COUNT + 1, 5 * SLOT_COUNT, 2 * SLOT_COUNT, -1]])
    scores = np.array([[0.9, 0.5, 0.7, 0.0]])
    assert ranking.best_per_paper(scores, ids) == {5: pytest.approx(0.9), 2: pytest.approx(0.7)}


def test_rrf_rewards_agreement_and_breaks_ties_by_row():
    fused = ranking.rrf([[1, 2, 3], [3, 2, 4]], k=10)
    order = [row for row, _ in ranking.top(fused, 4)]
    assert order[0] in (2, 3) and set(order) == {1, 2, 3, 4}
    assert ranking.top({7: 1.0, 3: 1.0}, 2) == [(3, 1.0), (7, 1.0)]


@pytest.mark.model
def test_the_chinese_word_table_is_the_e5_vocabulary(tmp_path):
    """search/zh_words.tsv is exactly what :func:`word_table` makes of the model's own vocabulary."""
    import orjson

    from paperkg.search.e5_model import ensure_e5_folder
    from paperkg.search.models import cache_dir
    from paperkg.search.tokenize import WORDS_FILE, word_table

    folder = ensure_e5_folder(cache_dir(tmp_path), full_check=False)
    vocabulary = orjson.loads((folder / "tokenizer.json").read_bytes())["model"]["vocab"]
    assert WORDS_FILE.read_text(encoding="utf-8") == word_table([tuple(v) for v in vocabulary])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_coverage_of_some_rows_is_the_full_pass_at_those_rows(seed):
    rng = random.Random(seed)
    docs = _corpus(rng, 30)
    half = keyword.build_segment("a", list(range(15)), docs[:15])
    rest = keyword.build_segment("b", list(range(10, 30)), docs[10:])  # rows 10-14 live here, dead in "a"
    index = keyword.KeywordIndex([half, rest], np.array([r for r in range(30) if r != 20]))
    query = rng.choices(WORDS + ["absent"], k=rng.randint(1, 5))
    rows = rng.sample(range(35), 12)
    full = index.scores_and_coverage(query)[1]
    want = [float(full[r]) if r < len(full) else 0.0 for r in rows]
    assert index.coverage(query, rows).tolist() == want


def test_a_failed_commit_is_one_line_and_only_damage_counts_as_corrupt(tmp_path):
    """COMMIT goes through the guarded connection (``with connection:`` would commit in C, past
    it); an error that is not damage to the file is reported as itself, so a reindex does not
    discard the embedding cache over it."""
    import sqlite3

    from paperkg.errors import PaperkgError
    from paperkg.search.db import SearchDB, SearchDBCorrupt, failure

    db = SearchDB(tmp_path / "search.sqlite")
    db.db.execute("PRAGMA foreign_keys=ON")
    db.db.execute("CREATE TABLE parent(id INTEGER PRIMARY KEY)")
    db.db.execute("CREATE TABLE child(id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(PaperkgError) as caught:
        with db.db.transaction():
            db.db.execute("INSERT INTO child VALUES(7)")  # checked only at COMMIT
    assert not isinstance(caught.value, SearchDBCorrupt) and "FOREIGN KEY" in str(caught.value)
    assert "\n" not in str(caught.value) and not db.db.in_transaction
    db.put_vectors("m", [(b"k", np.ones(4, np.float32))])  # the connection is still usable
    assert list(db.vectors("m", [b"k"])) == [b"k"]
    db.close()
    path = tmp_path / "search.sqlite"
    assert isinstance(failure(path, sqlite3.DatabaseError("database disk image is malformed")), SearchDBCorrupt)
    assert isinstance(failure(path, sqlite3.DatabaseError("file is not a database")), SearchDBCorrupt)
    other = failure(path, sqlite3.OperationalError("too many SQL variables"))
    assert not isinstance(other, SearchDBCorrupt) and str(other) == f"{path}: too many SQL variables"
    assert "disk is full" in str(failure(path, sqlite3.OperationalError("database or disk is full")))


def test_a_model_build_sweeps_killed_builds_and_keeps_a_sound_finished_folder(tmp_path):
    import os
    import time

    from paperkg.search import model_files

    folder = tmp_path / "fast" / "model-key"
    folder.parent.mkdir()
    killed = folder.parent / f".{folder.name}.tmp-killed"
    young = folder.parent / f".{folder.name}.tmp-running"
    other = folder.parent / f".{folder.name}-int8.tmp-other"  # another key's: never this sweep's
    for stale in (killed, young, other):
        stale.mkdir()
        (stale / "model.bin").write_bytes(b"x" * 10)
    hour_ago = time.time() - 7200
    os.utime(killed, (hour_ago, hour_ago))
    os.utime(other, (hour_ago, hour_ago))
    with model_files.building(folder, stale_after=3600) as tmp:
        (tmp / "weights").write_bytes(b"first")
    assert not killed.exists() and young.exists() and other.exists()
    assert model_files.damage(folder, full=True) is None and (folder / "weights").read_bytes() == b"first"
    with model_files.building(folder, stale_after=3600) as tmp:  # a concurrent builder finished first
        (tmp / "weights").write_bytes(b"second")
    assert (folder / "weights").read_bytes() == b"first"
    with model_files.building(folder, stale_after=0, replace=True) as tmp:  # the caller found it unusable
        (tmp / "weights").write_bytes(b"third")
    assert (folder / "weights").read_bytes() == b"third" and model_files.damage(folder, full=True) is None
    (folder / "weights").write_bytes(b"garbled")
    with model_files.building(folder, stale_after=0) as tmp:  # damaged: replaced
        (tmp / "weights").write_bytes(b"fourth")
    assert (folder / "weights").read_bytes() == b"fourth"
    with pytest.raises(RuntimeError):
        with model_files.building(folder, stale_after=0) as tmp:
            raise RuntimeError("the build failed")
    assert sorted(p.name for p in folder.parent.iterdir()) == sorted([folder.name, other.name])

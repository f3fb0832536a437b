"""Search quality on data/eval/queries.jsonl: the shipped configuration and the alternatives it beat.

    python -m bench.bench_search_quality

Prints MRR@10 and recall@5 per mode and language for the shipped engine (the
numbers in the README), then the ablations that decided the design, each
computed the same way on the same library (the six bundled digests):

- what to embed: one vector per language (max-pooled, shipped) vs one vector
  over all four fields vs adding a titles-only vector;
- Chinese keyword tokens: bigrams within words (shipped) vs every character bigram vs jieba
  words vs both;
- fusion: reciprocal rank fusion constant k and the keyword weight.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from paperkg.graph.config import load_settings
from paperkg.graph.embedded import EmbeddedStore
from paperkg.search import keyword, ranking
from paperkg.search.db import SearchDB
from paperkg.search.engine import SearchEngine
from tests.evaluation import evaluate, format_table, load_queries, sample_library, score_runs
from paperkg.search.indexer import embed_missing
from paperkg.search.manifest import search_dir
from paperkg.search.models import PassageEncoder
from paperkg.search.texts import keyword_text, paper_texts
from paperkg.search.tokenize import bigrams, tokens, word_bigrams


def _semantic_rankings(doc_vectors: list[np.ndarray], keys: list[str], query_vectors: np.ndarray) -> list[list[str]]:
    out = []
    for q in query_vectors:
        best = np.array([float(np.max(v @ q)) for v in doc_vectors])
        out.append([keys[i] for i in np.argsort(-best, kind="stable")[:50]])
    return out


def _jieba_words(run: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut_for_search(run) if w.strip()]


SEGMENTERS = {"word bigrams": word_bigrams, "bigram": bigrams, "jieba": _jieba_words}


def _keyword_rankings(papers: list[dict], queries: list[str], zh_mode: str) -> list[list[str]]:
    def toks(text: str) -> list[str]:
        if zh_mode == "both":
            return tokens(text) + [t for t in tokens(text, _jieba_words) if len(t) != 2]
        return tokens(text, SEGMENTERS[zh_mode])

    seg = keyword.build_segment("x", list(range(len(papers))), [toks(keyword_text(p)) for p in papers])
    index = keyword.KeywordIndex([seg], np.arange(len(papers)))
    return [[papers[r]["id"] for r, _ in index.top(toks(q), 50)] for q in queries]


def _fused(sem: list[list[str]], kw: list[list[str]], k: int, weight: float) -> list[list[str]]:
    out = []
    for s, w in zip(sem, kw):
        fused = ranking.rrf([s, w], k=k, weights=(1.0, weight))
        out.append([key for key, _ in sorted(fused.items(), key=lambda kv: -kv[1])][:10])
    return out


def _line(name: str, queries: list[dict], ranked: list[list[str]]) -> str:
    r = score_runs(queries, ranked)
    return (f"{name:<44} MRR@10 {r['all']['mrr@10']:.3f} (zh {r['zh']['mrr@10']:.3f}, en {r['en']['mrr@10']:.3f})  "
            f"recall@5 {r['all']['recall@5']:.3f} (zh {r['zh']['recall@5']:.3f}, en {r['en']['recall@5']:.3f})")


def main() -> int:
    queries = load_queries()
    texts = [q["query"] for q in queries]
    with tempfile.TemporaryDirectory() as tmp:
        home = sample_library(Path(tmp) / "library")
        settings = load_settings(str(home))
        with EmbeddedStore(home) as store:
            papers = store.papers()
        print(f"library: {len(papers)} papers from data/digests; {len(queries)} queries "
              f"({sum(q['lang'] == 'zh' for q in queries)} zh)\n")
        with SearchEngine.open(settings) as engine:
            print("shipped configuration (SearchEngine, what the CLI runs):")
            print(format_table(evaluate(engine, queries)))
            query_vectors = engine.encoder.encode(texts)
            model = engine.model
        keys = [p["id"] for p in papers]
        db = SearchDB(search_dir(home) / "search.sqlite")
        encoder = PassageEncoder(model, home)

        def vectors_for(layout) -> list[np.ndarray]:
            per_paper = [layout(p) for p in papers]
            found = embed_missing(db, encoder, [t for group in per_paper for t in group])
            from paperkg.search.texts import text_sha
            return [np.stack([found[text_sha(t)] for t in group]) for group in per_paper]

        print("\nwhat to embed (semantic mode):")
        layouts = {
            "per language, max-pooled (shipped)": lambda p: list(paper_texts(p).values()),
            "one vector, all four fields": lambda p: ["\n".join(paper_texts(p).values())],
            "per language + titles-only vector": lambda p: list(paper_texts(p).values())
            + [p["title"] + " / " + (p["title_zh"] or "")],
        }
        sem_runs = {}
        for name, layout in layouts.items():
            sem_runs[name] = _semantic_rankings(vectors_for(layout), keys, query_vectors)
            print(_line(name, queries, sem_runs[name]))
        sem = sem_runs["per language, max-pooled (shipped)"]

        print("\nChinese keyword tokens (keyword mode, then hybrid with the shipped fusion):")
        kw_runs = {}
        for zh_mode in ("word bigrams", "bigram", "jieba", "both"):
            kw_runs[zh_mode] = _keyword_rankings(papers, texts, zh_mode)
            print(_line(f"keyword, {zh_mode}", queries, kw_runs[zh_mode]))
            print(_line(f"hybrid, {zh_mode}", queries,
                        _fused(sem, kw_runs[zh_mode], ranking.RRF_K, ranking.RRF_WEIGHTS[1])))

        print(f"\nfusion (shipped: k={ranking.RRF_K}, keyword weight {ranking.RRF_WEIGHTS[1]}):")
        for k in (5, 10, 20, 40, 60):
            for weight in (0.5, 0.75, 1.0, 1.5):
                print(_line(f"rrf k={k} keyword weight={weight}", queries, _fused(sem, kw_runs["word bigrams"], k, weight)))
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

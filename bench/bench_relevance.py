"""The calibration of search hits' match words (search/relevance.py), refitted and checked.

    python -m bench.bench_relevance [--home LIBRARY]

On the sample library (built from data/digests unless ``--home`` names one) and the 80
queries of data/eval/queries.jsonl: for the top 20 hybrid hits of each query and every
relevant paper, the two kinds of evidence (meaning lift, keyword coverage) and whether the
paper is relevant. Prints the logistic fit beside the shipped knobs, then, with the shipped
rule, the share of relevant hits per word and per likelihood band, how many queries get a
strong or partial hit that is relevant, and the best likelihood of queries about topics the
sample library does not hold (labelled by reading the library: they should all be weak,
except that "protein structure prediction" is partly answered by the paper that tries a
pretrained transformer on protein fold prediction).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from paperkg.graph.config import load_settings
from paperkg.graph.model import paper_key
from paperkg.search import relevance
from paperkg.search.engine import SearchEngine
from tests.evaluation import load_queries, sample_library

ABSENT = ["量子化学", "蛋白质结构预测", "protein structure prediction", "区块链共识算法", "stock price forecasting",
          "天气预报", "quantum chemistry simulation", "自动驾驶激光雷达点云", "medical image segmentation of tumours",
          "推荐系统点击率预估"]


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Logistic regression (Newton's method): ``[bias, weights...]``."""
    x = np.column_stack([np.ones(len(x)), x])
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + l2 * np.eye(len(w))
        w += np.linalg.solve(hessian, x.T @ (y - p) - l2 * w)
    return w


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="an indexed library of data/digests (default: build one in a temp folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(args.home) if args.home else sample_library(Path(tmp) / "library")
        with SearchEngine.open(load_settings(str(home))) as engine:
            run(engine)
    return 0


def run(engine: SearchEngine) -> None:
    queries = load_queries()
    texts = [q["query"] for q in queries]
    vectors = engine.encoder.encode(texts)
    row_of = engine.rows_by_key
    features, labels, words, best_relevant = [], [], [], []
    for query, vector, hits in zip(queries, vectors, engine.search_many(texts, 20)):
        relevant = {paper_key(t) for t in query["relevant"]}
        rows = list(dict.fromkeys([row_of[h["id"]] for h in hits] + [row_of[k] for k in relevant if k in row_of]))
        keys = [engine.briefs[r]["id"] for r in rows]
        found = engine.evidence(query["query"], vector, rows)  # what SearchEngine.matches weighs
        features += [found[r] for r in rows]
        labels += [k in relevant for k in keys]
        shipped = engine.matches(query["query"], vector, rows)
        words += [relevance.match(shipped[r]) for r in rows]
        best_relevant.append(max((shipped[row_of[k]] for k in relevant if k in row_of), default=0.0))
    x, y = np.array(features), np.array(labels, float)
    w = fit(x, y)
    rule = relevance.RULE
    print(f"{len(queries)} queries, {len(y)} (query, paper) pairs, {int(y.sum())} relevant\n")
    print(f"fit:     bias {w[0]:.2f}, meaning {w[1]:.1f}, terms {w[2]:.2f}")
    print(f"shipped: bias {rule.bias:.2f}, meaning {rule.meaning:.1f}, terms {rule.terms:.2f}")
    wk = fit(x[:, 1:], y)
    print(f"keyword mode fit:     bias {wk[0]:.2f}, terms {wk[1]:.2f}")
    print(f"keyword mode shipped: bias {rule.keyword_bias:.2f}, terms {rule.keyword_terms:.2f}\n")
    print("with the shipped rule, hybrid hits:")
    for word in relevance.MATCHES:
        chosen = [label for label, said in zip(y, words) if said == word]
        print(f"  {word:<8} {len(chosen):5d} pairs, {np.mean(chosen) if chosen else float('nan'):.0%} relevant")
    best = np.array(best_relevant)
    print(f"  queries whose relevant paper is strong {np.mean(best >= relevance.STRONG):.0%}, "
          f"strong or partial {np.mean(best >= relevance.PARTIAL):.0%}\n")
    print("topics the library does not hold (best likelihood of the top 10 hybrid hits, its word):")
    for query, hits in zip(ABSENT, engine.search_many(ABSENT, 10)):
        top = max(hits, key=lambda h: h["relevance"])
        print(f"  {query:<40} {top['relevance']:.2f} {top['match']:<8} {top['title'][:50]}")


if __name__ == "__main__":
    raise SystemExit(main())

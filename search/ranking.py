"""Pure ranking: vectors to papers, fusion of rankings, related-work boosts."""
from __future__ import annotations

import numpy as np

from paperkg.search.texts import SLOT_COUNT

#: Reciprocal rank fusion constant and weights (semantic, keyword). On the evaluation
#: set k from 5 to 60 moved MRR@10 by <= 0.007 and a keyword weight of 1.5 traded
#: recall@5 for MRR (bench/bench_search_quality.py), so the usual k = 60, equal weights.
RRF_K = 60
RRF_WEIGHTS = (1.0, 1.0)
#: How many papers each ranking contributes to the fusion.
FUSION_DEPTH = 50

#: Related work: added to the cosine similarity per shared author / institution (capped).
AUTHOR_BOOST, AUTHOR_CAP = 0.03, 3
INSTITUTION_BOOST, INSTITUTION_CAP = 0.01, 2


def best_per_paper(scores: np.ndarray, ids: np.ndarray) -> dict[int, float]:
    """Max-pool vector hits (ids ``row * SLOT_COUNT + slot``, ``-1`` = none) into paper rows."""
    best: dict[int, float] = {}
    for score, vid in zip(np.ravel(scores).tolist(), np.ravel(ids).tolist()):
        if vid < 0:
            continue
        row = vid // SLOT_COUNT
        if score > best.get(row, -np.inf):
            best[row] = score
    return best


def top(scores: dict[int, float], k: int) -> list[tuple[int, float]]:
    """Best ``k`` items, ties broken by row so results are deterministic."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def rrf(rankings: list[list[int]], k: int = RRF_K, weights: tuple[float, ...] = RRF_WEIGHTS) -> dict[int, float]:
    """Reciprocal rank fusion: sum of ``weight / (k + rank)`` (rank from 1) over the rankings."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


def related_boost(paper: dict, other: dict) -> float:
    shared_authors = len(set(paper.get("authors") or ()) & set(other.get("authors") or ()))
    shared_insts = len(set(paper.get("institutions") or ()) & set(other.get("institutions") or ()))
    return AUTHOR_BOOST * min(shared_authors, AUTHOR_CAP) + INSTITUTION_BOOST * min(shared_insts, INSTITUTION_CAP)

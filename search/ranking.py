"""Pure ranking: vectors to papers, fusion of rankings, and the related-work rule."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from paperkg.search.texts import SLOT_COUNT

#: Reciprocal rank fusion constant and weights (semantic, keyword). On the evaluation
#: set k from 5 to 60 moved MRR@10 by <= 0.007 and a keyword weight of 1.5 traded
#: recall@5 for MRR (bench/bench_search_quality.py), so the usual k = 60, equal weights.
RRF_K = 60
RRF_WEIGHTS = (1.0, 1.0)
#: How many papers each ranking contributes to the fusion.
FUSION_DEPTH = 50


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


# -- related work --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """What links a paper to another (see :mod:`paperkg.search.related` for how each is measured)."""
    meaning: float = 0.0        # cosine of the centred vectors, mean over shared languages
    terms: float = 0.0          # BM25 "more like this" score, 1 = the paper against itself
    same_category: bool = False
    authors: float = 0.0        # sum of ln(N / papers) over shared authors
    shared_authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelatedRule:
    """The knobs of the related-work rule (README "Related work"), fitted on the evaluation
    library by bench/bench_related.py, which prints its fit beside these."""
    #: Weights of the evidence, in log-odds that two papers share a topic (a logistic regression
    #: on every pair of papers of the evaluation library).
    meaning: float = 14.3
    terms: float = 7.8
    category: float = 1.6
    authors: float = 0.24
    #: Share of a candidate's evidence with the paper's nearest match added to its own.
    neighbour: float = 1.0
    #: ``likelihood = 1 / (1 + exp(-(bias + scale * score)))``: the share of pairs of the
    #: evaluation library with that score that share a topic (a logistic fit).
    bias: float = -3.9
    scale: float = 0.53


RULE = RelatedRule()
#: Strength words by likelihood.
STRONG, RELATED = 0.7, 0.4
STRENGTHS = ("strong", "related", "weak")


def evidence_score(ev: Evidence, rule: RelatedRule = RULE) -> float:
    """Log-odds evidence (without a bias) that two papers share a topic."""
    return (rule.meaning * ev.meaning + rule.terms * ev.terms + rule.category * ev.same_category
            + rule.authors * ev.authors)


def nearest(direct: dict[int, float]) -> int | None:
    """The candidate with the best evidence (ties: the lowest row)."""
    return min(direct, key=lambda row: (-direct[row], row)) if direct else None


def related_scores(direct: dict[int, float], via_nearest: dict[int, float], nearest_row: int | None,
                   rule: RelatedRule = RULE) -> dict[int, float]:
    """Each candidate's score: its own evidence plus ``rule.neighbour`` times its evidence with
    the paper's nearest match (``via_nearest``; the nearest match counts its evidence with the
    paper there). A title-only paper so borrows the abstract of its closest match."""
    return {row: score + rule.neighbour * (score if row == nearest_row else via_nearest.get(row, 0.0))
            for row, score in direct.items()}


def logistic(x: float) -> float:
    """``1 / (1 + exp(-x))`` without overflow for large ``|x|``."""
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def likelihood(score: float, rule: RelatedRule = RULE) -> float:
    """The calibrated chance (0..1) that a paper with this score shares the paper's topic."""
    return logistic(rule.bias + rule.scale * score)


def strength(chance: float) -> str:
    """``strong``, ``related`` or ``weak``: monotone in the likelihood."""
    return STRENGTHS[0] if chance >= STRONG else STRENGTHS[1] if chance >= RELATED else STRENGTHS[2]

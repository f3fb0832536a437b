"""How well a search hit matches its query, as a calibrated likelihood and a word.

A result list is ranked relative to the library: the tenth hit of a query about a
topic the library lacks is still "tenth". The likelihood says how well a hit
matches in absolute terms, from two kinds of evidence:

* *meaning lift*: the hit's best cosine with the query minus the median cosine
  of the library's papers with the same query (``baseline``, over an even sample
  of at most :data:`BASELINE_PAPERS` papers). Raw e5 cosines sit in a 0.8–0.9 band
  whatever the match, and where in it depends on the query (its length, its
  language); the lift over what an ordinary paper of the library gets does not.
* *coverage*: the share of the query's keyword idf mass the hit contains
  (:meth:`paperkg.search.keyword.KeywordIndex.scores_and_coverage`).

``likelihood = 1 / (1 + exp(-(bias + meaning · lift + terms · coverage)))``, a
logistic regression over the top 20 hybrid hits (and every relevant paper) of
the 80 queries of ``data/eval/queries.jsonl`` on the sample library; keyword
mode, which encodes no query vector, has its own fit on coverage alone.
``python -m bench.bench_relevance`` refits both and prints them beside these
knobs, the share of relevant hits per word, and the best likelihood of queries
about topics the library does not hold (which should be weak).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from paperkg.search.ranking import logistic

#: The words, by likelihood: ``strong`` from :data:`STRONG`, ``partial`` from :data:`PARTIAL`.
STRONG, PARTIAL = 0.7, 0.3
MATCHES = ("strong", "partial", "weak")
#: At most this many papers (evenly spread over the index) give the library's median cosine.
BASELINE_PAPERS = 200


@dataclass(frozen=True)
class MatchRule:
    """The fitted knobs (log-odds that a hit answers the query)."""

    bias: float = -6.51
    meaning: float = 90.2
    terms: float = 3.73
    #: keyword mode: coverage alone
    keyword_bias: float = -4.96
    keyword_terms: float = 7.77


RULE = MatchRule()


def likelihood(lift: float | None, coverage: float, rule: MatchRule = RULE) -> float:
    """The calibrated chance (0..1) that a hit answers the query; ``lift`` ``None``: keyword mode."""
    if lift is None:
        return logistic(rule.keyword_bias + rule.keyword_terms * coverage)
    return logistic(rule.bias + rule.meaning * lift + rule.terms * coverage)


def match(chance: float) -> str:
    """``strong``, ``partial`` or ``weak``: monotone in the likelihood."""
    return MATCHES[0] if chance >= STRONG else MATCHES[1] if chance >= PARTIAL else MATCHES[2]


def best_cosine(vectors: np.ndarray, query: np.ndarray) -> float:
    """A paper's best cosine with the query over its vectors (one per language)."""
    return float(np.max(vectors @ query))


class Sample(NamedTuple):
    """The sampled papers' vectors stacked (one matrix product per query instead of one per
    paper: 200 papers took ~1 ms of a 20 ms query) and where each paper's rows start."""

    vectors: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, papers: list[np.ndarray]) -> "Sample":
        papers = [np.atleast_2d(v) for v in papers if len(v)]
        if not papers:
            return cls(np.zeros((0, 0), np.float32), np.zeros(0, np.int64))
        starts = np.cumsum([0] + [len(v) for v in papers[:-1]])
        return cls(np.ascontiguousarray(np.vstack(papers), np.float32), starts.astype(np.int64))


def baseline(sample: Sample, query: np.ndarray) -> float:
    """The median best cosine of the sampled papers with the query (0 for an empty sample)."""
    if not len(sample.starts):
        return 0.0
    return float(np.median(np.maximum.reduceat(sample.vectors @ query, sample.starts)))


def sample_rows(rows: np.ndarray, limit: int = BASELINE_PAPERS) -> list[int]:
    """At most ``limit`` rows evenly spread over ``rows`` (all of them when fewer): deterministic."""
    ordered = np.sort(np.asarray(rows))
    if len(ordered) <= limit:
        return ordered.tolist()
    return ordered[np.linspace(0, len(ordered) - 1, limit).round().astype(int)].tolist()

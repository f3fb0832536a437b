"""Related-work evaluation: topic labels, precision@k and nDCG@k, and today's ranking as the baseline.

``data/eval/topics.jsonl`` holds one ``{"title", "topics"}`` per paper of ``data/digests`` and
``data/eval/related`` (labels judged by reading the papers; data/eval/README.md). A related paper
counts when it shares a topic with the paper asked about.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import orjson

from paperkg.graph.model import paper_key
from paperkg.search import ranking
from paperkg.search.texts import SLOT_COUNT

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ROOT / "data" / "eval" / "topics.jsonl"
#: The evaluation library: the sample digests and the papers added for related work.
LIBRARY_FOLDERS = (ROOT / "data" / "digests", ROOT / "data" / "eval" / "related")


def load_topics(path: Path = TOPICS) -> dict[str, frozenset[str]]:
    """paper key -> its topics."""
    rows = (orjson.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip())
    return {paper_key(row["title"]): frozenset(row["topics"]) for row in rows}


def relevant(topics: dict[str, frozenset[str]], key: str) -> set[str]:
    """The other papers sharing a topic with ``key``."""
    mine = topics[key]
    return {other for other, theirs in topics.items() if other != key and mine & theirs}


def precision_at(ranked: list[str], good: set[str], k: int = 3) -> float:
    return sum(1 for key in ranked[:k] if key in good) / k


def ndcg_at(ranked: list[str], good: set[str], k: int = 5) -> float:
    """Binary-gain nDCG: hits discounted by ``log2(rank + 1)``, over the best possible for ``good``."""
    dcg = sum(1.0 / math.log2(i + 2) for i, key in enumerate(ranked[:k]) if key in good)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(good))))
    return dcg / ideal if ideal else 0.0


def scores(rankings: dict[str, list[str]], topics: dict[str, frozenset[str]]) -> dict[str, dict[str, float]]:
    """``{"all"|topic: {"p@3", "ndcg@5", "n"}}`` for ``{paper key: ranked related keys}``."""
    groups: dict[str, list[tuple[float, float]]] = {}
    for key, ranked in rankings.items():
        good = relevant(topics, key)
        pair = (precision_at(ranked, good), ndcg_at(ranked, good))
        for group in ("all", *sorted(topics[key])):
            groups.setdefault(group, []).append(pair)
    return {g: {"p@3": float(np.mean([p for p, _ in pairs])), "ndcg@5": float(np.mean([n for _, n in pairs])),
                "n": len(pairs)} for g, pairs in groups.items()}


#: Today's ranking (before issue 15): the best cosine between any two of the papers' vectors, plus
#: these per shared author / institution (capped).
TODAY_AUTHOR_BOOST, TODAY_AUTHOR_CAP = 0.03, 3
TODAY_INSTITUTION_BOOST, TODAY_INSTITUTION_CAP = 0.01, 2


def todays_related(engine, row: int, k: int = 10) -> list[tuple[int, float]]:
    """``(row, score)`` of today's ranking for the paper at ``row`` (the code this issue replaced)."""
    own = engine._paper_vectors([row]).get(row)
    if own is None or not len(own):
        return []
    depth = (k + ranking.FUSION_DEPTH) * SLOT_COUNT
    found, ids = engine.vectors.search(own, min(depth, len(engine.vectors)))
    sims = ranking.best_per_paper(found, ids)
    me = engine.briefs[row]
    people = {r for r, b in engine.briefs.items() if r != row and (set(b["authors"]) & set(me["authors"]))}
    for r, vectors in engine._paper_vectors([r for r in people if r not in sims]).items():
        sims[r] = float(np.max(vectors @ own.T))
    sims.pop(row, None)

    def boost(other: dict) -> float:
        authors = len(set(me["authors"]) & set(other["authors"]))
        insts = len(set(me["institutions"]) & set(other["institutions"]))
        return (TODAY_AUTHOR_BOOST * min(authors, TODAY_AUTHOR_CAP)
                + TODAY_INSTITUTION_BOOST * min(insts, TODAY_INSTITUTION_CAP))

    return ranking.top({r: s + boost(engine.briefs[r]) for r, s in sims.items() if r in engine.briefs}, k)


def evaluation_library(home: Path) -> Path:
    """Ingest the evaluation library into ``home`` and index it."""
    from paperkg.graph.config import load_settings
    from paperkg.services import ingest

    outcome = ingest(load_settings(str(home)), [str(folder) for folder in LIBRARY_FOLDERS])
    assert outcome.exit_code == 0, outcome.problems or outcome.index_error
    return home

"""Related work: the papers to read next to one paper, how strong each link is, and why.

Everything comes from the search index (no graph store). For a paper and each candidate:

- **meaning**: cosine of their vectors after subtracting, from each vector, the mean vector of its
  group (language slot x "title only" / "title with abstract or summary"), averaged over the
  languages both have. e5 vectors share one common direction and a "short text" one, so raw
  cosines sit in a narrow band and a title-only paper is nearer every other title than the papers
  of its topic; centring removes both (bench/bench_related.py prints precision@3 of this evidence
  alone beside today's raw best cosine).
- **terms**: BM25 "more like this" (as Lucene's MoreLikeThis): the paper's ``TERMS`` most
  distinctive terms, by ``(1 + ln tf) * idf`` (a term in more than ``MAX_DF`` of the papers never
  counts, so not "transformer", "model", "学习"), are run as one BM25 query over the keyword index
  and the result is divided by the paper's own score (1 = as much in common as with itself).
  One query is one pass over the index; weighing each term would cost a pass per term.
- **category** and **authors**: the same category; the sum of ``ln(N / papers of that author)``
  over shared authors (resolved ids when the index has them, else names), so a rare shared name
  says more than a prolific one. Shared institutions were tried the same way and left out: big
  labs span every topic, and cross-validated precision@3 gained nothing (bench/bench_related.py).

Candidates are the papers of the best vectors for the centred query, the best "more like this"
hits and papers sharing an author (:meth:`RelatedWork.candidates`), then the best "more like
this" hits of the paper's nearest match. The rule that turns evidence into a score, a likelihood
and a strength is pure and lives in :mod:`paperkg.search.ranking`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from paperkg.search import ranking
from paperkg.search.reasons import why
from paperkg.search.ranking import Evidence
from paperkg.search.texts import RESULT_FIELDS, SLOT_COUNT, keyword_text, snippet
from paperkg.search.tokenize import fold, tokens

#: Distinctive terms per paper, and the largest share of papers a counted term may appear in.
TERMS = 50
MAX_DF = 0.2
#: Candidates from each source ("more like this", shared authors; twice as many vectors). On the
#: evaluation library the pool gives the same top 10 as scoring every paper for 99 % of papers.
POOL = 50
#: Papers whose vectors give the group means (all of them in smaller libraries; evenly spaced rows
#: otherwise), and the fewest vectors a group needs before it gets a mean of its own.
MEAN_SAMPLE = 4000
MIN_GROUP = 20
#: Shared terms shown as a reason appear in at most this share of the papers (stricter than
#: MAX_DF: a term may count as evidence yet be too common to explain anything).
WHY_MAX_DF = 0.1

def group_means(samples: list[tuple[str, bool, np.ndarray]]) -> dict[tuple[str, bool], np.ndarray]:
    """Mean vector per ``(slot, has_body)`` from ``(slot, has_body, vector)`` samples; a group with
    fewer than ``MIN_GROUP`` vectors gets its slot's mean."""
    by_slot: dict[str, list[np.ndarray]] = {}
    by_group: dict[tuple[str, bool], list[np.ndarray]] = {}
    for slot, body, vector in samples:
        by_slot.setdefault(slot, []).append(vector)
        by_group.setdefault((slot, body), []).append(vector)
    means = {}
    for slot, vectors in by_slot.items():
        for body in (False, True):
            group = by_group.get((slot, body), [])
            means[(slot, body)] = np.mean(group if len(group) >= MIN_GROUP else vectors, axis=0)
    return means


def meanings(mine: dict[str, np.ndarray], others: list[dict[str, np.ndarray]]) -> list[float]:
    """For each of ``others``: the mean cosine of centred vectors over the languages it shares with
    ``mine`` (else over all pairs), one matrix product per language."""
    total, count = np.zeros(len(others)), np.zeros(len(others))
    for slot, vector in mine.items():
        have = np.array([slot in other for other in others], bool)
        if have.any():
            total[have] += np.stack([other[slot] for other in others if slot in other]) @ vector
            count[have] += 1
    out = (total / np.maximum(count, 1)).tolist()
    for j in np.flatnonzero(count == 0).tolist():  # no language in common: the cross pairs
        pairs = [float(a @ b) for a in mine.values() for b in others[j].values()]
        out[j] = float(np.mean(pairs)) if pairs else 0.0
    return out


def shared_weight(mine: list[tuple[str, str]], theirs: list[tuple[str, str]], papers_of, total: int):
    """``(sum of ln(total / papers) over shared keys, their names)`` for ``(key, name)`` lists."""
    keys = {key for key, _ in theirs}
    shared = dict((key, name) for key, name in mine if key in keys)
    weight = sum(math.log(total / max(1, papers_of(key))) for key in shared)
    return weight, tuple(shared.values())


@dataclass
class Profile:
    """What related work needs of one paper."""
    row: int
    record: dict
    vectors: dict[str, np.ndarray]          # slot -> centred vector
    authors: list[tuple[str, str]]          # (key, name)


@dataclass(frozen=True)
class Ranked:
    row: int
    score: float
    evidence: Evidence      # with the paper
    via_nearest: bool       # its evidence with the paper's nearest match beats its own


@dataclass
class Answer:
    paper: Profile
    others: dict[int, Profile]
    nearest: int | None
    ranked: list[Ranked]


class RelatedWork:
    """Related work over an open :class:`~paperkg.search.engine.SearchEngine` (its vectors,
    keyword index, briefs and ``search.sqlite``); per-library state is built on first use."""

    def __init__(self, engine, rule: ranking.RelatedRule = ranking.RULE):
        self.engine, self.rule = engine, rule
        self._means: dict[tuple[str, bool], np.ndarray] | None = None
        self._authors: dict[str, list[int]] | None = None
        self._row_authors: dict[int, list[tuple[str, str]]] = {}
        self._df: dict[str, int] = {}
        self._mlt: dict[int, np.ndarray] = {}
        self._weights: dict[str, dict[str, float]] = {}

    # -- per-library state ---------------------------------------------------------------------
    @property
    def total(self) -> int:
        return max(1, len(self.engine.briefs))

    @property
    def authors(self) -> dict[str, list[int]]:
        """author key -> rows of the author's papers."""
        self._index_authors()
        return self._authors

    def authors_of(self, row: int) -> list[tuple[str, str]]:
        """``(key, name)`` of the authors of the paper at ``row``."""
        self._index_authors()
        return self._row_authors.get(row, [])

    def _index_authors(self) -> None:
        if self._authors is None:
            self._authors, self._row_authors = {}, {}
            for row, brief in self.engine.briefs.items():
                self._row_authors[row] = pairs = _authors(brief)
                for key in dict(pairs):
                    self._authors.setdefault(key, []).append(row)

    def _papers_of(self, key: str) -> int:
        return len(self.authors.get(key, ()))

    @property
    def means(self) -> dict[tuple[str, bool], np.ndarray]:
        if self._means is None:
            rows = sorted(self.engine.briefs)
            step = max(1, len(rows) // MEAN_SAMPLE)
            records, raw = self._raw_vectors(rows[::step])
            self._means = group_means([(slot, _has_body(records[row], slot), vector)
                                       for row, slots in raw.items() for slot, vector in slots.items()])
        return self._means

    # -- evidence ------------------------------------------------------------------------------
    def profiles(self, rows: list[int]) -> dict[int, Profile]:
        records, raw = self._raw_vectors(rows)
        means = self.means if raw else {}
        groups: dict[tuple[str, bool], list[tuple[int, np.ndarray]]] = {}
        for row, slots in raw.items():
            for slot, vector in slots.items():
                groups.setdefault((slot, _has_body(records[row], slot)), []).append((row, vector))
        centred: dict[int, dict[str, np.ndarray]] = {row: {} for row in records}
        for (slot, body), members in groups.items():
            shifted = np.stack([v for _, v in members]) - means.get((slot, body), 0.0)
            shifted /= np.maximum(np.linalg.norm(shifted, axis=1, keepdims=True), 1e-12)
            for (row, _), vector in zip(members, shifted):
                centred[row][slot] = vector
        return {row: Profile(row, record, centred[row], self.authors_of(row)) for row, record in records.items()}

    def term_weights(self, record: dict) -> dict[str, float]:
        """The paper's ``TERMS`` most distinctive terms and their weights (see the module doc; kept
        for the current answer)."""
        if record.get("id") not in self._weights:
            self._weights[record.get("id")] = self._term_weights(record)
        return self._weights[record.get("id")]

    def _term_weights(self, record: dict) -> dict[str, float]:
        counts: dict[str, int] = {}
        for term in tokens(keyword_text(record)):
            counts[term] = counts.get(term, 0) + 1
        n_docs = max(1, self.engine.keywords.n_docs)
        limit = max(2, int(MAX_DF * n_docs))
        weights = {}
        frequencies = self._document_frequencies(counts)
        self._df.update(frequencies)
        for term, df in frequencies.items():
            if df <= limit:
                weights[term] = (1.0 + math.log(counts[term])) * math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        best = sorted(weights, key=lambda t: (-weights[t], t))[:TERMS]
        return {term: weights[term] for term in best}

    def more_like_this(self, row: int, weights: dict[str, float]) -> np.ndarray:
        """BM25 of the paper's distinctive terms as one query, for every row, divided by the
        paper's own score (kept for the current answer)."""
        if row not in self._mlt:
            total = self.engine.keywords.scores(list(weights)).astype(np.float64)
            own = float(total[row]) if row < len(total) else 0.0
            self._mlt[row] = total / own if own > 0 else np.zeros(len(total))
        return self._mlt[row]

    def evidence(self, paper: Profile, others: dict[int, Profile]) -> dict[int, Evidence]:
        """Evidence between ``paper`` and each of ``others`` (the paper itself left out)."""
        mlt = self.more_like_this(paper.row, self.term_weights(paper.record))
        rows = [r for r in others if r != paper.row]
        closeness = meanings(paper.vectors, [others[r].vectors for r in rows])
        category = paper.record.get("category")
        mine = {key for key, _ in paper.authors}
        out = {}
        for row, close in zip(rows, closeness):
            other = others[row]
            authors, author_names = (shared_weight(paper.authors, other.authors, self._papers_of, self.total)
                                     if any(key in mine for key, _ in other.authors) else (0.0, ()))
            out[row] = Evidence(meaning=close, terms=float(mlt[row]) if row < len(mlt) else 0.0,
                                same_category=bool(category) and category == other.record.get("category"),
                                authors=authors, shared_authors=author_names)
        return out

    def candidates(self, paper: Profile) -> list[int]:
        """Rows worth scoring for ``paper`` (never itself): the papers of the best ``2 * POOL``
        vectors for the mean of its centred vectors, its best ``POOL`` "more like this" hits, and up
        to ``POOL`` papers sharing an author, the rarest authors first."""
        found: set[int] = set()
        index = self.engine.vectors
        if len(index) and paper.vectors:  # one query, the mean of its centred vectors: one pass over the index
            query = np.mean(list(paper.vectors.values()), axis=0)
            _, ids = index.search(query / max(float(np.linalg.norm(query)), 1e-12), min(2 * POOL, len(index)))
            found.update(int(v) // SLOT_COUNT for v in ids.ravel().tolist() if v >= 0)
        found.update(self._best(self.more_like_this(paper.row, self.term_weights(paper.record))))
        sharing: dict[int, None] = {}
        for key in sorted({key for key, _ in paper.authors}, key=lambda k: (self._papers_of(k), k)):
            if len(sharing) >= POOL:
                break
            sharing.update(dict.fromkeys(self.authors.get(key, ())))
        found.update(list(sharing)[:POOL])
        found.discard(paper.row)
        return sorted(r for r in found if r in self.engine.briefs)

    # -- the answer ----------------------------------------------------------------------------
    def answer(self, row: int) -> Answer | None:
        """Every candidate of the paper at ``row`` scored by the rule, best first."""
        self._df.clear()
        self._mlt.clear()
        self._weights.clear()
        paper = self.profiles([row]).get(row)
        if paper is None:
            return None
        others = self.profiles(self.candidates(paper))
        direct = self.evidence(paper, others)
        nearest = ranking.nearest({r: ranking.evidence_score(ev, self.rule) for r, ev in direct.items()})
        if nearest is not None:  # what is close to the nearest match may be far from the paper's own pool
            mlt = self.more_like_this(nearest, self.term_weights(others[nearest].record))
            extra = [r for r in self._best(mlt) if r not in others and r != row and r in self.engine.briefs]
            more = self.profiles(extra)
            others.update(more)
            direct.update(self.evidence(paper, more))
        direct_scores = {r: ranking.evidence_score(ev, self.rule) for r, ev in direct.items()}
        via = ({r: ranking.evidence_score(ev, self.rule) for r, ev in self.evidence(others[nearest], others).items()}
               if nearest is not None else {})
        scores = ranking.related_scores(direct_scores, via, nearest, self.rule)
        ranked = [Ranked(r, scores[r], direct[r], r != nearest and via.get(r, 0.0) > direct_scores[r])
                  for r in sorted(scores, key=lambda r: (-scores[r], r))]
        return Answer(paper, others, nearest, ranked)

    def find(self, row: int, k: int) -> list[dict]:
        """The ``k`` best related papers as result dicts (the search fields plus ``strength`` and ``why``)."""
        found = self.answer(row)
        if found is None:
            return []
        results = []
        nearest = found.others[found.nearest].record if found.nearest is not None else None
        shown = max(2, int(WHY_MAX_DF * max(1, self.engine.keywords.n_docs)))
        weights = self.term_weights(found.paper.record)
        for hit in found.ranked[:k]:
            record = found.others[hit.row].record
            theirs = fold(keyword_text(record))  # a substring test is enough to pick what to show
            shared = sorted((t for t in weights if t in theirs), key=lambda t: (-weights[t], t))
            chance = ranking.likelihood(hit.score, self.rule)
            results.append({**{name: record.get(name) for name in RESULT_FIELDS[:3]}, "score": round(chance, 4),
                            **{name: record.get(name) for name in RESULT_FIELDS[3:]},
                            "snippet": snippet(record, set(), False),
                            "strength": ranking.strength(chance),
                            "why": why(hit.evidence, [t for t in shared if self._df.get(t, 0) <= shown],
                                       found.paper.record, record, nearest if hit.via_nearest else None)})
        return results

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _best(scores: np.ndarray) -> list[int]:
        """Rows of the ``POOL`` best positive ``scores``."""
        hits = np.flatnonzero(scores > 0)
        if len(hits) > POOL:
            hits = hits[np.argpartition(-scores[hits], POOL - 1)[:POOL]]
        return hits.tolist()

    def _document_frequencies(self, terms) -> dict[str, int]:
        """Documents holding each term in the keyword index (dead documents of a segment not yet
        merged away count too: a slight overestimate, used only to choose and weigh terms)."""
        df: dict[str, int] = {}
        for segment in self.engine.keywords.segments:
            vocab, indptr = segment.vocab, segment.indptr
            found = [(term, vocab[term]) for term in terms if term in vocab]
            if found:
                ids = np.fromiter((i for _, i in found), np.int64, len(found))
                for (term, _), n in zip(found, (indptr[ids + 1] - indptr[ids]).tolist()):
                    df[term] = df.get(term, 0) + n
        return df

    def _raw_vectors(self, rows: list[int]) -> tuple[dict[int, dict], dict[int, dict[str, np.ndarray]]]:
        """Records and each paper's own vectors by slot (:meth:`SearchEngine.paper_vectors`)."""
        return self.engine.paper_vectors(rows)


def _has_body(record: dict, slot: str) -> bool:
    return bool(record.get("abstract" if slot == "en" else "summary_zh"))


def _authors(brief: dict) -> list[tuple[str, str]]:
    """``(key, name)`` of a paper's authors: the resolved ids when the index has them, else the names."""
    names = brief.get("authors") or []
    ids = brief.get("author_ids") or names
    return [(str(key), name) for key, name in zip(ids, names) if key]

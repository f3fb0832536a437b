"""BM25 keyword index in immutable segments, scored at query time.

Why not a single bm25s index: bm25s bakes idf into its score matrix, so every
ingest would rebuild it, and rebuilding for 50k papers took ~11 s here. Instead
each update writes a small segment of raw term frequencies (postings) and the
BM25 score (bm25s' "lucene" variant: idf = ln(1 + (N - df + 0.5)/(df + 0.5)),
tf part = tf / (tf + k1 (1 - b + b dl/avgdl))) is computed at query time from
the live documents of all segments, so it is exactly the score of one index
over the live documents (the tests check it against bm25s). A paper row is
live in the newest segment holding it, if it is still in the library. Too many
segments, or too many dead documents, and they are merged into one.

A segment folder holds numpy arrays (``rows``, ``lengths``, ``indptr``,
``docs``, ``tfs``) and ``terms.json``; it is written to a temp folder and
renamed into place, and never changed after.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from paperkg.diskio import atomic_dir

K1, B = 1.5, 0.75
MAX_SEGMENTS = 8
MAX_DEAD_FRACTION = 0.3


@dataclass
class Segment:
    name: str
    rows: np.ndarray      # int64 (n_docs,): the paper row of each local document
    lengths: np.ndarray   # int32 (n_docs,): tokens per document
    terms: list[str]      # term id -> term
    indptr: np.ndarray    # int64 (n_terms + 1,): postings of term t are [indptr[t], indptr[t+1])
    docs: np.ndarray      # int32 (nnz,): local document of each posting
    tfs: np.ndarray       # float32 (nnz,): term frequency of each posting
    vocab: dict = field(default=None, repr=False)

    def __post_init__(self):
        if self.vocab is None:
            self.vocab = {t: i for i, t in enumerate(self.terms)}

    def __len__(self) -> int:
        return len(self.rows)


def _from_triples(name: str, rows: np.ndarray, lengths: np.ndarray, terms: list[str],
                  term_ids: np.ndarray, docs: np.ndarray, tfs: np.ndarray) -> Segment:
    order = np.lexsort((docs, term_ids))
    counts = np.bincount(term_ids, minlength=len(terms))
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Segment(name, rows.astype(np.int64), lengths.astype(np.int32), terms, indptr,
                   docs[order].astype(np.int32), tfs[order].astype(np.float32))


def build_segment(name: str, rows: list[int], token_lists: list[list[str]]) -> Segment:
    """A segment for these documents (``token_lists[i]`` belongs to paper ``rows[i]``)."""
    vocab: dict[str, int] = {}
    term_ids, docs, tfs, lengths = [], [], [], []
    for doc, toks in enumerate(token_lists):
        lengths.append(len(toks))
        for term, count in Counter(toks).items():
            term_ids.append(vocab.setdefault(term, len(vocab)))
            docs.append(doc)
            tfs.append(count)
    return _from_triples(name, np.asarray(rows, np.int64), np.asarray(lengths, np.int32), list(vocab),
                         np.asarray(term_ids, np.int64), np.asarray(docs, np.int64), np.asarray(tfs, np.float32))


def merge_segments(name: str, segments: list[Segment], live: list[np.ndarray]) -> Segment:
    """One segment holding the live documents of ``segments`` (``live[i]``: bool mask per document)."""
    vocab: dict[str, int] = {}
    all_rows, all_lengths, all_terms, all_docs, all_tfs = [], [], [], [], []
    offset = 0
    for seg, mask in zip(segments, live):
        term_map = np.fromiter((vocab.setdefault(t, len(vocab)) for t in seg.terms), np.int64, len(seg.terms))
        posting_terms = np.repeat(np.arange(len(seg.terms)), np.diff(seg.indptr))
        keep = mask[seg.docs]
        new_doc = np.cumsum(mask) - 1 + offset
        all_terms.append(term_map[posting_terms[keep]])
        all_docs.append(new_doc[seg.docs[keep]])
        all_tfs.append(np.asarray(seg.tfs)[keep])
        all_rows.append(np.asarray(seg.rows)[mask])
        all_lengths.append(np.asarray(seg.lengths)[mask])
        offset += int(mask.sum())
    cat = (lambda parts, dtype: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype))
    return _from_triples(name, cat(all_rows, np.int64), cat(all_lengths, np.int32), list(vocab),
                         cat(all_terms, np.int64), cat(all_docs, np.int64), cat(all_tfs, np.float32))


_ARRAYS = ("rows", "lengths", "indptr", "docs", "tfs")


def write_segment(segment: Segment, folder: Path) -> None:
    """Write ``folder`` atomically (temp folder, then rename)."""
    with atomic_dir(folder) as tmp:
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", getattr(segment, name), allow_pickle=False)
        (tmp / "terms.json").write_bytes(orjson.dumps(segment.terms))


def read_segment(folder: Path) -> Segment:
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}
    terms = orjson.loads((folder / "terms.json").read_bytes())
    return Segment(folder.name.removeprefix("kw-"), terms=terms, **arrays)


class KeywordIndex:
    """BM25 over the live documents of ``segments`` (oldest first)."""

    def __init__(self, segments: list[Segment], live_rows: np.ndarray):
        self.segments = segments
        live_rows = np.asarray(live_rows, np.int64)
        self.size = int(live_rows.max()) + 1 if len(live_rows) else 0
        seen = np.zeros(self.size, bool)
        in_library = np.zeros(self.size, bool)
        in_library[live_rows] = True
        self.live: list[np.ndarray] = [None] * len(segments)
        for i in range(len(segments) - 1, -1, -1):
            rows = np.asarray(segments[i].rows)
            ok = rows < self.size
            mask = np.zeros(len(rows), bool)
            mask[ok] = in_library[rows[ok]] & ~seen[rows[ok]]
            seen[rows[mask]] = True
            self.live[i] = mask
        self.n_docs = int(sum(m.sum() for m in self.live))
        total = sum(int(np.asarray(s.lengths)[m].sum()) for s, m in zip(segments, self.live))
        self.avgdl = total / self.n_docs if self.n_docs else 1.0

    def dead_fraction(self) -> float:
        stored = sum(len(s) for s in self.segments)
        return 1.0 - self.n_docs / stored if stored else 0.0

    def needs_merge(self) -> bool:
        return len(self.segments) > MAX_SEGMENTS or self.dead_fraction() > MAX_DEAD_FRACTION

    def merged(self, name: str) -> Segment:
        return merge_segments(name, self.segments, self.live)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every paper row (0 for rows without a query term)."""
        return self.scores_and_coverage(query_tokens)[0]

    def scores_and_coverage(self, query_tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores, and per row the share of the query's idf mass it contains
        (a query term absent from the library counts with the idf of df = 0)."""
        scores = np.zeros(self.size, np.float32)
        matched = np.zeros(self.size, np.float32)
        if not self.n_docs:
            return scores, matched
        total_idf = 0.0
        for term in dict.fromkeys(query_tokens):
            hits = []
            for seg, mask in zip(self.segments, self.live):
                t = seg.vocab.get(term)
                if t is None:
                    continue
                docs = np.asarray(seg.docs[seg.indptr[t]:seg.indptr[t + 1]])
                keep = mask[docs]
                if keep.any():
                    hits.append((seg, docs[keep], np.asarray(seg.tfs[seg.indptr[t]:seg.indptr[t + 1]])[keep]))
            df = sum(len(d) for _, d, _ in hits)
            idf = float(np.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5)))
            total_idf += idf
            for seg, docs, tf in hits:
                norm = K1 * (1.0 - B + B * np.asarray(seg.lengths)[docs] / self.avgdl)
                rows = np.asarray(seg.rows)[docs]
                scores[rows] += (idf * tf / (tf + norm)).astype(np.float32)
                matched[rows] += idf
        return scores, (matched / total_idf if total_idf else matched)

    def coverage(self, query_tokens: list[str], rows: list[int]) -> np.ndarray:
        """The coverage of :meth:`scores_and_coverage` for ``rows`` only (float32, in their order):
        the document frequencies still take one look at each term's postings, but no score is computed."""
        wanted = np.asarray(rows, np.int64)
        matched = np.zeros(len(wanted), np.float32)
        if not self.n_docs or not len(wanted):
            return matched
        total_idf = 0.0
        for term in dict.fromkeys(query_tokens):
            df, holders = 0, []
            for seg, mask in zip(self.segments, self.live):
                t = seg.vocab.get(term)
                if t is None:
                    continue
                docs = np.asarray(seg.docs[seg.indptr[t]:seg.indptr[t + 1]])
                docs = docs[mask[docs]]
                df += len(docs)
                holders.append(np.asarray(seg.rows)[docs])
            idf = float(np.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5)))
            total_idf += idf
            for found in holders:
                matched[np.isin(wanted, found)] += idf
        return matched / total_idf if total_idf else matched

    def top(self, query_tokens: list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``k`` ``(row, score)`` with a positive score; ``allowed``: bool mask over rows."""
        return self.best(self.scores(query_tokens), k, allowed)

    @staticmethod
    def best(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``k`` ``(row, score)`` of ``scores`` (from :meth:`scores_and_coverage`) with a
        positive score; ``allowed``: bool mask over rows."""
        if allowed is not None:
            fitted = np.zeros(len(scores), bool)
            fitted[: min(len(allowed), len(scores))] = allowed[: len(scores)]
            scores = np.where(fitted, scores, 0.0)
        hit = np.flatnonzero(scores > 0)
        if len(hit) > k:
            hit = hit[np.argpartition(-scores[hit], k - 1)[:k]]
        order = sorted(hit.tolist(), key=lambda r: (-scores[r], r))
        return [(r, float(scores[r])) for r in order]

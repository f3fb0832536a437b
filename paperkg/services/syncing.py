"""Copying a library between the embedded store (``--home``) and Neo4j (``paperkg sync``).

Digests travel with their text and what they said about each paper, and go
through the target store's own ingest, so running it again changes nothing and
digests already in the target stay (one of the same name is replaced). The
analyst's corrections (merge, split, alias) the target lacks are added after its
own. The search
index of ``--home`` then follows the target, as after an ingest.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from paperkg.errors import StoreError
from paperkg.graph.config import Settings
from paperkg.graph.factory import library_state, open_store
from paperkg.graph.triage import IngestReport
from paperkg.services.indexing import index_after_write
from paperkg.services.progress import Progress, counter


@dataclass
class SyncOutcome:
    direction: str  # "to neo4j" or "from neo4j"
    report: IngestReport
    index: dict | None = None
    index_error: str | None = None


def sync(settings: Settings, to_neo4j: bool, wait: float = 0.0, progress: Progress | None = None) -> SyncOutcome:
    embedded = dataclasses.replace(settings, backend="embedded")
    neo4j = dataclasses.replace(settings, backend="neo4j")
    source_settings, target_settings = (embedded, neo4j) if to_neo4j else (neo4j, embedded)
    if to_neo4j and library_state(embedded).version is None:
        raise StoreError(f"no library in {settings.home} to copy; ingest digests first, or point --home "
                         "(or PAPERKG_HOME) at the library folder")
    if progress:
        progress("copying", 0, 1)
    with open_store(source_settings) as source:
        pairs = source.export_digests()
        corrections = source.overrides()
    if progress:
        progress("copying", 1, 1)
    with open_store(target_settings, wait=wait) as target:
        report = target.ingest(pairs, progress=counter(progress, "ingesting", len(pairs)))
        known = set(target.overrides())
        new = [c for c in corrections if c not in known]  # the analysts' corrections travel too
        if new:
            target.add_overrides(new, wait=wait)
        index, index_error = index_after_write(target_settings, target, progress)
    return SyncOutcome("to neo4j" if to_neo4j else "from neo4j", report, index, index_error)

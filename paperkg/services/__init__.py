"""The application layer: each use case of paperkg as one function, for the CLI, the app,
benches and tests alike.

    ingest(settings, inputs, wait=, progress=)   parse -> store -> search index
    reindex(settings, progress=)                 rebuild the search index from the store
    open_search(settings)                        the search engine, and whether it lags the library
    select(settings, request) / export(...)      choose a subgraph, render it, write it
    sync(settings, to_neo4j, wait=, progress=)   copy a library between the stores

``settings`` is :class:`paperkg.graph.config.Settings` (``load_settings()``);
``progress(stage, done, total)`` is described in :mod:`paperkg.services.progress`.
"""
from paperkg.services.exporting import ExportRequest, ExportResult, export, select
from paperkg.services.indexing import index_store, reindex
from paperkg.services.ingesting import IngestOutcome, Upload, ingest
from paperkg.services.progress import Progress
from paperkg.services.searching import OpenSearch, open_search
from paperkg.services.syncing import SyncOutcome, sync

__all__ = ["ExportRequest", "ExportResult", "IngestOutcome", "OpenSearch", "Progress", "SyncOutcome", "Upload",
           "export", "index_store", "ingest", "open_search", "reindex", "select", "sync"]

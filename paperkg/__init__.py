"""paperkg: a searchable knowledge graph of research papers built from daily paper digests.

The source tree keeps one folder per layer at the top of the repository; the
install puts them all under this one package (``pyproject.toml`` maps them),
so paperkg claims no generic top-level module name::

    ingest/   -> paperkg.ingest     parsing digests (pure), reading files
    graph/    -> paperkg.graph      model, merging, entity resolution, stores, export
    search/   -> paperkg.search     embeddings, vector and keyword indexes, ranking
    paperkg/services/ -> paperkg.services   the use cases: ingest-then-index, reindex,
                                            open_search, export, sync
    ui/       -> paperkg.ui         the CLI and the Streamlit app (thin callers of services)
    data/     -> paperkg.data       reference data shipped with the package (the institution registry)

Imports point down that list only (``tests/test_layers.py`` checks it);
:mod:`paperkg.errors` and :mod:`paperkg.diskio` are shared by every layer.
"""

__version__ = "0.2.0"

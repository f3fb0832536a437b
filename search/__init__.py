"""Cross-lingual search over the library: embeddings, a vector index, a keyword
index, hybrid ranking and related work. See :mod:`search.engine` (querying) and
:mod:`search.indexer` (keeping the index in sync with the library)."""

#: Search modes, best first in the help (hybrid is the default).
MODES = ("hybrid", "semantic", "keyword")

"""The search behind ``--query``: an adapter to the ``search`` package, kept apart so that
export works (and says clearly why ``--query`` does not) when search is not installed."""
from __future__ import annotations

from graph.base import Store
from graph.export.errors import ExportError


def default_search(store: Store):
    """``search(query, k, filters) -> paper ids`` backed by the library's search index."""
    raise ExportError("--query needs semantic search, which this build does not have yet; "
                      "select with --around NAME instead")

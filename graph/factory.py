"""Pick a store implementation: the embedded networkx store unless told otherwise."""
from __future__ import annotations

from graph.base import Store
from graph.config import Settings


def open_store(settings: Settings, wait: float = 0.0) -> Store:
    """Open the configured store; ``wait`` seconds for a busy library before giving up."""
    if settings.backend == "neo4j":
        from graph.neo4j_store import Neo4jStore

        return Neo4jStore(settings.neo4j, home=settings.home, wait=wait)
    from graph.embedded import EmbeddedStore

    return EmbeddedStore(settings.home, wait=wait)

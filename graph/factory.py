"""Pick a store implementation: the embedded networkx store unless told otherwise."""
from __future__ import annotations

from paperkg.errors import StoreError
from paperkg.graph.base import LibraryState, Store
from paperkg.graph.config import Settings


def _neo4j_store():
    try:
        from paperkg.graph.neo4j_store import Neo4jStore
    except ImportError as exc:
        raise StoreError(f"the Neo4j backend needs the neo4j driver ({exc}); install it with "
                         "pip install 'paperkg[neo4j]', or use --backend embedded") from None
    return Neo4jStore


def open_store(settings: Settings, wait: float = 0.0) -> Store:
    """Open the configured store; ``wait`` seconds for a busy library before giving up."""
    if settings.backend == "neo4j":
        return _neo4j_store()(settings.neo4j, home=settings.home, wait=wait)
    from paperkg.graph.embedded import EmbeddedStore

    return EmbeddedStore(settings.home, wait=wait)


def library_state(settings: Settings) -> LibraryState:
    """The configured library's version and whether it holds papers, cheaply: the embedded
    library is peeked at without building its graph (and is not created)."""
    if settings.backend == "neo4j":
        with _neo4j_store()(settings.neo4j, home=settings.home) as store:
            return store.state()
    from paperkg.graph.library import peek

    return peek(settings.home)

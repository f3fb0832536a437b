"""Shared fixtures: the real sample digest, libraries built from it, the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bolt_fixtures import *  # noqa: F401,F403  (bolt_server, neo4j_settings, neo4j_store, neo4j_env)
from search_fixtures import *  # noqa: F401,F403  (search_library, search_engine, library_papers, minilm_folder)

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = ROOT / "data" / "digests"
SAMPLE_DIGEST = DIGESTS / "000_17d677ce7aa43e86.txt"


@pytest.fixture
def sample_digest_path() -> Path:
    return SAMPLE_DIGEST


@pytest.fixture
def home(tmp_path) -> Path:
    """An empty library folder."""
    return tmp_path / "library"


@pytest.fixture
def sample_store(home):
    """An embedded store holding the real sample digest."""
    from graph.embedded import EmbeddedStore
    from ingest import read_digest

    store = EmbeddedStore(home)
    store.ingest([read_digest(SAMPLE_DIGEST)])
    yield store
    store.close()


def run_cli(*args: str, home: Path | None = None, input: bytes | None = None, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``paperkg`` as a fresh process, the way users and scripts do."""
    full_env = {**os.environ, **(env or {})}
    cmd = [sys.executable, "-m", "ui", *( ["--home", str(home)] if home else [] ), *args]
    return subprocess.run(cmd, input=input, capture_output=True, env=full_env, timeout=timeout, cwd=ROOT)


@pytest.fixture
def cli():
    return run_cli

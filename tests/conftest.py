"""Shared fixtures: the real sample digest, libraries built from it, the CLI."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bolt_fixtures import *  # noqa: F401,F403  (bolt_server, neo4j_settings, neo4j_store, neo4j_env)
from tests.search_fixtures import *  # noqa: F401,F403  (search_library, search_engine, library_papers, minilm_folder)

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
    from paperkg.graph.embedded import EmbeddedStore
    from paperkg.ingest import read_digest

    store = EmbeddedStore(home)
    store.ingest([read_digest(SAMPLE_DIGEST)])
    yield store
    store.close()


def run_cli(*args: str, home: Path | None = None, input: bytes | None = None, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``paperkg`` as a fresh process, the way users and scripts do (for tests where the
    process is the point: its start-up, exit, signals)."""
    full_env = {**os.environ, **(env or {})}
    cmd = [sys.executable, "-m", "paperkg", *(["--home", str(home)] if home else []), *args]
    return subprocess.run(cmd, input=input, capture_output=True, env=full_env, timeout=timeout, cwd=ROOT)


def main_cli(*args: str, home: Path | None = None, input: bytes | None = None, env: dict | None = None,
             timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``paperkg``'s ``main(argv)`` in this process, with its own stdin, stdout, stderr and
    environment; the result looks like :func:`run_cli`'s (bytes out, the exit code)."""
    from paperkg.ui.cli import main

    argv = [*(["--home", str(home)] if home else []), *args]
    stdin, stdout, stderr = (io.TextIOWrapper(io.BytesIO(b), encoding="utf-8") for b in (input or b"", b"", b""))
    saved_env = os.environ.copy()
    saved = sys.stdin, sys.stdout, sys.stderr
    os.environ.update(env or {})
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    try:
        code = main(argv)
    finally:
        stdout.flush()
        stderr.flush()
        sys.stdin, sys.stdout, sys.stderr = saved
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["paperkg", *argv], code, stdout.buffer.getvalue(), stderr.buffer.getvalue())


@pytest.fixture
def cli():
    """``paperkg`` run in-process through ``main(argv)``."""
    return main_cli


#: Fixtures that bring in what the fast tier leaves out (``make test-fast``: no model, JVM or browser).
_TIER_OF_FIXTURE = {"search_library": "model", "search_engine": "model", "library_papers": "model", "library_store": "model",
                    "minilm_folder": "model", "bolt_server": "bolt", "neo4j_settings": "bolt", "neo4j_store": "bolt",
                    "neo4j_env": "bolt", "database": "bolt", "browser_page": "browser", "served_app": "browser"}


def pytest_collection_modifyitems(items):
    """Mark each test by the heavy parts its fixtures use (a module may also mark itself)."""
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            tier = _TIER_OF_FIXTURE.get(fixture)
            if tier:
                item.add_marker(getattr(pytest.mark, tier))

"""Libraries and runners shared by the app tests (AppTest and browser).

Libraries are real: the sample digests in ``data/digests`` ingested into an
embedded store, with a real search index (real model weights). They are built
once per test session and shared read-only; tests that write make their own.
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "ui" / "app.py"
SAMPLE_DIGESTS = sorted((ROOT / "data" / "digests").glob("*.txt"))

#: A digest whose title, names and summary try HTML, script, Markdown, LaTeX and Streamlit directives.
XSS_TITLE = ("Evil <script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) "
             "**bold** $x^2$ :red[red]")
XSS_SUMMARY = "摘要里有 <img src=x onerror=alert(5)> 和 [点我](javascript:alert(6)) 以及 **加粗** 文本。"
XSS_DIGEST = f"""LG - 机器学习 CV - 计算机视觉 (*表示值得重点关注)

1、[LG] {XSS_TITLE}

A Hacker, B <b>Bold</b>
[Evil <i>Corp</i> & Good Lab]
恶意标题<script>alert(4)</script>。{XSS_SUMMARY} We show <script>alert(7)</script> that markdown [links](javascript:alert(8)) stay text. https://weibo.com/1402400261/K5tUA2l2c
"""


def build_library(home: Path, digests: list[Path] | None = None, index: bool = True) -> Path:
    """Ingest ``digests`` (default: the sample digests) into ``home``, indexed for search."""
    from paperkg.graph.config import load_settings
    from paperkg.services import ingest

    paths = [str(p) for p in (SAMPLE_DIGESTS if digests is None else digests)]
    ingest(load_settings(home=str(home), environ={}), paths, index=index)
    return home


def shared_library(tmp_path_factory, name: str = "app-sample-library") -> Path:
    """The sample library with its search index, built once per test session."""
    home = tmp_path_factory.getbasetemp() / name
    ready = home / ".ready"
    if not ready.exists():
        build_library(home)
        ready.touch()
    return home


def sample_entry(title: str) -> dict:
    """The parsed sample entry with this English title (for expected ids and texts)."""
    from paperkg.graph.model import paper_key
    from paperkg.ingest import read_digest

    for path in SAMPLE_DIGESTS:
        digest, _ = read_digest(path)
        for entry in digest.entries:
            if entry.title == title:
                return {"id": paper_key(entry.title), "title": entry.title, "title_zh": entry.title_zh,
                        "institutions": entry.institutions, "authors": entry.authors, "category": entry.category}
    raise LookupError(title)


def run_page(monkeypatch, home: Path, page: str = "search", **params):
    """The app run by AppTest on ``page`` with ``params`` as query parameters (a deep link) for
    the library ``home``, the other settings left to their defaults; no exception allowed."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PAPERKG_HOME", str(home))
    for name in ("PAPERKG_BACKEND", "PAPERKG_MODEL", "PAPERKG_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=180)
    if page != "search":  # the URL's page, run through the entry script as a browser opening it does
        at.switch_page(f"app_pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def app_env(home: Path) -> dict:
    """The environment ``paperkg ui`` passes to the app, for this library."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERKG_", "NEO4J_"))}
    env["PAPERKG_HOME"] = str(home)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "server exited"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the app did not answer on port {port} within {timeout} s")

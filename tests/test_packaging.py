"""What ``pip install .`` puts on a machine: one ``paperkg`` package (the layer folders
mapped under it, the institution registry inside), no generic top-level module, and a
working ``paperkg`` from that install alone."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

_NOT_SOURCE = shutil.ignore_patterns(".venv", ".git", "out", ".paperkg", "__pycache__", "artifacts", "node_modules",
                                     "*.egg-info", "build", ".hypothesis", ".pytest_cache")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project installed from a copy of its source into a bare target folder (no deps)."""
    base = tmp_path_factory.mktemp("install")
    source = base / "src"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    target = base / "target"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True)
    return target


def test_only_paperkg_is_installed_at_the_top(installed):
    top = {p.name for p in installed.iterdir() if p.name not in ("bin",)}
    assert {n for n in top if not n.endswith(".dist-info")} == {"paperkg"}
    for generic in ("graph", "search", "ui", "ingest", "data", "tests", "bench"):
        assert not (installed / generic).exists()
    package = installed / "paperkg"
    assert {"ingest", "graph", "search", "ui", "services", "data"} <= {p.name for p in package.iterdir()}
    assert list((package / "data" / "institutions").glob("*.jsonl")), "the registry ships with the package"
    assert not (package / "data" / "digests").exists() and not (package / "data" / "eval").exists()


def test_paperkg_runs_from_the_install_alone(installed, tmp_path):
    """Without the source tree or the editable install on sys.path (``-S`` skips the venv's
    .pth files; its site-packages is added back for the dependencies only)."""
    site = sysconfig.get_paths()["purelib"]
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import paperkg.ui.cli as cli; "
            "assert cli.__file__.startswith(sys.argv[1]), cli.__file__; sys.exit(cli.main(sys.argv[3:]))")
    home = tmp_path / "library"
    run = subprocess.run([sys.executable, "-S", "-c", code, str(installed), site, "--home", str(home), "stats", "--json"],
                         capture_output=True, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr.decode()
    assert json.loads(run.stdout)["papers"] == 0

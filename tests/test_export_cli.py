"""``paperkg export`` as users run it: a fresh process on a library holding the real sample digest."""
from __future__ import annotations

import io
import json
import os
import zipfile

import pytest

from tests import export_readers as read
from tests.conftest import SAMPLE_DIGEST, run_cli
from paperkg.graph.export import FORMATS, write_file
from paperkg.graph.export.errors import ExportError

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A library with the sample digest and its search index, built by ``paperkg ingest``."""
    home = tmp_path_factory.mktemp("export-cli") / "library"
    done = run_cli("ingest", str(SAMPLE_DIGEST), home=home)
    assert done.returncode == 0, done.stderr.decode()
    return home


def _one_line_error(result, *needles):
    err = result.stderr.decode("utf-8").strip()
    assert len(err.splitlines()) == 1 and err.startswith("paperkg: ") and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_from_the_file_suffix(library, tmp_path, fmt):
    target = tmp_path / ("google" + FORMATS[fmt].suffix)
    done = run_cli("export", "--around", "Google", "--hops", "2", "-o", str(target), home=library)
    assert done.returncode == 0, done.stderr.decode()
    assert f"as {fmt} to" in done.stderr.decode()
    data = target.read_bytes()
    assert "注意力并不是万能的".encode() in (data if fmt != "csv" else zipfile.ZipFile(io.BytesIO(data)).read("nodes.csv"))
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left behind


def test_stdout_needs_a_format_and_gets_the_same_bytes(library, tmp_path):
    target = tmp_path / "x.graphml"
    assert run_cli("export", "--around", "Google", "-o", str(target), home=library).returncode == 0
    for out in ([], ["-o", "-"]):
        done = run_cli("export", "--around", "Google", "--format", "graphml", *out, home=library)
        assert done.returncode == 0 and done.stdout == target.read_bytes() and done.stderr == b""
    done = run_cli("export", "--around", "Google", home=library)
    assert done.returncode == 2
    _one_line_error(done, "--format")


def test_refuses_to_overwrite_without_force(library, tmp_path):
    target = tmp_path / "keep.json"
    target.write_text("precious")
    done = run_cli("export", "--around", "Google", "-o", str(target), home=library)
    assert done.returncode == 2
    _one_line_error(done, str(target), "--force")
    assert target.read_text() == "precious"
    done = run_cli("export", "--around", "Google", "-o", str(target), "--force", home=library)
    assert done.returncode == 0
    nodes, _ = read.node_link(target.read_bytes())
    assert "institution:google" in nodes


def test_empty_selection_writes_nothing(library, tmp_path):
    target = tmp_path / "links.gexf"
    done = run_cli("export", "--institution-links", "--min-weight", "3", "-o", str(target), home=library)
    assert done.returncode == 1
    _one_line_error(done, "nothing to export", "at least 3 papers")
    assert not target.exists()
    done = run_cli("export", "--coauthors", "--since", "2030-01-01", "--format", "json", home=library)
    assert done.returncode == 1 and done.stdout == b""
    _one_line_error(done, "within the filters")


@pytest.mark.parametrize("args,needles", [
    (["--around", "Googel", "--format", "json"], ["'Googel'", "did you mean: Google"]),
    (["--around", "Google", "--institution-links", "--format", "json"], ["exactly one of"]),
    (["--format", "json"], ["exactly one of"]),
    (["--coauthors", "--hops", "2", "--format", "json"], ["--hops applies to --around"]),
    (["--around", "Google", "--min-weight", "2", "--format", "json"], ["--min-weight applies"]),
    (["--around", "Google", "--kinds", "paper,people", "--format", "json"], ["unknown node kind 'people'"]),
    (["--around", "Google", "--since", "March", "--format", "json"], ["not a date: 'March'"]),
    (["--around", "Google", "-o", "out.csv"], ["name the file .zip"]),
    (["--around", "Google", "-o", "out.docx"], ["give --format"]),
    (["--around", "Google", "-k", "3", "--format", "json"], ["-k and --mode apply to --query"]),
])
def test_bad_input_is_one_line_exit_2(library, tmp_path, args, needles):
    done = run_cli("export", *args, home=library)
    assert done.returncode == 2
    _one_line_error(done, *needles)


def test_filters_and_kinds_from_the_command_line(library, tmp_path):
    done = run_cli("export", "--around", "digest:000_17d677ce7aa43e86", "--hops", "2", "--category", "CV",
                   "--kinds", "paper,author", "--format", "cytoscape", home=library)
    assert done.returncode == 0, done.stderr.decode()
    nodes, edges = read.cytoscape(done.stdout)
    papers = [n for n in nodes.values() if n["kind"] == "paper"]
    assert len(papers) == 4 and all(p["category"] == "CV" for p in papers)
    assert {n["kind"] for n in nodes.values()} == {"paper", "author", "digest"}
    assert {e[2] for e in edges} == {"AUTHORED", "LISTED_IN"}


def test_coauthors_of_one_author(library):
    done = run_cli("export", "--coauthors", "--around", "Y Dong", "--format", "vosviewer", home=library)
    assert done.returncode == 0, done.stderr.decode()
    nodes, links = read.vosviewer(done.stdout)
    assert set(nodes) == {"author:Y Dong", "author:J Cordonnier", "author:A Loukas"}
    assert len(links) == 2  # the store gives the links of that author only (a star)


def test_query_uses_the_search_index(library, tmp_path):
    """The real search engine (multilingual e5 + keywords) behind --query, in Chinese."""
    target = tmp_path / "attention.ris"
    done = run_cli("export", "--query", "注意力 秩 坍缩", "-k", "1", "-o", str(target), home=library)
    assert done.returncode == 0, done.stderr.decode()
    (entry,) = read.ris(target.read_bytes())
    assert entry["translated_title"] == "注意力并不是万能的:随深度增加单纯注意力的秩会出现坍缩"
    done = run_cli("export", "--query", "virtual try-on", "-k", "2", "--mode", "keyword", "--format", "json", home=library)
    assert done.returncode == 0, done.stderr.decode()
    nodes, _ = read.node_link(done.stdout)
    titles = [n["title"] for n in nodes.values() if n["kind"] == "paper"]
    assert "Parser-Free Virtual Try-on via Distilling Appearance Flows" in titles and len(titles) <= 2
    assert {n["kind"] for n in nodes.values()} == {"paper", "author", "institution", "category"}


def test_query_without_an_index_says_how_to_fix(tmp_path):
    done = run_cli("export", "--query", "attention", "--format", "json", home=tmp_path / "empty")
    assert done.returncode == 2
    _one_line_error(done, "ingest")


def test_write_file_is_crash_safe(tmp_path, monkeypatch):
    target = tmp_path / "out.graphml"
    target.write_bytes(b"old")

    def fail(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ExportError, match="No space left on device"):
        write_file(b"new", target, force=True)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.graphml"]
    monkeypatch.undo()
    write_file(b"new", target, force=True)
    assert target.read_bytes() == b"new"
    with pytest.raises(ExportError, match="does not exist"):
        write_file(b"x", tmp_path / "missing" / "x.json")
    with pytest.raises(ExportError, match="is a folder"):
        write_file(b"x", tmp_path)


def test_csv_formula_guard(library):
    """A cell Excel would run as a formula is written with a leading apostrophe."""
    from paperkg.graph.export.tables import escape_cell, unescape_cell
    from paperkg.graph.model import Subgraph

    for value in ("=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "'quoted", "\tx"):
        assert escape_cell(value) == "'" + value and unescape_cell(escape_cell(value)) == value
    assert escape_cell("plain 中文") == "plain 中文" and escape_cell(-3) == "-3" and escape_cell(None) == ""
    from paperkg.graph.export import render

    sub = Subgraph(nodes={"author:=cmd|' /C calc'!A0": {"kind": "author", "name": "=cmd|' /C calc'!A0"}})
    nodes, _, _ = read.csv_zip(render(sub, "csv"))
    assert nodes["name"][0] == "'=cmd|' /C calc'!A0"
    assert json.loads(render(sub, "json"))["nodes"][0]["name"] == "=cmd|' /C calc'!A0"


def test_query_without_a_search_function_opens_the_librarys_index(library):
    from paperkg.graph.config import load_settings
    from paperkg.services import ExportRequest, select

    sub = select(load_settings(str(library)), ExportRequest(query="virtual try-on garment", k=1))
    papers = [a["title"] for a in sub.nodes.values() if a["kind"] == "paper"]
    assert papers == ["Parser-Free Virtual Try-on via Distilling Appearance Flows"]

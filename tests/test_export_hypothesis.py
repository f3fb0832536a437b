"""Titles and names with quotes, backslashes, line breaks, ``<>&``, emoji, Chinese and control
characters survive every export format, read back by independent readers.

What "survive" means per format (the documented cleaning rules, nothing looser):
JSON formats and Cypher keep the text exactly; GraphML, GEXF and CSV keep it exactly
except the characters XML 1.0 cannot hold (CSV keeps those too); BibTeX and RIS are
one-line formats and keep it with line breaks and control characters turned into
spaces and runs of whitespace collapsed (RIS writes authors ``Last, First``)."""
from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import export_readers as read
from paperkg.graph.export import render
from paperkg.graph.model import Edge, Subgraph

NASTY = "'\"\\\n\r\t<>&;,{}%$#_~^`@=+-!? 中文标题研究🙂🚀\x00\x01\x0b\x1f\x7f\u2028\u00a0"
text = st.text(alphabet=st.sampled_from(NASTY) | st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
name = text.filter(lambda s: any(c.isalnum() for c in s))
XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def one_line(value: str) -> str:
    return " ".join(re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", value).split())


def ris_name(value: str) -> str:
    value = one_line(value)
    parts = value.split(" ")
    return value if "," in value or len(parts) < 2 else parts[-1] + ", " + " ".join(parts[:-1])


def build(title: str, title_zh: str, authors: list[str], institution: str) -> Subgraph:
    paper = "paper:0123456789abcdef"
    nodes = {paper: {"kind": "paper", "id": "0123456789abcdef", "title": title, "title_zh": title_zh,
                     "abstract": title + title_zh, "summary_zh": title_zh, "category": "CL", "url": "https://example.org/x",
                     "authors": authors, "institutions": [institution], "posted_at": "2024-05-06T07:08:09Z",
                     "starred": False, "sources": [{"digest": "d", "section": title, "rank": 1}]}}
    edges = []
    for pos, author in enumerate(authors, start=1):
        nodes["author:" + author] = {"kind": "author", "name": author}
        edges.append(Edge("author:" + author, paper, "AUTHORED", {"position": pos, "positions": [pos]}))
    nodes["institution:" + institution] = {"kind": "institution", "name": institution}
    edges.append(Edge(paper, "institution:" + institution, "AFFILIATED", {"position": 1, "positions": [1], "note": title}))
    return Subgraph(nodes=nodes, edges=edges)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=name, title_zh=name, authors=st.lists(name, min_size=1, max_size=3, unique=True), institution=name)
def test_strings_survive_every_format(title, title_zh, authors, institution):
    sub = build(title, title_zh, authors, institution)
    paper = "paper:0123456789abcdef"
    xml = lambda s: XML_ILLEGAL.sub("", s)  # noqa: E731

    for reader in (read.graphml_etree, read.graphml_networkx, read.gexf_etree, read.gexf_networkx):
        data = render(sub, "graphml" if "graphml" in reader.__name__ else "gexf")
        nodes, edges = reader(data)
        assert set(nodes) == {xml(n) for n in sub.nodes}
        assert nodes[paper]["title"] == xml(title) and nodes[paper]["title_zh"] == xml(title_zh)
        assert nodes[paper]["authors"] == xml("; ".join(authors))
        for author in authors:
            assert nodes[xml("author:" + author)]["name"] == xml(author)
        assert len(edges) == len(sub.edges)
        affiliated = next(f for s, t, ty, f in edges if ty == "AFFILIATED")
        assert affiliated["note"] == xml(title)

    igraph_nodes, _, _ = read.graphml_igraph(render(sub, "graphml"))
    assert igraph_nodes[paper]["title"] == xml(title)

    nodes, edges = read.node_link(render(sub, "json"))
    assert nodes[paper]["title"] == title and nodes[paper]["authors"] == authors
    assert nodes[paper]["sources"][0]["section"] == title
    assert {n for n in nodes} == set(sub.nodes) and len(edges) == len(sub.edges)

    nodes, edges = read.cytoscape(render(sub, "cytoscape"))
    assert nodes[paper]["title_zh"] == title_zh and nodes[paper]["authors"] == authors
    assert {nodes["author:" + a]["name"] for a in authors} == set(authors)

    nodes, links = read.vosviewer(render(sub, "vosviewer"))
    assert nodes[paper]["label"] == title and set(nodes) == set(sub.nodes)
    assert len(links) == len(sub.edges)

    node_rows, edge_rows, _ = read.csv_zip(render(sub, "csv"))
    rows = {read.unescape_cell(r["Id"]): r for r in node_rows.to_dict("records")}
    assert set(rows) == set(sub.nodes)
    assert read.unescape_cell(rows[paper]["title"]) == title
    assert read.unescape_cell(rows[paper]["authors"]) == "; ".join(authors)
    for author in authors:
        assert read.unescape_cell(rows["author:" + author]["name"]) == author
    assert len(edge_rows) == len(sub.edges)

    nodes, edges, _ = read.cypher(render(sub, "cypher"))
    assert nodes[("Paper", "0123456789abcdef")]["title"] == title
    assert nodes[("Paper", "0123456789abcdef")]["authors"] == authors
    assert {key for label, key in nodes if label == "Author"} == set(authors)
    assert nodes[("Institution", institution)]["name"] == institution
    assert len(edges) == len(sub.edges)

    bib = render(sub, "bibtex").decode("utf-8")
    depth = 0
    for char in bib:  # BibTeX counts every brace, escaped or not: they must balance literally
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    entry = read.bibtex(render(sub, "bibtex"))[0]
    assert entry["title"] == one_line(title)
    assert entry.get("title_zh", "") == one_line(title_zh)
    noted = read.bibtex(render(sub, "bibtex", bib_chinese="note"))[0]
    assert noted["note"] == ". ".join(part for part in (one_line(title_zh), "Digest post") if part)
    assert read.bibtex_authors(render(sub, "bibtex"))[0] == [one_line(a) for a in authors if one_line(a)]

    (ris_entry,) = read.ris(render(sub, "ris"))
    assert ris_entry.get("title", "") == one_line(title)
    assert ris_entry.get("translated_title", "") == one_line(title_zh)
    assert ris_entry["authors"] == [ris_name(a) for a in authors if one_line(a)]
    assert ris_entry["author_address"] == one_line(institution)


LIST_VALUES = st.one_of(
    st.lists(st.integers(min_value=-10 ** 20, max_value=10 ** 20), max_size=4),
    st.lists(name, max_size=3),
    st.lists(st.lists(st.integers(min_value=0, max_value=99), max_size=2), min_size=1, max_size=2),
    st.lists(st.booleans(), min_size=1, max_size=2),
    st.none())


def _written_list(value) -> str:
    """The documented flat-cell rule, written out here: plain items joined with ``"; "``
    (booleans ``true``/``false``), a list holding lists as compact JSON."""
    if any(isinstance(v, list) for v in value):
        return json.dumps(value, separators=(",", ":"))
    return "; ".join(("true" if v else "false") if isinstance(v, bool) else str(v) for v in value)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(LIST_VALUES, min_size=1, max_size=6))
def test_list_cells_of_a_column_read_back_as_the_flat_rule_says(values):
    """GraphML and GEXF join a whole column of lists at once (a fast path for 68k-edge
    columns); read back, each cell is what the one-value rule gives, and a node without the
    field has no cell."""
    nodes = {f"author:a{i}": {"kind": "author", "name": f"a{i}", **({} if v is None else {"tags": v})}
             for i, v in enumerate(values)}
    sub = Subgraph(nodes=nodes)
    for fmt, reader in (("graphml", read.graphml_etree), ("gexf", read.gexf_etree)):
        read_nodes, _ = reader(render(sub, fmt))
        for i, value in enumerate(values):
            cell = read_nodes[f"author:a{i}"].get("tags")
            if value is None:
                assert cell is None, fmt
            else:
                assert (cell or "") == XML_ILLEGAL.sub("", _written_list(value)), fmt

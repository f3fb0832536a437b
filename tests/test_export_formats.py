"""Every export format read back by an independent reader, field by field, on the real sample
digest: the 2-hop neighbourhood of an institution (its paper, that paper's authors, the other
institutions, the category and the digest)."""
from __future__ import annotations

import io
import json
import math
import re
import zipfile

import networkx as nx
import pytest

from tests import export_readers as read
from paperkg.graph.export import FORMATS, EmptySelection, ExportError, format_for_path, render, select_subgraph
from paperkg.graph.model import Edge, StoreEdges, Subgraph

INSTITUTION = "The University of Hong Kong"


@pytest.fixture
def neighbourhood(sample_store):
    sub = select_subgraph(sample_store, around=[INSTITUTION], hops=2)
    kinds = {a["kind"] for a in sub.nodes.values()}
    assert kinds == {"paper", "author", "institution", "category", "digest"}, kinds
    assert len(sub.nodes) >= 10 and {e.type for e in sub.edges} == {"AUTHORED", "AFFILIATED", "IN_CATEGORY", "LISTED_IN"}
    return sub


def _edge_keys(edges) -> list[tuple]:
    return sorted((s, t, ty) for s, t, ty, _ in edges)


def _expected_edge_fields(sub: Subgraph) -> dict[tuple, dict]:
    return {(e.source, e.target, e.type): e.attrs for e in sub.edges}


def _typed(value):
    """What a typed reader (networkx, igraph) gives back for a flattened value."""
    if isinstance(value, (bool, int, float)):
        return value
    return read.flat_text(value)


# -- GraphML -------------------------------------------------------------------------------------
def test_graphml_etree_field_by_field(neighbourhood):
    nodes, edges = read.graphml_etree(render(neighbourhood, "graphml"))
    expected = read.expected_nodes(neighbourhood)
    assert nodes.keys() == expected.keys()
    for node_id, fields in expected.items():
        for key, value in fields.items():
            assert nodes[node_id][key] == read.flat_text(value), (node_id, key)
        assert set(nodes[node_id]) == set(fields)
    assert _edge_keys(edges) == sorted(neighbourhood.edge_keys())
    attrs = _expected_edge_fields(neighbourhood)
    for s, t, ty, fields in edges:
        assert fields == {"type": ty, **{k: read.flat_text(v) for k, v in attrs[(s, t, ty)].items()}}


def test_graphml_networkx_types(neighbourhood):
    nodes, edges = read.graphml_networkx(render(neighbourhood, "graphml"))
    expected = read.expected_nodes(neighbourhood)
    assert nodes.keys() == expected.keys()
    for node_id, fields in expected.items():
        assert nodes[node_id] == {k: _typed(v) for k, v in fields.items()}
    paper = next(n for n, f in expected.items() if f["kind"] == "paper")
    assert nodes[paper]["starred"] is False and "；" not in nodes[paper]["authors"]
    assert nodes[paper]["title_zh"] == neighbourhood.nodes[paper]["title_zh"] and nodes[paper]["title_zh"]
    digest = next(n for n, f in expected.items() if f["kind"] == "digest")
    assert nodes[digest]["entry_count"] == 9
    assert _edge_keys(edges) == sorted(neighbourhood.edge_keys())
    attrs = _expected_edge_fields(neighbourhood)
    for s, t, ty, fields in edges:
        assert fields == {"type": ty, **{k: _typed(v) for k, v in attrs[(s, t, ty)].items()}}


def test_graphml_igraph(neighbourhood):
    nodes, edges, directed = read.graphml_igraph(render(neighbourhood, "graphml"))
    assert directed
    expected = read.expected_nodes(neighbourhood)
    assert nodes.keys() == expected.keys()
    for node_id, fields in expected.items():
        for key, value in fields.items():
            got = nodes[node_id][key]
            if isinstance(value, bool):
                assert bool(got) is value
            elif isinstance(value, int):
                assert got == value
            else:
                assert got == read.flat_text(value), (node_id, key)
    assert _edge_keys(edges) == sorted(neighbourhood.edge_keys())


# -- GEXF ----------------------------------------------------------------------------------------
def test_gexf_etree_field_by_field(neighbourhood):
    nodes, edges = read.gexf_etree(render(neighbourhood, "gexf"))
    expected = read.expected_nodes(neighbourhood)
    assert nodes.keys() == expected.keys()
    for node_id, fields in expected.items():
        assert nodes[node_id] == {k: read.flat_text(v) for k, v in fields.items()}
    assert _edge_keys(edges) == sorted(neighbourhood.edge_keys())
    attrs = _expected_edge_fields(neighbourhood)
    for s, t, ty, fields in edges:
        assert fields == {"type": ty, **{k: read.flat_text(v) for k, v in attrs[(s, t, ty)].items()}}


def test_gexf_networkx(neighbourhood):
    nodes, edges = read.gexf_networkx(render(neighbourhood, "gexf"))
    expected = read.expected_nodes(neighbourhood)
    assert nodes.keys() == expected.keys()
    for node_id, fields in expected.items():
        assert nodes[node_id] == {k: _typed(v) for k, v in fields.items()}
    assert _edge_keys(edges) == sorted(neighbourhood.edge_keys())


# -- JSON ----------------------------------------------------------------------------------------
def test_node_link_json_keeps_values(neighbourhood):
    data = render(neighbourhood, "json")
    nodes, edges = read.node_link(data)
    assert nodes == read.expected_nodes(neighbourhood)
    assert _edge_keys(edges) == sorted(neighbourhood.edge_keys())
    attrs = _expected_edge_fields(neighbourhood)
    for s, t, ty, link in edges:
        assert {k: v for k, v in link.items() if k not in ("source", "target", "type")} == attrs[(s, t, ty)]
    graph = nx.node_link_graph(json.loads(data), edges="links")
    assert graph.number_of_nodes() == len(neighbourhood.nodes) and graph.number_of_edges() == len(neighbourhood.edges)
    assert graph.is_directed()
    assert read.sigma_refuses({n["id"]: n for n in json.loads(data)["nodes"]}) == []


def test_cytoscape_json(neighbourhood):
    data = render(neighbourhood, "cytoscape")
    nodes, edges = read.cytoscape(data)
    expected = read.expected_nodes(neighbourhood)
    assert nodes.keys() == expected.keys()
    for node_id, fields in expected.items():
        got = dict(nodes[node_id])
        assert got.pop("id") == node_id
        assert got.pop("name") == fields.get("name", fields["label"])
        want = {(f"{fields['kind']}_parent" if k == "parent" else k): (read.json_compact(v) if k == "sources" else v)
                for k, v in fields.items() if k != "name" and v is not None}  # no null cells: None is left out
        assert got == want
    assert _edge_keys(edges) == sorted(neighbourhood.edge_keys())
    assert all(e[3]["interaction"] == e[2] for e in edges)
    assert len({e[3]["id"] for e in edges}) == len(edges)
    doc = json.loads(data)
    assert all(n["group"] == "nodes" for n in doc["elements"]["nodes"])


def test_vosviewer_json(neighbourhood):
    nodes, links = read.vosviewer(render(neighbourhood, "vosviewer"))
    expected = read.expected_nodes(neighbourhood)
    assert nodes.keys() == expected.keys()
    papers = {n for n, f in expected.items() if f["kind"] == "paper"}
    for node_id, item in nodes.items():
        assert item["label"] == expected[node_id]["label"]
        assert "cluster" not in item  # VOSviewer clusters the network itself
        assert f"kind: {expected[node_id]['kind']}" in item["description"]
        linked = {s for s, t, _ in neighbourhood.edge_keys() if t == node_id} | \
                 {t for s, t, _ in neighbourhood.edge_keys() if s == node_id}
        own = {node_id} if node_id in papers else linked & papers
        assert item["weights"]["Papers"] == len(own), node_id
        years = [int(neighbourhood.nodes[p]["posted_at"][:4]) for p in own]
        assert item["scores"]["Mean year"] == sum(years) / len(years)
    assert {(min(s, t), max(s, t)) for s, t, _, _ in links} == {(min(e.source, e.target), max(e.source, e.target))
                                                              for e in neighbourhood.edges}
    assert all(link["strength"] == 1.0 for *_, link in links)
    paper = next(iter(papers))
    assert nodes[paper]["url"] == expected[paper]["url"]
    assert expected[paper]["title_zh"] in nodes[paper]["description"]


def test_vosviewer_derived_network_has_paper_counts_and_years(sample_store):
    sub = select_subgraph(sample_store, coauthors=True)
    doc = json.loads(render(sub, "vosviewer"))
    assert "clusters" not in doc["network"] and all("cluster" not in i for i in doc["network"]["items"])
    strengths = {(link["source_id"], link["target_id"]): link["strength"] for link in doc["network"]["links"]}
    assert strengths == {(e.source, e.target): float(e.attrs["weight"]) for e in sub.edges}
    papers = sample_store.papers()
    for item in doc["network"]["items"]:
        name = sample_store.get_node(item["id"])["name"]
        mine = [p for p in papers if name in p["authors"]]
        assert item["weights"]["Papers"] == len(mine) >= 1
        assert item["scores"]["Mean year"] == sum(int(p["posted_at"][:4]) for p in mine) / len(mine)


# -- CSV -----------------------------------------------------------------------------------------
def test_csv_zip_with_bom_read_by_pandas(neighbourhood):
    nodes, edges, raw = read.csv_zip(render(neighbourhood, "csv"))
    assert set(raw) == {"nodes.csv", "edges.csv"}
    assert all(content.startswith(b"\xef\xbb\xbf") for content in raw.values())
    assert list(nodes.columns[:3]) == ["Id", "Label", "kind"]
    assert list(edges.columns[:6]) == ["Source", "Target", "Type", "Kind", "Label", "Weight"]
    expected = read.expected_nodes(neighbourhood)
    assert sorted(nodes["Id"]) == sorted(expected)
    for row in nodes.to_dict("records"):
        fields = expected[row["Id"]]
        for column, cell in row.items():
            if column != "Id":
                assert read.unescape_cell(cell) == read.flat_text(fields.get(column.lower() if column == "Label"
                                                                             else column)), (row["Id"], column)
    assert sorted(zip(edges["Source"], edges["Target"], edges["Kind"])) == sorted(neighbourhood.edge_keys())
    assert set(edges["Type"]) == {"Directed"} and list(edges["Label"]) == list(edges["Kind"])
    assert set(edges["Weight"]) == {"1"}  # no edge of a neighbourhood has a weight: Gephi's default
    attrs = _expected_edge_fields(neighbourhood)
    for row in edges.to_dict("records"):
        want = attrs[(row["Source"], row["Target"], row["Kind"])]
        for column in edges.columns[6:]:
            assert row[column] == read.flat_text(want.get(column))


# -- Cypher (parser level; tests/test_export_cypher_bolt.py runs it in a database) ----------------
def _merge_keys(sub: Subgraph) -> dict[str, str]:
    """The documented merge property of each kind: the Neo4j backend's (Category.code, Digest.name, else id)."""
    return {"paper": "id", "author": "id", "institution": "id", "category": "code", "digest": "name"}


def test_cypher_script_statements(neighbourhood):
    script = render(neighbourhood, "cypher").decode("utf-8")
    nodes, edges, constraints = read.cypher(script.encode("utf-8"))
    labels = {"paper": "Paper", "author": "Author", "institution": "Institution", "category": "Category", "digest": "Digest"}
    keys = _merge_keys(neighbourhood)
    assert len(constraints) == len({a["kind"] for a in neighbourhood.nodes.values()})
    lines = [line for line in script.split("\n") if line and not line.startswith("//")]
    batches = [i for i, line in enumerate(lines) if line.startswith("UNWIND")]
    assert all(lines[i - 1] == ":begin" and lines[i + 1] == ":commit" for i in batches)  # each batch whole or not at all
    assert len(nodes) == len(neighbourhood.nodes)
    for node_id, attrs in neighbourhood.nodes.items():
        kind = attrs["kind"]
        props = nodes[(labels[kind], node_id.split(":", 1)[1])]
        want = {k: (read.json_compact(v) if k == "sources" else v) for k, v in attrs.items()
                if k != "kind" and v is not None}
        want[keys[kind]] = node_id.split(":", 1)[1]
        assert props == want, node_id
    assert len(edges) == len(neighbourhood.edges)
    ids = {(labels[a["kind"]], n.split(":", 1)[1]): n for n, a in neighbourhood.nodes.items()}
    attrs = _expected_edge_fields(neighbourhood)
    for source, target, rel, props in edges:
        assert props == attrs[(ids[source], ids[target], rel)]
    assert " MERGE (a)-[r:AUTHORED]->(b) " in script


def test_cypher_script_of_a_derived_network_is_undirected(sample_store):
    script = render(select_subgraph(sample_store, coauthors=True), "cypher").decode("utf-8")
    assert " MERGE (a)-[r:COAUTHOR]-(b) " in script and "->" not in script
    assert "undirected network" in script.split("\n")[1]


# -- BibTeX / RIS --------------------------------------------------------------------------------
def _bib_entries(sub, **options):
    papers = {a["title"]: a for a in sub.nodes.values() if a["kind"] == "paper"}
    return papers, read.bibtex(render(sub, "bibtex", **options))


def test_bibtex_read_by_bibtexparser(sample_store):
    sub = select_subgraph(sample_store, around=["LG"], hops=1)
    papers, entries = _bib_entries(sub)
    assert len(entries) == len(papers) == 3
    assert len({e["key"] for e in entries}) == len(entries)
    for entry in entries:
        paper = papers[entry["title"]]
        assert entry["entry_type"] == "unpublished" and entry["type"] == "Preprint"
        assert re.fullmatch(r"[a-z]+2021[a-z0-9]+", entry["key"])
        assert entry["key"].startswith(paper["authors"][0].split()[-1].lower() + "2021")
        assert entry["author"].split(" and ") == paper["authors"]
        assert entry["title_zh"] == paper["title_zh"]
        assert entry.get("summary_zh", "") == " ".join(paper["summary_zh"].split())
        assert entry["note"] == "Digest post" and entry["url"] == paper["url"]
        assert not re.search("[\u4e00-\u9fff]", entry["note"] + entry["title"])  # nothing Chinese where styles print
        assert entry.get("abstract", "") == " ".join(paper["abstract"].split())
        assert entry["year"] == paper["posted_at"][:4]
        assert entry["affiliation"] == "; ".join(paper["institutions"])
        assert entry["keywords"] == "LG, cs.LG"
    raw = render(sub, "bibtex").decode("utf-8")
    assert "title = {{Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth}}" in raw
    assert "@unpublished{dong2021attention," in raw


def test_bibtex_chinese_choices(sample_store):
    sub = select_subgraph(sample_store, around=["LG"], hops=1)
    papers, noted = _bib_entries(sub, bib_chinese="note")
    for entry in noted:
        paper = papers[entry["title"]]
        assert entry["note"] == paper["title_zh"] + ". Digest post"
        assert entry.get("annote", "") == " ".join(paper["summary_zh"].split()) and "summary_zh" not in entry
    _, bare = _bib_entries(sub, bib_chinese="none")
    assert not any(re.search("[\u4e00-\u9fff]", str(v)) for entry in bare for v in entry.values())
    with pytest.raises(ExportError, match="--bib-chinese applies to bibtex, not to ris"):
        render(sub, "ris", bib_chinese="note")


def test_citation_keys_are_one_per_paper_in_both_files(sample_store):
    sub = select_subgraph(sample_store, around=["digest:000_17d677ce7aa43e86"], hops=1)
    bib_keys = [e["key"] for e in read.bibtex(render(sub, "bibtex"))]
    ris_entries = read.ris(render(sub, "ris"))
    assert [e["id"] for e in ris_entries] == bib_keys and len(set(bib_keys)) == len(bib_keys) == 9
    for entry in ris_entries:
        assert f"Citation Key: {entry['id']}" in entry["unknown_tag"]["M2"]
    twin = dict(next(a for a in sub.nodes.values() if a["kind"] == "paper"))
    older = {**twin, "id": "ffffffffffffffff", "posted_at": "2020-01-01T00:00:00Z"}
    newer = {**twin, "id": "0000000000000000", "title": twin["title"] + " II"}
    pair = Subgraph(nodes={"paper:a": newer, "paper:b": older})
    first = [e["key"] for e in read.bibtex(render(pair, "bibtex"))]
    reversed_pair = Subgraph(nodes={"paper:b": older, "paper:a": newer})
    assert [e["key"] for e in read.bibtex(render(reversed_pair, "bibtex"))] == first[::-1]  # not the file order


def test_ris_read_by_rispy(sample_store):
    sub = select_subgraph(sample_store, around=["CV"], hops=1)
    papers = {a["title"]: a for a in sub.nodes.values() if a["kind"] == "paper"}
    entries = read.ris(render(sub, "ris"))
    assert len(entries) == len(papers) == 4
    for entry in entries:
        paper = papers[entry["title"]]
        assert entry["type_of_reference"] == "MANSCPT"
        assert entry["translated_title"] == paper["title_zh"]
        assert entry["authors"] == [f"{a.split()[-1]}, {' '.join(a.split()[:-1])}" for a in paper["authors"]]
        assert entry.get("notes", []) == ([" ".join(paper["summary_zh"].split())] if paper["summary_zh"] else [])
        assert entry["urls"] == [paper["url"]]
        assert entry["date"] == paper["posted_at"][:10].replace("-", "/") + "/"
        assert entry["author_address"] == "; ".join(paper["institutions"])
        assert entry["unknown_tag"]["M2"][1:] == [f"Chinese title: {paper['title_zh']}",
                                                  f"Institutions: {'; '.join(paper['institutions'])}",
                                                  f"Digest post: {paper['url']}"]


def test_references_need_papers(sample_store):
    sub = select_subgraph(sample_store, institution_links=True)
    for fmt in ("bibtex", "ris"):
        with pytest.raises(EmptySelection, match="no papers"):
            render(sub, fmt)


# -- cleaning --------------------------------------------------------------------------------
def _awkward_subgraph() -> Subgraph:
    """Lists, None, nested values, odd keys, control characters, a non-finite float."""
    return Subgraph(
        nodes={
            "paper:p1": {"kind": "paper", "id": "p1", "title": "T\x00it\x1fle <&>", "authors": ["A", "B"], "abstract": None,
                         "sources": [{"digest": "d", "rank": 1}], "2bad key": "x", "score": float("nan"), "starred": True},
            "author:A": {"kind": "author", "name": "A", "tags": [], "extra": None, "rank": 3, "h": None},
            "author:B": {"kind": "author", "name": "B", "mixed": [1, "two", None], "rank": "three", "h": 2.5},
        },
        edges=[Edge("author:A", "paper:p1", "AUTHORED", {"position": 1, "positions": [1, 3], "note": None}),
               Edge("author:B", "paper:p1", "AUTHORED", {"position": 2, "positions": [2]})])


def test_networkx_own_writers_fail_where_ours_do_not():
    sub = _awkward_subgraph()
    graph = sub.to_networkx()
    with pytest.raises((nx.NetworkXError, TypeError, KeyError, ValueError)):
        nx.write_graphml(graph, "/dev/null")
    with pytest.raises((nx.NetworkXError, TypeError, KeyError, ValueError)):
        nx.write_gexf(graph, "/dev/null")
    nodes, _ = read.graphml_networkx(render(sub, "graphml"))
    assert nodes["paper:p1"]["authors"] == "A; B"
    assert nodes["paper:p1"]["title"] == "Title <&>"
    assert nodes["paper:p1"]["abstract"] == ""
    assert nodes["paper:p1"]["sources"] == '[{"digest":"d","rank":1}]'
    assert nodes["paper:p1"]["_2bad_key"] == "x"
    assert nodes["paper:p1"]["score"] == "" and nodes["paper:p1"]["starred"] is True
    assert nodes["author:B"]["mixed"] == "1; two; "
    assert (nodes["author:A"]["rank"], nodes["author:B"]["rank"]) == ("3", "three")  # mixed types: a string column
    assert "h" not in nodes["author:A"] and nodes["author:B"]["h"] == 2.5  # None in a number column: no cell
    nodes, _ = read.gexf_networkx(render(sub, "gexf"))
    assert nodes["paper:p1"]["authors"] == "A; B"
    for fmt in FORMATS:
        assert render(sub, fmt)
    doc = json.loads(render(sub, "json"))
    paper = next(n for n in doc["nodes"] if n["id"] == "paper:p1")
    assert paper["score"] is None and paper["abstract"] is None and paper["authors"] == ["A", "B"]


def test_empty_subgraph_is_refused_in_every_format():
    for fmt in FORMATS:
        with pytest.raises(EmptySelection):
            render(Subgraph(), fmt)


@pytest.mark.parametrize("path,fmt", [("a.graphml", "graphml"), ("A.GEXF", "gexf"), ("x/y.json", "json"),
                                      ("n.cyjs", "cytoscape"), ("n.cytoscape.json", "cytoscape"), ("t.zip", "csv"),
                                      ("s.cypher", "cypher"), ("s.cql", "cypher"), ("m.vosviewer.json", "vosviewer"),
                                      ("m.vos.json", "vosviewer"), ("r.bib", "bibtex"), ("r.ris", "ris")])
def test_format_for_path(path, fmt):
    assert format_for_path(path) == fmt


@pytest.mark.parametrize("path,message", [("t.csv", "name the file .zip"), ("t.docx", "give --format"),
                                          (".json", "give --format")])
def test_format_for_path_refuses(path, message):
    with pytest.raises(ExportError, match=message):
        format_for_path(path)


def test_unknown_format():
    with pytest.raises(ExportError, match="unknown export format 'dot'"):
        render(_awkward_subgraph(), "dot")


def test_weights_are_native_in_gexf(sample_store):
    sub = select_subgraph(sample_store, coauthors=True)
    nodes, edges = read.gexf_etree(render(sub, "gexf"))
    assert all(math.isclose(float(f["weight"]), 1.0) for *_, f in edges)
    graph = nx.read_gexf(__import__("io").BytesIO(render(sub, "gexf")))
    assert all(d["weight"] == 1.0 for _, _, d in graph.edges(data=True))
    assert len(edges) == len(sub.edges) and all(ty == "COAUTHOR" for _, _, ty, _ in edges)


def test_graphml_leaves_out_an_edge_whose_end_is_not_a_node():
    sub = Subgraph(nodes={"author:A": {"kind": "author", "name": "A"}, "paper:p1": {"kind": "paper", "title": "T"}},
                   edges=[Edge("author:A", "paper:p1", "AUTHORED", {"position": 1}),
                          Edge("author:Gone", "paper:p1", "AUTHORED", {"position": 2})])
    nodes, edges = read.graphml_networkx(render(sub, "graphml"))
    assert set(nodes) == {"author:A", "paper:p1"}
    assert len(edges) == 1
    held = Subgraph(nodes=sub.nodes, store_edges=StoreEdges(["author:A", "author:Gone"], ["paper:p1", "paper:p1"],
                                                            [{"type": "AUTHORED", "position": 1},
                                                             {"type": "AUTHORED", "position": 2}]))
    assert render(held, "graphml") == render(sub, "graphml")


def _contents(data: bytes, fmt: str):
    """A file's contents; a zip's members (its entries carry the time they were written)."""
    if FORMATS[fmt].suffix != ".zip":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("kinds", [None, ["paper", "institution"]])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_stores_own_edge_columns_give_the_same_file_as_edge_objects(sample_store, fmt, kinds):
    """The embedded store hands a neighbourhood's edges over as its own columns (Subgraph.store_edges),
    which the column writers read without building Edge objects: every format must come out
    exactly as it does from the Edge objects of the same selection."""
    held = select_subgraph(sample_store, around=[INSTITUTION], hops=2, kinds=kinds)
    built = select_subgraph(sample_store, around=[INSTITUTION], hops=2, kinds=kinds)
    assert held.store_edges() is not None and built.edges and built.store_edges() is None
    assert _contents(render(held, fmt), fmt) == _contents(render(built, fmt), fmt)
    if fmt in ("graphml", "gexf", "csv"):
        assert held.store_edges() is not None, "the column writers built the Edge objects after all"
    assert held == built


def test_a_subgraphs_edges_once_built_are_what_the_writers_write(sample_store):
    sub = select_subgraph(sample_store, around=[INSTITUTION], hops=1)
    count = len(sub.store_edges().sources)
    paper = next(n for n, a in sub.nodes.items() if a["kind"] == "paper")
    sub.edges.append(Edge(sample_store.resolve(INSTITUTION), paper, "AFFILIATED", {"added": True}))  # a caller's own
    assert sub.store_edges() is None
    _, edges = read.graphml_etree(render(sub, "graphml"))
    assert len(edges) == count + 1 and any(f.get("added") == "true" for *_, f in edges)
    with pytest.raises(ValueError, match="not both"):
        Subgraph(edges=[], store_edges=StoreEdges([], [], []))

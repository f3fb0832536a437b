"""Choosing the subgraph to export, on the real sample digest."""
from __future__ import annotations

import pytest

from paperkg.errors import AmbiguousName, UnknownNode
from paperkg.graph.export import EmptySelection, ExportError, select_subgraph
from paperkg.graph.filters import PaperFilter
from paperkg.graph.model import kind_of


def _store_edges(store) -> set[tuple[str, str, str]]:
    found = set()
    for kind in ("paper",):
        for node_id, _ in store.nodes(kind):
            for other, edge_type, _ in store.neighbours(node_id):
                found.add(tuple(sorted((node_id, other))) + (edge_type,))
    return found


def _undirected(sub) -> set[tuple[str, str, str]]:
    return {tuple(sorted((e.source, e.target))) + (e.type,) for e in sub.edges}


def test_around_is_the_two_hop_neighbourhood_the_digest_describes(sample_store, sample_digest_path):
    """The oracle reads the parsed digest, not the store: Google's papers and Alphabet, which
    Google is part of (hop 1), and the papers' authors, institutions, category and digest (hop 2)."""
    from paperkg.graph.model import paper_id
    from paperkg.ingest import read_digest

    digest, _ = read_digest(sample_digest_path)
    hop1 = [e for e in digest.entries if "Google" in e.institutions]
    registry_id = {"Google": "google", "EPFL": "epfl"}  # data/institutions, read by a person
    expected = {"institution:google", "institution:alphabet", *(paper_id(e.title) for e in hop1), "digest:" + digest.name}
    for entry in hop1:
        expected |= {"author:" + a for a in entry.authors} | {"institution:" + registry_id[i] for i in entry.institutions}
        expected.add("category:" + entry.category)
    sub = select_subgraph(sample_store, around=["Google"], hops=2)
    assert set(sub.nodes) == expected
    assert {kind_of(n) for n in sub.nodes} == {"institution", "paper", "author", "category", "digest"}
    papers = {paper_id(e.title) for e in hop1}
    assert all(e.source in papers or e.target in papers or e.type == "PART_OF" for e in sub.edges)
    assert ("institution:google", "institution:alphabet", "PART_OF") in sub.edge_keys()


def test_around_several_seeds_by_name_and_id(sample_store):
    sub = select_subgraph(sample_store, around=["Y Dong", "institution:uc-berkeley"], hops=1)
    assert {"author:Y Dong", "institution:uc-berkeley"} <= set(sub.nodes)
    assert {kind_of(n) for n in sub.nodes} == {"author", "institution", "paper"}


def test_kinds_keep_only_those_and_invent_no_edges(sample_store):
    sub = select_subgraph(sample_store, around=["CV"], hops=2, kinds=["paper", "author"])
    assert {kind_of(n) for n in sub.nodes} == {"category", "paper", "author"}  # the seed stays
    assert {e.type for e in sub.edges} == {"AUTHORED", "IN_CATEGORY"}  # IN_CATEGORY: to the seed
    assert _undirected(sub) <= _store_edges(sample_store)
    institutions_only = select_subgraph(sample_store, around=["CV"], hops=2, kinds=["institution"])
    assert institutions_only.edges == []  # institutions are linked only through papers: nothing invented
    assert {kind_of(n) for n in institutions_only.nodes} == {"category", "institution"}


def test_filter_drops_papers_and_what_only_they_reached(sample_store):
    everything = select_subgraph(sample_store, around=["digest:000_17d677ce7aa43e86"], hops=2)
    cv = select_subgraph(sample_store, around=["digest:000_17d677ce7aa43e86"], hops=2, filters=PaperFilter(category="CV"))
    cv_papers = {"paper:" + p["id"] for p in sample_store.papers(PaperFilter(category="CV"))}
    assert {n for n in cv.nodes if kind_of(n) == "paper"} == cv_papers
    reached = set()
    for pid in cv_papers:
        reached |= {other for other, _, _ in sample_store.neighbours(pid)}
    assert set(cv.nodes) == cv_papers | reached | {"digest:000_17d677ce7aa43e86"}
    assert len(cv.nodes) < len(everything.nodes)
    assert [n for n in cv.nodes if kind_of(n) == "category"] == ["category:CV"]
    assert cv.edge_keys() <= everything.edge_keys()


def test_filter_keeps_an_author_with_one_matching_paper(sample_store):
    author = "author:Y Dong"
    sub = select_subgraph(sample_store, around=["LG"], hops=2, filters=PaperFilter(since="2021-03-09"))
    assert author in sub.nodes
    none = select_subgraph(sample_store, around=["LG"], hops=2, filters=PaperFilter(since="2030"))
    assert list(none.nodes) == ["category:LG"]  # the seed stays even when nothing matches


def test_filter_with_kinds(sample_store):
    sub = select_subgraph(sample_store, around=["digest:000_17d677ce7aa43e86"], hops=2, kinds=["author"],
                          filters=PaperFilter(category="RO"))
    ro_authors = {"author:" + a for p in sample_store.papers(PaperFilter(category="RO")) for a in p["authors"]}
    assert set(sub.nodes) == ro_authors | {"digest:000_17d677ce7aa43e86"}
    assert sub.edges == []


def test_seed_outside_the_filter_stays(sample_store):
    paper = "paper:ce2c4ed944ee76bc"
    sub = select_subgraph(sample_store, around=[paper], hops=1, filters=PaperFilter(category="CV"))
    assert paper in sub.nodes and "author:Y Dong" in sub.nodes


def test_institution_links_and_coauthors(sample_store):
    links = select_subgraph(sample_store, institution_links=True)
    assert links.nodes and {e.type for e in links.edges} == {"INSTITUTION_LINK"}
    assert all(kind_of(n) == "institution" for n in links.nodes)
    assert ("institution:epfl", "institution:google", "INSTITUTION_LINK") in links.edge_keys()
    lg_links = select_subgraph(sample_store, institution_links=True, filters=PaperFilter(category="LG"))
    assert lg_links.edge_keys() < links.edge_keys()
    coauthors = select_subgraph(sample_store, coauthors=True)
    assert all(e.attrs["weight"] >= 1 for e in coauthors.edges) and {e.type for e in coauthors.edges} == {"COAUTHOR"}
    dong = select_subgraph(sample_store, coauthors=True, around=["Y Dong"])
    assert set(dong.nodes) == {"author:Y Dong", "author:J Cordonnier", "author:A Loukas"}


@pytest.mark.parametrize("kwargs,message", [
    ({"institution_links": True, "min_weight": 2}, "no two institutions share at least 2 papers"),
    ({"coauthors": True, "min_weight": 5}, "no two authors share at least 5 papers"),
    ({"coauthors": True, "filters": PaperFilter(since="2030")}, "within the filters"),
    ({"query": "x", "search": lambda q, k, f: []}, "no papers found for 'x'"),
])
def test_empty_selections(sample_store, kwargs, message):
    with pytest.raises(EmptySelection, match=message) as caught:
        select_subgraph(sample_store, **kwargs)
    assert caught.value.exit_code == 1


@pytest.mark.parametrize("kwargs,message", [
    ({}, "exactly one of --around, --query"),
    ({"around": ["Google"], "institution_links": True}, r"got --around, --institution-links"),
    ({"around": ["Google"], "kinds": ["paper", "people"]}, "unknown node kind 'people'"),
    ({"around": ["Google"], "hops": -1}, "--hops must be 0 or more"),
    ({"institution_links": True, "min_weight": 0}, "--min-weight must be 1 or more"),
    ({"institution_links": True, "kinds": ["author"]}, "network of institution nodes only"),
    ({"coauthors": True, "around": ["Y Dong", "A Loukas"]}, "one author"),
    ({"query": "  "}, "needs some text"),
    ({"query": "x", "k": 0, "search": lambda q, k, f: []}, "-k must be 1 or more"),
])
def test_bad_requests(sample_store, kwargs, message):
    with pytest.raises(ExportError, match=message) as caught:
        select_subgraph(sample_store, **kwargs)
    assert caught.value.exit_code == 2


def test_unknown_and_ambiguous_names(sample_store):
    with pytest.raises(UnknownNode, match="did you mean: Google"):
        select_subgraph(sample_store, around=["Googel"])
    with pytest.raises(AmbiguousName):
        select_subgraph(sample_store, around=["Learning"])


def test_query_takes_papers_with_authors_institutions_categories(sample_store):
    """Search is passed in here (any ``search(query, k, filters)`` works); the real engine is
    exercised by tests/test_export_cli.py::test_query_uses_the_search_index."""
    wanted = ["ce2c4ed944ee76bc", "paper:10616e9e4a5eb6f9", "feedfacefeedface"]  # the last is not in the library
    sub = select_subgraph(sample_store, query="anything", k=3, search=lambda q, k, f: wanted)
    papers = {n for n in sub.nodes if kind_of(n) == "paper"}
    assert papers == {"paper:ce2c4ed944ee76bc", "paper:10616e9e4a5eb6f9"}
    assert {kind_of(n) for n in sub.nodes} == {"paper", "author", "institution", "category"}
    for pid in papers:
        for other, _, _ in sample_store.neighbours(pid):
            assert (other in sub.nodes) == (kind_of(other) != "digest")
    only_papers = select_subgraph(sample_store, query="anything", kinds=["paper"], search=lambda q, k, f: wanted)
    assert set(only_papers.nodes) == papers

"""The Cypher export run in a real database over Bolt: the throwaway ArcadeDB server of
``tests.bolt_testserver`` (or the Neo4j 5 that ``NEO4J_URI`` names; see tests/bolt_fixtures.py).
The script is loaded into an empty database statement by statement, the way cypher-shell
runs it, and what the database then holds is compared with the subgraph."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bolt_fixtures import empty_database
from paperkg.graph.cypher import KEYS  # the Neo4j backend's merge keys, which the script uses
from paperkg.graph.export import render, select_subgraph
from paperkg.graph.model import LABELS, Edge, Subgraph, key_of

pytestmark = pytest.mark.bolt



def run_script(server, script: bytes) -> int:
    """Run the script as ``cypher-shell -f`` does (cypher-shell itself cannot be installed here):
    each statement in its own auto-commit transaction, except between ``:begin`` and ``:commit``,
    which run in one explicit transaction."""
    count, transaction = 0, None
    with server.driver() as driver, driver.session(database=server.database) as session:
        for line in script.decode("utf-8").split("\n"):
            if not line or line.startswith("//"):
                continue
            if line == ":begin":
                transaction = session.begin_transaction()
            elif line == ":commit":
                transaction.commit()
                transaction = None
            else:
                (transaction or session).run(line[:-1]).consume()
                count += 1
    assert transaction is None, "the script left a transaction open"
    return count


def merge_keys(sub: Subgraph) -> dict[str, str]:
    """The merge property per kind: the Neo4j backend's keys (the script creates its constraints)."""
    return dict(KEYS)


def database_contents(server, keys: dict[str, str] = KEYS) -> tuple[dict, list]:
    def ref(var):
        return (f"[labels({var})[0], CASE " + " ".join(f"WHEN {var}:{LABELS[k]} THEN {var}.{p}" for k, p in keys.items())
                + " END]")

    with server.driver() as driver, driver.session(database=server.database) as session:
        nodes = {}
        for record in session.run("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"):
            (label,) = [x for x in record["labels"] if x in LABELS.values()]
            kind = next(k for k, v in LABELS.items() if v == label)
            nodes[(label, record["props"][keys[kind]])] = record["props"]
        edges = [(tuple(r["s"]), tuple(r["t"]), r["type"], r["props"]) for r in session.run(
            f"MATCH (a)-[r]->(b) RETURN {ref('a')} AS s, {ref('b')} AS t, type(r) AS type, properties(r) AS props")]
    return nodes, edges


def expected_contents(sub: Subgraph) -> tuple[dict, list]:
    keys = merge_keys(sub)

    def ref(node_id):
        return (LABELS[sub.nodes[node_id]["kind"]], key_of(node_id))

    nodes = {}
    for node_id, attrs in sub.nodes.items():
        props = {k: (json.dumps(v, ensure_ascii=False, separators=(",", ":")) if k == "sources" else v)
                 for k, v in attrs.items() if k != "kind" and v is not None}
        props[keys[attrs["kind"]]] = key_of(node_id)
        nodes[ref(node_id)] = props
    edges = [(ref(e.source), ref(e.target), e.type, e.attrs) for e in sub.edges]
    return nodes, edges


def _sorted(edges):
    return sorted(edges, key=lambda e: (e[0], e[1], e[2]))


@pytest.fixture
def database(bolt_server):
    empty_database(bolt_server)
    yield bolt_server
    empty_database(bolt_server)


def test_sample_neighbourhood_loads_into_an_empty_database(sample_store, database):
    sub = select_subgraph(sample_store, around=["The University of Hong Kong"], hops=2)
    script = render(sub, "cypher")
    run_script(database, script)
    nodes, edges = database_contents(database, merge_keys(sub))
    want_nodes, want_edges = expected_contents(sub)
    assert nodes == want_nodes
    assert _sorted(edges) == _sorted(want_edges)
    paper = next(p for (label, _), p in nodes.items() if label == "Paper")
    assert paper["title_zh"] == "基于外观流蒸馏的免解析虚拟试穿" and paper["authors"][0] == "Y Ge"

    run_script(database, script)  # MERGE: a second run changes nothing
    again_nodes, again_edges = database_contents(database, merge_keys(sub))
    assert again_nodes == nodes and len(again_edges) == len(edges)


def test_whole_sample_library_and_derived_network(sample_store, database):
    whole = select_subgraph(sample_store, around=["digest:000_17d677ce7aa43e86"], hops=4)  # parents: 4 hops
    connected = {n for kind in LABELS for n, _ in sample_store.nodes(kind) if sample_store.neighbours(n)}
    assert set(whole.nodes) == connected  # everything but a legend category without papers
    run_script(database, render(whole, "cypher"))
    coauthors = select_subgraph(sample_store, coauthors=True)
    run_script(database, render(coauthors, "cypher"))
    nodes, edges = database_contents(database, merge_keys(whole))
    assert len(nodes) == len(whole.nodes)
    types = {}
    for *_, rel, _ in edges:
        types[rel] = types.get(rel, 0) + 1
    want = {}
    for e in whole.edges + coauthors.edges:
        want[e.type] = want.get(e.type, 0) + 1
    assert types == want
    weights = {(s[1], t[1]): p["weight"] for s, t, rel, p in edges if rel == "COAUTHOR"}
    assert weights == {(key_of(e.source), key_of(e.target)): e.attrs["weight"] for e in coauthors.edges}


@pytest.mark.parametrize("network", ["institution_links", "coauthors"])
def test_derived_networks_load_completely_and_undirected(sample_store, database, network):
    """Auto-commit UNWIND MERGE batches whose rows share a node lost most links on this server
    (DeadlockDetected); each batch now runs in its own transaction. One relationship per pair,
    merged without a direction: a second run adds none, whichever way the first one went."""
    from tests.conftest import DIGESTS
    from paperkg.ingest import read_digest

    sample_store.ingest([read_digest(p) for p in sorted(DIGESTS.glob("*.txt"))])
    sub = select_subgraph(sample_store, **{network: True})
    assert not sub.directed and len(sub.edges) > 50
    script = render(sub, "cypher")
    for _ in range(2):
        run_script(database, script)
        nodes, edges = database_contents(database, merge_keys(sub))
        want_nodes, want_edges = expected_contents(sub)
        assert nodes == want_nodes
        assert sorted((*sorted((s, t)), rel, p["weight"]) for s, t, rel, p in edges) == \
            sorted((*sorted((s, t)), rel, p["weight"]) for s, t, rel, p in want_edges)


NASTY = "'\"\\\n\r\t<>&;,{}`%$#_~^ 中文标题🙂🚀\x00\x01\x1f\u2028"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
nasty_text = st.text(alphabet=st.sampled_from(NASTY) | st.characters(codec="utf-8", exclude_categories=("Cs",)),
                     min_size=1, max_size=25)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(title=nasty_text, names=st.lists(nasty_text, min_size=1, max_size=3, unique=True),
       key=nasty_text.filter(lambda k: k not in ("kind", "id", "title", "authors") and not CONTROL.search(k)))
def test_nasty_strings_survive_the_database(database, title, names, key):
    """Values, merge keys and property keys (control characters are removed from property
    keys by design, so keys here have none)."""
    empty_database(database)
    paper = "paper:00000000000000ff"
    nodes = {paper: {"kind": "paper", "id": "00000000000000ff", "title": title, "authors": names, key: title}}
    edges = []
    for pos, name in enumerate(names, start=1):
        nodes["author:" + name] = {"kind": "author", "name": name}
        edges.append(Edge("author:" + name, paper, "AUTHORED", {"position": pos, "note": title}))
    sub = Subgraph(nodes=nodes, edges=edges)
    run_script(database, render(sub, "cypher"))
    got_nodes, got_edges = database_contents(database, merge_keys(sub))
    want_nodes, want_edges = expected_contents(sub)
    assert got_nodes == want_nodes
    assert _sorted(got_edges) == _sorted(want_edges)


def _normalised(sub: Subgraph) -> tuple[dict, dict]:
    nodes = {n: {k: v for k, v in a.items() if v not in (None, "", [])} for n, a in sub.nodes.items()}
    edges = {(e.source, e.target, e.type): e.attrs for e in sub.edges}
    return nodes, edges


def test_selection_is_the_same_on_the_neo4j_backend(sample_store, neo4j_store, sample_digest_path):
    """The export selects through the Store API only, so a Neo4j-backed library exports the same subgraph."""
    from paperkg.graph.filters import PaperFilter
    from paperkg.ingest import read_digest

    neo4j_store.ingest([read_digest(sample_digest_path)])
    for kwargs in ({"around": ["The University of Hong Kong"], "hops": 2},
                   {"around": ["digest:000_17d677ce7aa43e86"], "hops": 2, "filters": PaperFilter(category="CV")},
                   {"around": ["CV"], "hops": 2, "kinds": ["paper", "author"]},
                   {"coauthors": True}, {"institution_links": True}):
        embedded, bolt = select_subgraph(sample_store, **kwargs), select_subgraph(neo4j_store, **kwargs)
        assert _normalised(bolt) == _normalised(embedded), kwargs
        assert render(bolt, "graphml") and render(bolt, "ris" if "around" in kwargs else "gexf")

"""What only the Neo4j store has: a server, a schema, a connection that can fail.

Runs against the Bolt test server (or ``NEO4J_URI``). The contract shared with
the embedded store is in ``test_store_contract.py``.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from paperkg.errors import LibraryBusy, StoreError
from paperkg.graph.config import Neo4jSettings
from paperkg.graph.model import EDGE_TYPES, LABELS
from paperkg.ingest import read_digest

pytestmark = pytest.mark.bolt

neo4j = pytest.importorskip("neo4j")

DIGESTS = Path(__file__).resolve().parent.parent / "data" / "digests"
INPUTS = [DIGESTS / "000_17d677ce7aa43e86.txt", DIGESTS / "001_c182c66747107c8b.txt"]


def inputs():
    return [read_digest(p) for p in INPUTS]


def graph_of(store) -> dict:
    nodes = {n: a for kind in LABELS for n, a in store.nodes(kind)}
    sub = store.ego_subgraph(list(nodes), hops=0)
    return {"nodes": nodes, "edges": sorted((e.source, e.target, e.type, repr(sorted(e.attrs.items()))) for e in sub.edges),
            "stats": store.stats(), "papers": store.papers()}


@pytest.fixture
def reference(tmp_path):
    """The embedded store holding the real digests: what the Neo4j store must equal."""
    from paperkg.graph.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "reference")
    store.ingest(inputs())
    yield graph_of(store)
    store.close()


def cypher_rows(settings, query, **params):
    with neo4j.GraphDatabase.driver(settings.uri, auth=(settings.user, settings.password)) as driver:
        records, _, _ = driver.execute_query(query, params, database_=settings.database)
        return [r.data() for r in records]


# -- schema and model --------------------------------------------------------------------
def test_schema_and_labels_are_the_graph_model(neo4j_store, neo4j_settings):
    neo4j_store.ingest(inputs())
    names = {r["name"] for r in cypher_rows(neo4j_settings, "SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"paperkg_paper_id", "paperkg_author_id", "paperkg_institution_id", "paperkg_category_code",
            "paperkg_digest_name"} <= names
    labels = {r["label"] for r in cypher_rows(neo4j_settings, "CALL db.labels() YIELD label RETURN label")}
    assert set(LABELS.values()) <= labels <= set(LABELS.values()) | {"PaperkgMeta"}
    # the relationships in use (db.relationshipTypes() also lists types other tests left in the shared server's schema)
    types = {r["t"] for r in cypher_rows(neo4j_settings, "MATCH ()-[r]->() RETURN DISTINCT type(r) AS t")}
    assert types == set(EDGE_TYPES)
    # a second store on the same database creates nothing twice and ingests nothing twice
    from paperkg.graph.neo4j_store import Neo4jStore

    with Neo4jStore(neo4j_settings) as again:
        assert [d.status for d in again.ingest(inputs()).digests] == ["unchanged", "unchanged"]
    with pytest.raises(neo4j.exceptions.ConstraintError):
        cypher_rows(neo4j_settings, "CREATE (:Author {id: 'P Abbeel'})")  # a person's id is unique


def test_the_graph_answers_plain_cypher(neo4j_store, neo4j_settings):
    """What an analyst sees in Neo4j Browser: the model's labels, properties and edges."""
    neo4j_store.ingest(inputs())
    rows = cypher_rows(neo4j_settings, "MATCH (a:Author {name: $name})-[e:AUTHORED]->(p:Paper)-[:AFFILIATED]->(i:Institution) "
                                       "RETURN p.title AS title, e.position AS position, i.names AS spellings, i.name AS name "
                                       "ORDER BY title, name", name="P Abbeel")
    entries = [e for digest, _ in inputs() for e in digest.entries if "P Abbeel" in e.authors]
    assert sorted((r["title"], r["position"], s) for r in rows for s in r["spellings"]) == sorted(
        (e.title, e.authors.index("P Abbeel") + 1, i) for e in entries for i in e.institutions)
    assert len(rows) == 4 and "University of California, Berkeley" in {r["name"] for r in rows}
    listed = cypher_rows(neo4j_settings, "MATCH (p:Paper)-[l:LISTED_IN]->(d:Digest) WHERE l.section = 'other' "
                                         "RETURN d.name AS digest, count(p) AS n ORDER BY digest")
    assert listed == [{"digest": "000_17d677ce7aa43e86", "n": 4}, {"digest": "001_c182c66747107c8b", "n": 4}]
    category = cypher_rows(neo4j_settings, "MATCH (c:Category {code: 'LG'}) RETURN c.name_zh AS zh, c.arxiv AS arxiv")
    assert category == [{"zh": "机器学习", "arxiv": "cs.LG"}]


# -- errors the user can fix ----------------------------------------------------------------
def _open(settings):
    from paperkg.graph.neo4j_store import Neo4jStore

    return Neo4jStore(settings, retry_time=2)


def test_server_down_wrong_password_missing_database(neo4j_settings):
    from tests.bolt_testserver import free_port

    down = Neo4jSettings(f"bolt://127.0.0.1:{free_port()}", neo4j_settings.user, neo4j_settings.password, neo4j_settings.database)
    with pytest.raises(StoreError, match=r"cannot connect to the Neo4j server at bolt://127\.0\.0\.1:\d+: connection refused; "
                                         "start the server, or set NEO4J_URI"):
        _open(down)
    wrong = Neo4jSettings(neo4j_settings.uri, neo4j_settings.user, "wrong-secret-4711", neo4j_settings.database)
    with pytest.raises(StoreError, match="rejected the user name or password; set NEO4J_USER and NEO4J_PASSWORD") as err:
        _open(wrong)
    assert "wrong-secret-4711" not in str(err.value)
    empty = Neo4jSettings(neo4j_settings.uri, neo4j_settings.user, "", neo4j_settings.database)
    with pytest.raises(StoreError, match="NEO4J_PASSWORD is not set"):
        _open(empty)
    missing = Neo4jSettings(neo4j_settings.uri, neo4j_settings.user, neo4j_settings.password, "no_such_db")
    with pytest.raises(StoreError, match="has no database 'no_such_db'; create it .* or set NEO4J_DATABASE") as err:
        _open(missing)
    assert neo4j_settings.password not in str(err.value)
    bad = Neo4jSettings("http://127.0.0.1:7474", neo4j_settings.user, neo4j_settings.password, neo4j_settings.database)
    with pytest.raises(StoreError, match="is not a Bolt address; use bolt://HOST:7687"):
        _open(bad)
    with pytest.raises(StoreError, match="is not a Bolt address"):
        _open(Neo4jSettings("localhost:7687", "neo4j", "x", None))


@pytest.mark.parametrize("case", ["down", "password", "database"])
def test_cli_errors_are_one_line_without_credentials(case, cli, neo4j_env, tmp_path):
    from tests.bolt_testserver import free_port

    env = dict(neo4j_env)
    secret = env["NEO4J_PASSWORD"]
    if case == "down":
        env["NEO4J_URI"] = f"bolt://127.0.0.1:{free_port()}"
        expected = "cannot connect"
    elif case == "password":
        env["NEO4J_PASSWORD"] = secret = "not-the-password-" + os.urandom(4).hex()
        expected = "rejected the user name or password"
    else:
        env["NEO4J_DATABASE"] = "missing_db"
        expected = "has no database 'missing_db'"
    result = cli("ingest", str(INPUTS[0]), home=tmp_path / "lib", env=env)
    stderr, stdout = result.stderr.decode(), result.stdout.decode()
    assert result.returncode == 2
    assert stderr.startswith("paperkg: ") and expected in stderr and stderr.count("\n") == 1, stderr
    assert secret not in stderr and secret not in stdout and "Traceback" not in stderr


# -- one writer at a time -------------------------------------------------------------------
def test_a_second_writer_is_told_to_wait(neo4j_settings):
    from paperkg.graph.neo4j_store import Neo4jStore

    with Neo4jStore(neo4j_settings) as first, Neo4jStore(neo4j_settings) as second:
        first.ingest(inputs()[:1])  # schema in place
        first.client.take_lease()
        with pytest.raises(LibraryBusy, match=rf"another paperkg process \(pid {os.getpid()} on"):
            second.ingest(inputs())
        first.client.release_lease()
        assert [d.status for d in second.ingest(inputs()).digests] == ["unchanged", "added"]


# -- a connection lost mid-ingest -------------------------------------------------------------
def test_a_failed_batch_is_retried(neo4j_settings, reference, monkeypatch):
    """INJECTED failure (the only mock here): the third batch's transaction loses its
    connection once after running its statements; the driver rolls it back and retries."""
    import paperkg.graph.neo4j_ingest as ingest_module
    from paperkg.graph.neo4j_store import Neo4jStore

    real = ingest_module.write_paper_batch
    calls = []

    def flaky(tx, batch, observations_only):
        calls.append([r["id"] for r in batch["rows"]])
        real(tx, batch, observations_only)
        if len(calls) == 3:
            raise neo4j.exceptions.ServiceUnavailable("injected: connection lost before commit")

    monkeypatch.setattr(ingest_module, "write_paper_batch", flaky)
    with Neo4jStore(neo4j_settings, batch_size=4) as store:
        report = store.ingest(inputs())
        assert calls[2] == calls[3]  # the same batch again
        assert sorted(p for d in report.digests for p in d.added) == sorted(p["id"] for p in reference["papers"])
        assert graph_of(store) == reference


def test_a_failed_ingest_is_completed_by_running_it_again(neo4j_settings, reference, monkeypatch):
    """INJECTED failure (mocked): every try of the fourth batch fails, so the ingest
    fails; run again without the failure, it completes with nothing twice."""
    import paperkg.graph.neo4j_ingest as ingest_module
    from paperkg.graph.neo4j_store import Neo4jStore

    real = ingest_module.write_paper_batch
    calls = []

    def broken(tx, batch, observations_only):
        calls.append(1)
        if len(calls) >= 4:
            raise neo4j.exceptions.ServiceUnavailable("injected: server gone")
        real(tx, batch, observations_only)

    monkeypatch.setattr(ingest_module, "write_paper_batch", broken)
    with Neo4jStore(neo4j_settings, batch_size=4, retry_time=1) as store:
        with pytest.raises(StoreError, match="lost the connection .* run the same command again"):
            store.ingest(inputs())
        assert 0 < store.stats()["papers"] < 20
        assert store.digests() == []  # nothing is marked done
        monkeypatch.setattr(ingest_module, "write_paper_batch", real)
        report = store.ingest(inputs())
        assert [d.status for d in report.digests] == ["added", "added"]
        assert sorted(p for d in report.digests for p in d.added) == sorted(p["id"] for p in reference["papers"])
        assert graph_of(store) == reference
        assert [d.status for d in store.ingest(inputs()).digests] == ["unchanged", "unchanged"]


def test_server_killed_mid_ingest(tmp_path, reference):
    """The real thing: the server process is killed (SIGKILL) between two batches;
    the ingest fails with one line; after a restart on the same data, running the
    ingest again completes it with no duplicates. Needs its own ArcadeDB server."""
    pytest.importorskip("arcadedb_embedded")
    from tests.bolt_testserver import start_server
    from paperkg.graph.neo4j_store import Neo4jStore

    root = tmp_path / "server"
    server = start_server("paperkg", root_dir=root, heap="512m")
    settings = Neo4jSettings(server.uri, server.user, server.password, server.database)
    try:
        store = Neo4jStore(settings, batch_size=2, retry_time=2)
        renewals = []
        real_renew = store.client.renew_lease

        def renew_then_kill():
            renewals.append(1)
            if len(renewals) == 4:
                os.killpg(server.pid, signal.SIGKILL)  # the server we started, by its process group
                server.process.wait(timeout=30)
            real_renew()

        store.client.renew_lease = renew_then_kill
        with pytest.raises(StoreError, match="lost the connection to the Neo4j server|cannot connect") as err:
            store.ingest(inputs())
        assert server.password not in str(err.value)
        store.close()
    finally:
        server.stop()
    restarted = start_server("paperkg", root_dir=root, password=server.password, heap="512m")
    try:
        settings = Neo4jSettings(restarted.uri, restarted.user, restarted.password, restarted.database)
        with Neo4jStore(settings) as store:
            assert 0 < store.stats()["papers"] < 20 and store.digests() == []
            report = store.ingest(inputs())
            assert [d.status for d in report.digests] == ["added", "added"]
            assert graph_of(store) == reference
            counts = cypher_rows(settings, "MATCH (p:Paper) RETURN count(p) AS n, count(DISTINCT p.id) AS ids")
            assert counts == [{"n": 20, "ids": 20}]
    finally:
        restarted.stop()


# -- big ingests ------------------------------------------------------------------------------
def test_chunks_respect_count_and_size():
    from paperkg.graph.neo4j_ingest import chunks

    assert chunks(list(range(7)), lambda i: 1, 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert chunks([5, 5, 5, 20, 1], lambda i: i, 10, max_bytes=10) == [[5, 5], [5], [20], [1]]
    assert chunks([], len, 3) == []


def test_transactions_stay_under_the_message_limit(neo4j_settings, reference, monkeypatch):
    """With a tiny size limit every paper batch and every digest commit is split,
    and the graph is the same: what keeps a 50k-paper sync under Bolt's 16 MiB messages."""
    import paperkg.graph.neo4j_ingest as ingest_module
    from paperkg.graph.neo4j_store import Neo4jStore

    monkeypatch.setattr(ingest_module, "MAX_TX_BYTES", 6000)
    commits = []
    real_commit = ingest_module._commit
    monkeypatch.setattr(ingest_module, "_commit", lambda tx, rows, *rest: (commits.append(len(rows)), real_commit(tx, rows, *rest)))
    batches = []
    real_batch = ingest_module.write_paper_batch
    monkeypatch.setattr(ingest_module, "write_paper_batch", lambda tx, batch, obs: (batches.append(len(batch["rows"])),
                                                                                    real_batch(tx, batch, obs)))
    with Neo4jStore(neo4j_settings) as store:
        ticks = []
        report = store.ingest(inputs(), progress=ticks.append)
        assert commits == [1, 1] and sum(ticks) == 2
        assert sum(batches) == 20 and len(batches) > 4 and max(batches) < 20
        assert [d.status for d in report.digests] == ["added", "added"]
        assert graph_of(store) == reference


def test_a_correction_cut_short_is_finished_by_the_next_write(neo4j_settings, tmp_path, monkeypatch):
    """INJECTED failure (mocked): the corrections are stored, then writing the papers fails;
    the stored ids are no longer taken as current, so the next write resolves every paper
    again and the graph is what the corrections make it."""
    import paperkg.graph.neo4j_ingest as ingest_module
    from paperkg.graph.embedded import EmbeddedStore
    from paperkg.graph.neo4j_store import Neo4jStore
    from paperkg.graph.overrides import Override

    merge = Override("merge", "institution", keys=("uc-berkeley", "stanford-university"))
    reference = EmbeddedStore(tmp_path / "reference")
    reference.ingest(inputs())
    reference.add_overrides([merge])
    expected = graph_of(reference)
    reference.close()
    real = ingest_module.write_paper_batch

    def broken(tx, batch, observations_only):
        raise neo4j.exceptions.ServiceUnavailable("injected: server gone")

    with Neo4jStore(neo4j_settings, batch_size=4, retry_time=1) as store:
        store.ingest(inputs())
        monkeypatch.setattr(ingest_module, "write_paper_batch", broken)
        with pytest.raises(StoreError):
            store.add_overrides([merge])
        monkeypatch.setattr(ingest_module, "write_paper_batch", real)
        store.add_overrides([])
        assert graph_of(store) == expected

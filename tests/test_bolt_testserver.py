"""Tests for tests.bolt_testserver: an ArcadeDB server with Bolt in a child
process, and the Cypher that paperkg's Neo4j store relies on, run through the
official neo4j driver (see the module docstring for the full table)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `pytest` without `python -m` / a conftest
    sys.path.insert(0, str(REPO))

neo4j = pytest.importorskip("neo4j")
pytest.importorskip("arcadedb_embedded")

from neo4j.exceptions import (  # noqa: E402
    AuthError,
    ClientError,
    ConstraintError,
    CypherSyntaxError,
    DatabaseError,
    Neo4jError,
    ServiceUnavailable,
)

from tests.bolt_testserver import (  # noqa: E402
    BoltServer,
    BoltServerError,
    free_port,
    port_is_free,
    running_server,
    start_server,
)

pytestmark = pytest.mark.bolt


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server():
    with running_server() as srv:
        yield srv


@pytest.fixture(scope="module")
def driver(server: BoltServer):
    drv = server.driver()
    yield drv
    drv.close()


@pytest.fixture
def run(server: BoltServer, driver):
    """run(cypher, **params) -> list of record dicts, on an emptied database."""
    driver.execute_query("MATCH (n) DETACH DELETE n", database_=server.database)

    def _run(cypher: str, **params):
        records, _, _ = driver.execute_query(cypher, params, database_=server.database)
        return [r.data() for r in records]

    return _run


def _listen_addresses(port: int) -> set[str]:
    """Local addresses something LISTENs on for ``port`` (Linux /proc)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, hexport = fields[1].split(":")
            if int(hexport, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(addr)
    return found


# ----------------------------------------------------------------- the server


def test_server_answers_on_loopback(server: BoltServer, driver):
    assert server.uri == f"bolt://127.0.0.1:{server.port}"
    assert server.user == "root" and len(server.password) >= 16
    assert server.database == "paperkg"
    assert server.is_running()
    driver.verify_connectivity()
    records, _, _ = driver.execute_query("RETURN 1 AS one", database_=server.database)
    assert records[0]["one"] == 1
    assert "ArcadeDB" in driver.get_server_info().agent
    assert not port_is_free(server.port) and not port_is_free(server.http_port)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_listeners_are_loopback_only(server: BoltServer):
    loopback = {
        "0100007F",  # 127.0.0.1 in /proc/net/tcp
        "0000000000000000FFFF00000100007F",  # ::ffff:127.0.0.1 in tcp6
        "00000000000000000000000001000000",  # ::1
    }
    for port in (server.port, server.http_port):
        addrs = _listen_addresses(port)
        assert addrs, f"nothing listens on {port}"
        assert addrs <= loopback, f"port {port} listens on {addrs}"


# ----------------------------------------------------------------- Cypher


def test_constraint_index_and_unwind_merge(run):
    for _ in range(2):  # IF NOT EXISTS: re-runnable
        run("CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE")
        run("CREATE INDEX paper_year IF NOT EXISTS FOR (n:Paper) ON (n.year)")
    rows = [
        {"id": f"p{i}", "props": {"title": f"T{i}", "year": 2000 + i,
                                  "tags": ["ml", "graphs"], "counts": [i, i + 1],
                                  "updated": f"2024-0{i + 1}-01T00:00:00Z"}}
        for i in range(3)
    ]
    upsert = "UNWIND $rows AS r MERGE (p:Paper {id: r.id}) SET p += r.props RETURN count(p) AS n"
    assert run(upsert, rows=rows) == [{"n": 3}]
    assert run(upsert, rows=rows) == [{"n": 3}]  # idempotent
    assert run("MATCH (p:Paper) RETURN count(p) AS n") == [{"n": 3}]
    assert run("MATCH (p:Paper {id: 'p1'}) RETURN p.tags AS tags, p.counts AS counts, p.year AS year") == [
        {"tags": ["ml", "graphs"], "counts": [1, 2], "year": 2001}
    ]
    # coalesce keeps the first value written
    run("UNWIND $rows AS r MATCH (p:Paper {id: r.id}) SET p.x = coalesce(p.x, r.x)",
        rows=[{"id": "p0", "x": 1}])
    run("UNWIND $rows AS r MATCH (p:Paper {id: r.id}) SET p.x = coalesce(p.x, r.x)",
        rows=[{"id": "p0", "x": 2}])
    assert run("MATCH (p:Paper {id: 'p0'}) RETURN p.x AS x") == [{"x": 1}]
    # datetime strings compare as strings
    assert run("MATCH (p:Paper) WHERE p.updated > $since RETURN p.id AS id ORDER BY p.updated",
               since="2024-01-15T00:00:00Z") == [{"id": "p1"}, {"id": "p2"}]
    # the constraint is enforced, with Neo4j's exception class
    with pytest.raises(ConstraintError):
        run("CREATE (:Paper {id: 'p1'})")
    # schema is created on the fly: no declaration needed
    assert run("MERGE (v:Venue {id: 'v1'}) RETURN labels(v) AS l") == [{"l": ["Venue"]}]
    assert run("MATCH (n:NeverCreated) RETURN count(n) AS n") == [{"n": 0}]


def _authorship_graph(run):
    run("UNWIND $ids AS id MERGE (:Paper {id: id})", ids=["p1", "p2", "p3", "p4"])
    run("UNWIND $a AS a MERGE (x:Author {id: a.id}) SET x.name = a.name",
        a=[{"id": "a1", "name": "Ann"}, {"id": "a2", "name": "Bob"}])
    link = ("UNWIND $rows AS r MATCH (a:Author {id: r.a}) MATCH (p:Paper {id: r.p}) "
            "MERGE (a)-[e:AUTHORED]->(p) SET e.pos = r.pos, e.roles = r.roles")
    rows = [{"a": "a1", "p": "p1", "pos": 0, "roles": ["first", "corresponding"]},
            {"a": "a2", "p": "p1", "pos": 1, "roles": []},
            {"a": "a1", "p": "p2", "pos": 0, "roles": ["first"]}]
    run(link, rows=rows)
    run(link, rows=rows)  # MERGE: no duplicate relationships
    run("UNWIND $c AS c MATCH (a:Paper {id: c[0]}) MATCH (b:Paper {id: c[1]}) MERGE (a)-[:CITES]->(b)",
        c=[["p1", "p2"], ["p2", "p3"], ["p3", "p4"]])


def test_relationships_and_aggregation(run):
    _authorship_graph(run)
    assert run("MATCH ()-[e:AUTHORED]->() RETURN count(e) AS n") == [{"n": 3}]
    assert run("MATCH (:Author {id: 'a1'})-[e:AUTHORED]->(:Paper {id: 'p1'}) "
               "RETURN e.pos AS pos, e.roles AS roles") == [{"pos": 0, "roles": ["first", "corresponding"]}]
    got = run("MATCH (p:Paper) OPTIONAL MATCH (a:Author)-[:AUTHORED]->(p) "
              "WITH p, collect(a.name) AS names, count(a) AS n "
              "RETURN p.id AS id, names, n ORDER BY n DESC, id")
    assert [(r["id"], sorted(r["names"]), r["n"]) for r in got] == [
        ("p1", ["Ann", "Bob"], 2), ("p2", ["Ann"], 1), ("p3", [], 0), ("p4", [], 0)]
    assert run("MATCH (a)-[r:AUTHORED]->(b) RETURN DISTINCT labels(a) AS la, type(r) AS t, labels(b) AS lb") == [
        {"la": ["Author"], "t": "AUTHORED", "lb": ["Paper"]}]
    assert run("MATCH ()-[r:CITES]->() WHERE startNode(r).id = 'p1' "
               "RETURN endNode(r).id AS e") == [{"e": "p2"}]
    assert run("MATCH (p:Paper) CALL { WITH p MATCH (p)<-[:AUTHORED]-(a) RETURN count(a) AS na } "
               "RETURN p.id AS id, na ORDER BY id") == [
        {"id": "p1", "na": 2}, {"id": "p2", "na": 1}, {"id": "p3", "na": 0}, {"id": "p4", "na": 0}]


def test_paths_and_ids(run):
    _authorship_graph(run)
    assert run("MATCH (:Paper {id: 'p1'})-[*1..2]-(b:Paper) RETURN DISTINCT b.id AS id ORDER BY id") == [
        {"id": "p2"}, {"id": "p3"}]
    assert run("MATCH (:Paper {id: 'p1'})-[:CITES*1..3]->(b) RETURN b.id AS id ORDER BY id") == [
        {"id": "p2"}, {"id": "p3"}, {"id": "p4"}]
    assert run("MATCH (a:Paper {id: 'p1'}) MATCH (b:Paper {id: 'p4'}) "
               "MATCH sp = shortestPath((a)-[*..5]-(b)) "
               "RETURN length(sp) AS l, [n IN nodes(sp) | n.id] AS ids") == [
        {"l": 3, "ids": ["p1", "p2", "p3", "p4"]}]
    ids = run("MATCH (p:Paper {id: 'p2'}) RETURN elementId(p) AS e, id(p) AS i")[0]
    assert isinstance(ids["e"], str) and isinstance(ids["i"], int)
    assert run("MATCH (n) WHERE elementId(n) = $e RETURN n.id AS id", e=ids["e"]) == [{"id": "p2"}]
    assert run("RETURN $m.k AS k, $m.inner.xs AS xs, $l[1] AS second, size($lm) AS n",
               m={"k": 1, "inner": {"xs": [1, 2]}}, l=["a", "b"], lm=[{"a": 1}, {"a": 2}]) == [
        {"k": 1, "xs": [1, 2], "second": "b", "n": 2}]


def test_transactions_and_delete(server: BoltServer, driver, run):
    run("CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE")
    _authorship_graph(run)
    with driver.session(database=server.database) as session:
        n = session.execute_write(
            lambda tx: tx.run("MERGE (p:Paper {id: $id}) RETURN count(p) AS n", id="p9").single()["n"])
        assert n == 1

        def half_then_fail(tx):
            tx.run("CREATE (:Paper {id: 'half'})").consume()
            tx.run("CREATE (:Paper {id: 'p9'})").consume()  # violates the constraint

        with pytest.raises(ConstraintError):
            session.execute_write(half_then_fail)
        assert session.execute_read(
            lambda tx: tx.run("MATCH (p:Paper {id: 'half'}) RETURN count(p) AS n").single()["n"]) == 0

        tx = session.begin_transaction()
        tx.run("CREATE (:Paper {id: 'rolled'})").consume()
        tx.rollback()
    assert run("MATCH (p:Paper {id: 'rolled'}) RETURN count(p) AS n") == [{"n": 0}]

    with pytest.raises(DatabaseError):  # Neo4j raises ConstraintError here
        run("MATCH (p:Paper {id: 'p1'}) DELETE p")
    run("MATCH (p:Paper {id: 'p1'}) DETACH DELETE p")
    assert run("MATCH (p:Paper {id: 'p1'}) RETURN count(p) AS n") == [{"n": 0}]
    assert run("MATCH ()-[r:AUTHORED]->() RETURN count(r) AS n") == [{"n": 1}]


def test_what_does_not_work(run):
    with pytest.raises(Neo4jError, match="apoc.version"):
        run("RETURN apoc.version() AS v")
    with pytest.raises(CypherSyntaxError):
        run("CREATE FULLTEXT INDEX t IF NOT EXISTS FOR (n:Paper) ON EACH [n.title]")
    # dynamic labels are accepted but silently dropped: build labels into text
    assert run("MERGE (n:$($lab) {id: 'dyn'}) RETURN labels(n) AS l", lab="Dyn") == [{"l": []}]


def test_driver_errors(server: BoltServer, driver):
    with neo4j.GraphDatabase.driver(server.uri, auth=(server.user, "wrong-password")) as bad:
        with pytest.raises(AuthError, match="Authentication failed"):
            bad.verify_connectivity()
    with pytest.raises(ClientError) as info:
        driver.execute_query("RETURN 1", database_="no_such_database")
    assert info.value.code == "Neo.ClientError.Database.DatabaseNotFound"
    with neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{free_port()}", auth=server.auth,
                                    connection_timeout=2) as down:
        with pytest.raises(ServiceUnavailable):
            down.verify_connectivity()


# ----------------------------------------------------------------- lifecycle


def test_stop_frees_ports_and_root():
    srv = start_server(database="lifecycle")
    try:
        with srv.driver() as drv:
            records, _, _ = drv.execute_query("RETURN 2 AS two", database_="lifecycle")
            assert records[0]["two"] == 2
        assert srv.root.is_dir() and srv.log_path.is_file()
    finally:
        rc = srv.stop()
    assert rc == 0, srv.log_tail() if srv.root.exists() else rc
    assert not srv.is_running()
    assert srv.stop() == 0  # idempotent
    with pytest.raises(ProcessLookupError):
        os.killpg(srv.pid, 0)  # the whole process group is gone
    assert port_is_free(srv.port) and port_is_free(srv.http_port)
    assert not srv.root.exists()
    with neo4j.GraphDatabase.driver(srv.uri, auth=srv.auth, connection_timeout=2) as drv:
        with pytest.raises(ServiceUnavailable):
            drv.verify_connectivity()


def test_startup_failure_reports_log_tail():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BoltServerError) as info:
            start_server(port=port, http_port=free_port(), startup_timeout=60)
    msg = str(info.value)
    assert "exited with code" in msg and "last lines of" in msg
    assert "Unable to listen for BOLT connections" in msg
    root = Path(msg.split("last lines of ")[1].split(" ---")[0]).parent
    assert root.name.startswith("paperkg-arcadedb-")
    shutil.rmtree(root, ignore_errors=True)  # kept for debugging on failure


def test_command_line(tmp_path: Path):
    env_file = tmp_path / "bolt.env"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.bolt_testserver", "--env-file", str(env_file),
         "--database", "cli"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not env_file.exists():
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "CLI server did not become ready"
            time.sleep(0.2)
        values = dict(line.split("=", 1) for line in env_file.read_text().split())
        assert values["NEO4J_URI"].startswith("bolt://127.0.0.1:")
        assert values["NEO4J_USER"] == "root" and values["NEO4J_DATABASE"] == "cli"
        auth = (values["NEO4J_USER"], values["NEO4J_PASSWORD"])
        with neo4j.GraphDatabase.driver(values["NEO4J_URI"], auth=auth) as drv:
            records, _, _ = drv.execute_query("RETURN 3 AS three", database_="cli")
            assert records[0]["three"] == 3
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-3000:]
    lines = text.splitlines()
    assert "READY" in lines and "STOPPED" in lines
    assert f"NEO4J_URI={values['NEO4J_URI']}" in lines
    port = int(values["NEO4J_URI"].rsplit(":", 1)[1])
    assert port_is_free(port)

"""Fixtures for tests that need a Bolt server (``from tests.bolt_fixtures import *`` in conftest).

``bolt_server`` (session): a throwaway ArcadeDB server with Bolt on a free
loopback port (:mod:`tests.bolt_testserver`), started once per test session —
or, when ``NEO4J_URI`` is set, the server that ``NEO4J_URI``, ``NEO4J_USER``,
``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` name (a real Neo4j 5, say).
**The tests delete everything in that database**; they refuse to start if it
holds nodes that paperkg did not write (each such test fails saying so).

``neo4j_settings`` (per test): :class:`graph.config.Neo4jSettings` for the
server, its database emptied first. ``neo4j_store``: an open
:class:`graph.neo4j_store.Neo4jStore` on it. ``neo4j_env``: the environment
variables that point ``paperkg`` (a subprocess) at it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from paperkg.graph import cypher

__all__ = ["bolt_server", "neo4j_settings", "neo4j_store", "neo4j_env", "empty_database"]

#: Nodes the tests did not write (paperkg's labels and its bookkeeping label aside).
FOREIGN_NODES = ("MATCH (n) WHERE NOT (n:Paper OR n:Author OR n:Institution OR n:Category OR n:Digest OR n:" + cypher.META + ") "
                 "RETURN count(n) AS count")
DELETE_SOME = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS count"


@dataclass
class ExternalServer:
    """A server someone else runs (``NEO4J_URI``); never stopped by the tests."""

    uri: str
    user: str
    password: str
    database: str | None

    def driver(self, **kwargs):
        import neo4j

        return neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password), **kwargs)

    def stop(self) -> None:
        pass


@pytest.fixture(scope="session")
def bolt_server():
    pytest.importorskip("neo4j")
    if os.environ.get("NEO4J_URI"):
        yield ExternalServer(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                             os.environ.get("NEO4J_PASSWORD", ""), os.environ.get("NEO4J_DATABASE") or None)
        return
    pytest.importorskip("arcadedb_embedded")
    from tests.bolt_testserver import running_server

    with running_server(database="paperkg") as server:
        yield server


def empty_database(server) -> None:
    """Delete every node of the server's database (paperkg's own data only)."""
    with server.driver() as driver:
        records, _, _ = driver.execute_query(FOREIGN_NODES, database_=server.database)
        if records[0]["count"]:
            pytest.fail(f"the database {server.database!r} at {server.uri} holds {records[0]['count']} nodes that paperkg "
                        "did not write; point NEO4J_URI/NEO4J_DATABASE at an empty database for the tests")
        while True:
            records, _, _ = driver.execute_query(DELETE_SOME, limit=10000, database_=server.database)
            if not records or not records[0]["count"]:
                break


@pytest.fixture
def neo4j_settings(bolt_server):
    from paperkg.graph.config import Neo4jSettings

    empty_database(bolt_server)
    return Neo4jSettings(uri=bolt_server.uri, user=bolt_server.user, password=bolt_server.password,
                         database=bolt_server.database)


@pytest.fixture
def neo4j_store(neo4j_settings, tmp_path):
    from paperkg.graph.neo4j_store import Neo4jStore

    store = Neo4jStore(neo4j_settings, home=tmp_path / "library")
    yield store
    store.close()


@pytest.fixture
def neo4j_env(neo4j_settings) -> dict:
    """Environment for ``paperkg`` subprocesses: the neo4j backend on the test database."""
    env = {"PAPERKG_BACKEND": "neo4j", "NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password}
    if neo4j_settings.database:
        env["NEO4J_DATABASE"] = neo4j_settings.database
    return env

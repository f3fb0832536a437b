"""``paperkg`` with ``--backend neo4j`` and ``paperkg sync``, as subprocesses, on the Bolt test server.

These run the real ingest hook (the search index in ``--home``, with the real
model), so they are the slow ones of the Neo4j tests.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperkg.ingest import read_digest

pytestmark = [pytest.mark.bolt, pytest.mark.model]

pytest.importorskip("neo4j")

DIGESTS = Path(__file__).resolve().parent.parent / "data" / "digests"
INPUTS = [DIGESTS / "000_17d677ce7aa43e86.txt", DIGESTS / "001_c182c66747107c8b.txt"]


def graph_of(store) -> dict:
    from paperkg.graph.model import KINDS

    nodes = {n: a for kind in KINDS for n, a in store.nodes(kind)}
    sub = store.ego_subgraph(list(nodes), hops=0)
    return {"nodes": nodes, "edges": sorted((e.source, e.target, e.type, repr(sorted(e.attrs.items()))) for e in sub.edges),
            "stats": store.stats(), "papers": store.papers(),
            "digests": [{k: v for k, v in d.items() if k != "ingested_at"} for d in store.digests()],
            "raw": {d["name"]: store.raw_text(d["name"]) for d in store.digests()}}


def ok(result) -> str:
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def no_secret(secret: str, *results) -> None:
    for result in results:
        assert secret.encode() not in result.stdout and secret.encode() not in result.stderr


def test_sync_to_neo4j_and_back(cli, neo4j_env, neo4j_settings, tmp_path):
    from paperkg.graph.embedded import EmbeddedStore
    from paperkg.graph.neo4j_store import Neo4jStore

    home = tmp_path / "laptop"
    with EmbeddedStore(home) as laptop:
        laptop.ingest([read_digest(p) for p in INPUTS])
        expected = graph_of(laptop)
    env = {k: v for k, v in neo4j_env.items() if k != "PAPERKG_BACKEND"}  # sync needs no --backend
    up = cli("sync", "--to", "neo4j", home=home, env=env)
    assert "synced 2 digests to neo4j (2 added): 20 papers added, 0 updated" in ok(up)
    with Neo4jStore(neo4j_settings) as team:
        assert graph_of(team) == expected
    again = cli("sync", "--to", "neo4j", "--json", home=home, env=env)
    assert json.loads(ok(again))["statuses"] == {"unchanged": 2}
    down_home = tmp_path / "colleague"
    down = cli("sync", "--from", "neo4j", home=down_home, env=env)
    assert "synced 2 digests from neo4j (2 added): 20 papers added, 0 updated" in ok(down)
    with EmbeddedStore(down_home) as colleague:
        assert graph_of(colleague) == expected
    no_secret(neo4j_env["NEO4J_PASSWORD"], up, again, down)
    missing = cli("sync", "--to", "neo4j", home=tmp_path / "nothing", env=env)
    assert missing.returncode == 2 and b"no library in" in missing.stderr and not (tmp_path / "nothing").exists()
    usage = cli("sync", home=home, env=env)
    assert usage.returncode == 2 and b"one of the arguments --to --from is required" in usage.stderr


def test_commands_with_the_neo4j_backend(cli, neo4j_env, tmp_path):
    """Ingest, list, show, stats and search through Neo4j answer as the embedded store does."""
    team_home, solo_home = tmp_path / "team", tmp_path / "solo"
    from paperkg.graph.embedded import EmbeddedStore

    with EmbeddedStore(solo_home) as solo:
        solo.ingest([read_digest(p) for p in INPUTS])
    ingest = cli("ingest", *map(str, INPUTS), home=team_home, env=neo4j_env)
    assert "20 papers added" in ok(ingest)
    results = [ingest]
    for command in (["papers", "--json"], ["papers", "--json", "--institution", "Berkeley"], ["stats", "--json"],
                    ["show", "p abbeel", "--json"], ["show", "Perceiver", "--json"]):
        team, solo = cli(*command, home=team_home, env=neo4j_env), cli(*command, home=solo_home)
        assert json.loads(ok(team)) == json.loads(ok(solo)), command
        results.append(team)
    found = cli("search", "注意力的秩坍缩", "--json", "-k", "3", home=team_home, env=neo4j_env)
    assert json.loads(ok(found))[0]["title"].startswith("Attention is Not All You Need")
    unknown = cli("show", "Nobody Atall", home=team_home, env=neo4j_env)
    assert unknown.returncode == 2 and unknown.stderr.decode().startswith("paperkg: no paper, author")
    colleague = cli("search", "注意力的秩坍缩", home=tmp_path / "colleague", env=neo4j_env)  # a fresh --home
    assert colleague.returncode == 2 and "run `paperkg reindex`" in colleague.stderr.decode()
    assert "no papers yet" not in colleague.stderr.decode()
    reindexed = cli("reindex", "--json", home=tmp_path / "colleague", env=neo4j_env)
    assert json.loads(ok(reindexed))["papers"] == 20
    assert json.loads(ok(cli("search", "注意力的秩坍缩", "--json", "-k", "1", home=tmp_path / "colleague",
                             env=neo4j_env)))[0]["title"].startswith("Attention is Not All You Need")
    no_secret(neo4j_env["NEO4J_PASSWORD"], *results, found, unknown, colleague, reindexed)

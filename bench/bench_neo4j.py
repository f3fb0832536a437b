"""Neo4j-over-Bolt benchmark: load rate, batched vs one transaction per paper; ego-subgraph latency.

    python -m bench.bench_neo4j [--papers 50000] [--sample 500] [--batch 1000] [--seeds 100] [--heap 1g]

Loads the synthetic library (``tests.synth.synthetic_library``) into a Bolt
server — a throwaway ArcadeDB (``tests.bolt_testserver``) unless ``NEO4J_URI``
names one, whose database is then **emptied** — the way ``paperkg sync --to
neo4j`` does, and prints in the same run:

* papers/s of the store's batched path (``UNWIND $rows … MERGE``, up to
  ``--batch`` papers a transaction, everything an ingest does included) for the whole library,
  against one transaction per paper on the first ``--sample`` papers,
  extrapolated: the baseline is the loader written without batching (a
  statement per node and edge, ``graph.NAIVE_*``). Target: batched
  >= 20x faster. For reference also the store itself with one paper per
  transaction (``batch_size=1``: the same single statement, one row).
* ego-subgraph latency (median, p95) of the Neo4j store against the embedded
  store on the same library and the same random seeds.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from contextlib import ExitStack

from tests.synth import synthetic_library
from paperkg.graph import cypher
from paperkg.graph.config import Neo4jSettings
from paperkg.graph.embedded import EmbeddedStore
from paperkg.graph.entities import Resolver, resolve_papers
from paperkg.graph.neo4j_store import Neo4jStore
from paperkg.graph.merge import merge_paper, observation
from paperkg.graph.neo4j_ingest import paper_batch

#: The baseline: one transaction per paper, one statement per node and edge, no UNWIND
#: (how a loader is written without batching).
NAIVE_PAPER = "MERGE (p:Paper {id: $id}) SET p = $props"
NAIVE_EDGE = {
    "AUTHORED": ("MATCH (p:Paper {id: $paper}) MERGE (a:Author {name: $key}) "
                 "CREATE (a)-[e:AUTHORED]->(p) SET e = $attrs"),
    "AFFILIATED": ("MATCH (p:Paper {id: $paper}) MERGE (i:Institution {name: $key}) "
                   "CREATE (p)-[e:AFFILIATED]->(i) SET e = $attrs"),
    "IN_CATEGORY": ("MATCH (p:Paper {id: $paper}) MERGE (c:Category {code: $key}) ON CREATE SET c.name_zh = '', c.arxiv = $arxiv "
                    "CREATE (p)-[e:IN_CATEGORY]->(c) SET e = $attrs"),
    "LISTED_IN": ("MATCH (p:Paper {id: $paper}) MERGE (d:Digest {name: $key}) "
                  "CREATE (p)-[e:LISTED_IN]->(d) SET e = $attrs"),
}
DELETE_SOME = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS count"



def _server(stack: ExitStack, heap: str):
    if os.environ.get("NEO4J_URI"):
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
        from tests.bolt_fixtures import ExternalServer

        return ExternalServer(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                              os.environ.get("NEO4J_PASSWORD", ""), os.environ.get("NEO4J_DATABASE") or None)
    from tests.bolt_testserver import running_server

    return stack.enter_context(running_server(database="paperkg", heap=heap))


def _empty(server) -> None:

    with server.driver() as driver:
        while driver.execute_query(DELETE_SOME, limit=20000, database_=server.database).records[0]["count"]:
            pass


def _sample(pairs, n_papers: int):
    """The first digests holding at least ``n_papers`` papers."""
    chosen, count = [], 0
    for digest, text in pairs:
        if count >= n_papers:
            break
        chosen.append((digest, text))
        count += len(digest.entries)
    return chosen, count


def _load(settings, pairs, batch_size: int, home) -> tuple[float, int]:
    with Neo4jStore(settings, home=home, batch_size=batch_size) as store:
        start = time.perf_counter()
        report = store.ingest(pairs)
        elapsed = time.perf_counter() - start
        assert all(d.status == "added" for d in report.digests), "the database was not empty"
        return elapsed, store.stats()["papers"]


def _naive_load(server, pairs) -> tuple[float, int]:
    """One transaction per paper, a statement for the paper and one per edge."""
    observations: dict[str, list[dict]] = {}
    for digest, _ in pairs:
        for entry in digest.entries:
            obs = observation(digest.name, entry)
            observations.setdefault(obs["paper"], []).append(obs)
    merged = [(merge_paper(obs), obs) for obs in observations.values()]
    resolved = resolve_papers({r["id"]: r for r, _ in merged}, [], Resolver(), lambda keys: {})  # as an ingest does
    rows = paper_batch([(resolved[r["id"]], obs, None) for r, obs in merged], [])["rows"]
    fields = {field: etype for etype, field in cypher.EDGE_FIELDS.items()}

    def one_paper(tx, row):
        tx.run(NAIVE_PAPER, id=row["id"], props=row["props"]).consume()
        for field, etype in fields.items():
            for edge in row[field]:
                tx.run(NAIVE_EDGE[etype], paper=row["id"], key=edge["key"], attrs=edge["attrs"],
                       arxiv=edge.get("arxiv", "")).consume()

    with server.driver() as driver, driver.session(database=server.database) as session:
        start = time.perf_counter()
        for row in rows:
            session.execute_write(one_paper, row)
        return time.perf_counter() - start, len(rows)


def _latency(store, seeds, hops: int, kinds=None) -> list[float]:
    times = []
    for seed in seeds:
        start = time.perf_counter()
        store.ego_subgraph([seed], hops=hops, kinds=kinds)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    return f"median {statistics.median(ordered):7.1f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=50000)
    parser.add_argument("--sample", type=int, default=500, help="papers loaded one transaction each (default 500)")
    parser.add_argument("--seeds", type=int, default=100, help="ego-subgraph queries per case (default 100)")
    parser.add_argument("--batch", type=int, default=1000, help="papers per transaction of the batched path (default 1000)")
    parser.add_argument("--heap", default="1g", help="JVM heap of the ArcadeDB test server (default 1g)")
    args = parser.parse_args()

    home = synthetic_library(args.papers)
    embedded = EmbeddedStore(home)
    pairs = embedded.export_digests()
    total = sum(len(d.entries) for d, _ in pairs)
    print(f"library: {embedded.stats()['papers']} papers, {total} listings in {len(pairs)} digests ({home})")
    with ExitStack() as stack:
        server = _server(stack, args.heap)
        settings = Neo4jSettings(server.uri, server.user, server.password, server.database)
        print(f"server: {server.uri} database {server.database!r}" + ("" if os.environ.get("NEO4J_URI") else f" (ArcadeDB, -Xmx{args.heap})"))

        sample, _ = _sample(pairs, args.sample)
        _empty(server)
        _load(settings, _sample(pairs, 5000)[0], args.batch, home)  # warm-up: the server's JIT compiles the write path
        _empty(server)
        naive_s, naive_papers = _naive_load(server, sample)
        naive_rate = naive_papers / naive_s
        papers = embedded.stats()["papers"]
        print(f"baseline, one transaction per paper, a statement per node/edge: {naive_papers} papers in {naive_s:.1f} s "
              f"= {naive_rate:,.1f} papers/s (whole library extrapolated: {papers / naive_rate / 60:.1f} min)")
        _empty(server)
        single_s, single_papers = _load(settings, sample, 1, home)
        single_rate = single_papers / single_s
        print(f"store with batch_size=1 (one row per transaction):          {single_papers} papers in {single_s:.1f} s "
              f"= {single_rate:,.1f} papers/s")

        _empty(server)
        batched_s, loaded = _load(settings, pairs, args.batch, home)
        batched_rate = loaded / batched_s
        print(f"batched UNWIND, {args.batch} papers per transaction (the store):    {loaded} papers in {batched_s:.1f} s "
              f"= {batched_rate:,.1f} papers/s")
        ratio = batched_rate / naive_rate
        print(f"batched / one transaction per paper: {ratio:.1f}x (target >= 20x: {'met' if ratio >= 20 else 'NOT met'}); "
              f"batched / batch_size=1: {batched_rate / single_rate:.1f}x")

        with Neo4jStore(settings, home=home) as neo:
            same = neo.stats() == embedded.stats()
            print(f"neo4j stats equal the embedded store's: {same}")
            rng = random.Random(0)
            cases = [("paper, 1 hop", "paper", 1, None), ("author, 1 hop", "author", 1, None),
                     ("author, 2 hops, authors only", "author", 2, ["author"]),
                     ("institution, 1 hop", "institution", 1, None)]
            ids = {kind: sorted(n for n, _ in embedded.nodes(kind)) for kind in ("paper", "author", "institution")}
            for label, kind, hops, kinds in cases:
                seeds = rng.sample(ids[kind], min(args.seeds, len(ids[kind])))
                _latency(neo, seeds[:5], hops, kinds)  # warm-up
                base = _latency(embedded, seeds, hops, kinds)
                bolt = _latency(neo, seeds, hops, kinds)
                sizes = statistics.median(len(embedded.ego_subgraph([s], hops, kinds)) for s in seeds)
                print(f"ego {label:<30} (median {sizes:.0f} nodes): neo4j {_summary(bolt)} | embedded {_summary(base)}")
    embedded.close()


if __name__ == "__main__":
    main()

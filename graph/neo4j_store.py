"""The Neo4j store: the paper graph in a Neo4j 5 database, over Bolt.

For a team: several people ingest into and browse one database, which is
also queryable from Neo4j Browser, Bloom and Cypher. Nodes carry the graph
model's labels and properties (see :mod:`graph.cypher`); reads return exactly
what :class:`paperkg.graph.embedded.EmbeddedStore` returns for the same digests
(``tests/test_store_contract.py``). Ingest: :mod:`paperkg.graph.neo4j_ingest`.

Search does not live here: the faiss index and the embedding cache stay in
the library folder (``--home``), rebuilt from this graph by ``paperkg reindex``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from paperkg.graph import cypher
from paperkg.graph.base import LibraryState, Store, public_paper, sort_papers, stats_dict, with_lineage
from paperkg.graph.filters import PaperFilter
from paperkg.graph.merge import digest_from_observations
from paperkg.graph.model import KINDS, Edge, Subgraph, key_of, kind_of
from paperkg.graph.neo4j_client import BoltClient
from paperkg.graph.neo4j_ingest import apply_overrides, load_resolver, paper_from_props
from paperkg.graph.neo4j_ingest import ingest as ingest_digests
from paperkg.graph.overrides import Override
from paperkg.graph.triage import IngestReport, Progress
from paperkg.ingest.model import Digest


def _node_id(labels: list[str], key) -> str | None:
    for label in labels:
        kind = cypher.KIND_OF_LABEL.get(label)
        if kind:
            return f"{kind}:{key}"
    return None


def _attrs(kind: str, props: dict) -> dict:
    """Graph attributes of a node from its (projected) properties."""
    if kind == "paper":
        return {"kind": "paper", **paper_from_props(props)}
    if kind in ("author", "institution"):  # every attribute, as the embedded store has them
        found = {"kind": kind, **{k: props.get(k) for k in cypher.READ_PROPS[kind] if k != "id"}}
        found["names"] = list(found.get("names") or [])
        found["name"] = found.get("name") or props.get("id", "")
        return found
    return {"kind": kind, **{k: props[k] for k in cypher.READ_PROPS[kind] if props.get(k) is not None}}


def _by_kind(node_ids: Iterable[str]) -> dict[str, list[str]]:
    by_kind: dict[str, list[str]] = {}
    for node_id in node_ids:
        by_kind.setdefault(kind_of(node_id), []).append(key_of(node_id))
    return by_kind


class Neo4jStore(Store):
    backend = "neo4j"

    def __init__(self, settings, home: str | Path | None = None, wait: float = 0.0, batch_size: int = 1000,
                 retry_time: float = 15.0):
        """``settings``: :class:`graph.config.Neo4jSettings`; ``home``: the library folder
        (search index, embedding cache); ``wait``: seconds to wait for another writer."""
        self.home = Path(home) if home is not None else None
        self.wait = wait
        self.batch_size = batch_size
        self.client = BoltClient(settings, retry_time=retry_time)
        self._schema_ready = False

    def close(self) -> None:
        self.client.close()

    # -- writing ------------------------------------------------------------------
    def ingest(self, digests: Iterable[tuple[Digest, str]], progress: Progress | None = None,
               wait: float | None = None, on_wait: Callable[[], None] | None = None) -> IngestReport:
        if not self._schema_ready:
            self.client.schema(cypher.SCHEMA)
            self._schema_ready = True
        return ingest_digests(self.client, digests, progress, batch_size=self.batch_size,
                              wait=self.wait if wait is None else wait, on_wait=on_wait)

    def overrides(self) -> list[Override]:
        return load_resolver(self.client).overrides

    def add_overrides(self, overrides: list[Override], wait: float | None = None, replace: bool = False) -> None:
        if not self._schema_ready:
            self.client.schema(cypher.SCHEMA)
            self._schema_ready = True
        apply_overrides(self.client, overrides, replace, self.batch_size, self.wait if wait is None else wait)

    def version(self) -> int:
        rows = self.client.read(cypher.GENERATION)
        return int(rows[0]["value"] or 0) if rows else 0

    def state(self) -> LibraryState:
        """The database's :class:`LibraryState`, in three small queries."""
        categories = {code: attrs.get("name_zh", "") for code, attrs in
                      ((key_of(n), a) for n, a in self.nodes("category"))}
        papers = self.client.read(cypher.COUNT_NODES["paper"])[0]["count"]
        return LibraryState(self.version(), bool(papers), dict(sorted(categories.items())))

    # -- reading ------------------------------------------------------------------
    def get_node(self, node_id: str) -> dict | None:
        kind = kind_of(node_id)
        if kind not in KINDS or ":" not in node_id:
            return None
        return self.get_nodes([node_id]).get(node_id)

    def get_nodes(self, node_ids: Iterable[str]) -> dict[str, dict]:
        """Attributes of many nodes, a query per kind."""
        valid = [n for n in dict.fromkeys(node_ids) if kind_of(n) in KINDS and ":" in n]
        found = {}
        for kind, keys in _by_kind(valid).items():
            for record in self.client.read(cypher.NODES_BY_KEY[kind], keys=keys):
                found[f"{kind}:{record['node'][cypher.KEYS[kind]]}"] = _attrs(kind, record["node"])
        return found

    def nodes(self, kind: str) -> list[tuple[str, dict]]:
        if kind not in KINDS:
            return []
        key = cypher.KEYS[kind]
        return [(f"{kind}:{r['node'][key]}", _attrs(kind, r["node"])) for r in self.client.read(cypher.NODES[kind])]

    def node_names(self, kind: str) -> list[tuple[str, tuple[str, ...]]]:
        if kind not in KINDS:
            return []
        return [(f"{kind}:{r['key']}", tuple(label or "" for label in r["labels"]))
                for r in self.client.read(cypher.NODE_NAMES[kind])]

    def papers(self, filters: PaperFilter | None = None, ids: Iterable[str] | None = None) -> list[dict]:
        if ids is not None:
            candidates = list(self.get_nodes("paper:" + k for k in ids).values())
        else:
            category = filters.category.upper() if filters and filters.category else None
            candidates = [_attrs("paper", r["node"]) for r in self.client.read(cypher.PAPERS, category=category)]
        if filters and filters.institution:
            lineage = self.institution_lineage()
            candidates = [with_lineage(a, lineage) for a in candidates]
        return sort_papers([public_paper(a) for a in candidates if not filters or filters.matches(a)])

    def neighbours(self, node_id: str, edge_types: Iterable[str] | None = None) -> list[tuple[str, str, dict]]:
        kind = kind_of(node_id)
        if kind not in KINDS or ":" not in node_id:
            return []
        types = set(edge_types) if edge_types else None
        found = []
        for r in self.client.read(cypher.NEIGHBOURS[kind], key=key_of(node_id)):
            other = _node_id(r["labels"], r["key"])
            if other is not None and (types is None or r["type"] in types):
                found.append((other, r["type"], dict(r["attrs"])))
        return found

    def ego_subgraph(self, seeds: Iterable[str], hops: int = 1, kinds: Iterable[str] | None = None) -> Subgraph:
        seeds = [s for s in dict.fromkeys(seeds) if kind_of(s) in KINDS and ":" in s]
        return self.client.read_tx(lambda run: self._ego(run, seeds, hops, set(kinds) if kinds else None))

    def _ego(self, run, seeds: list[str], hops: int, keep_kinds: set[str] | None) -> Subgraph:
        """Breadth-first, a query per kind per hop, then the kept nodes with their
        outgoing edges, a query per kind; all in one read transaction. Seeds that
        are not in the graph fall out at the end (no node comes back for them)."""
        seen = set(seeds)
        frontier = list(seeds)
        for _ in range(max(hops, 0)):
            nxt = []
            for kind, keys in sorted(_by_kind(frontier).items()):
                for r in run(cypher.ADJACENT[kind], keys=keys):
                    other = _node_id(r["labels"], r["key"])
                    if other is not None and other not in seen:
                        seen.add(other)
                        nxt.append(other)
            if not nxt:
                break
            frontier = nxt
        kept = {n for n in seen if keep_kinds is None or kind_of(n) in keep_kinds or n in seeds}
        by_kind = _by_kind(kept)
        nodes = {}
        for kind, keys in sorted(by_kind.items()):
            for r in run(cypher.NODES_BY_KEY[kind], keys=keys):
                nodes[f"{kind}:{r['node'][cypher.KEYS[kind]]}"] = _attrs(kind, r["node"])
        edges = []
        for etype, (source, target) in cypher.EDGE_ENDS.items():
            other = target if source == "paper" else source
            if by_kind.get("paper") and by_kind.get(other):
                for r in run(cypher.EDGES_BETWEEN[etype], papers=by_kind["paper"], others=by_kind[other]):
                    edges.append(Edge(f"{source}:{r['source']}", f"{target}:{r['target']}", etype, dict(r["attrs"])))
        if len(by_kind.get("institution", ())) > 1:
            for r in run(cypher.PART_OF_BETWEEN, keys=by_kind["institution"]):
                edges.append(Edge(f"institution:{r['source']}", f"institution:{r['target']}", "PART_OF", {}))
        sub = Subgraph(nodes={n: nodes[n] for n in sorted(nodes)})
        sub.edges = sorted(edges, key=lambda e: (e.source, e.target))
        return sub


    def stats(self) -> dict:
        kinds = Counter({kind: self.client.read(cypher.COUNT_NODES[kind])[0]["count"] for kind in KINDS})
        edge_types = Counter({etype: n for etype, query in cypher.COUNT_EDGES.items()
                              if (n := self.client.read(query)[0]["count"])})
        facts = [{"category": r["category"], "starred": r["starred"], "posted_at": r["posted_at"]}
                 for r in self.client.read(cypher.PAPER_FACTS)]
        return stats_dict(kinds, edge_types, facts)

    def digests(self) -> list[dict]:
        return [dict(r) for r in self.client.read(cypher.DIGESTS)]

    def raw_text(self, digest_name: str) -> str | None:
        rows = self.client.read(cypher.RAW_TEXT, name=digest_name)
        return rows[0]["raw_text"] if rows else None

    # -- copying out ------------------------------------------------------------------
    def export_digests(self) -> list[tuple[Digest, str]]:
        by_digest: dict[str, list[dict]] = {}
        for r in self.client.read(cypher.EXPORT_OBSERVATIONS):
            for obs in orjson.loads(r["observations"] or "[]"):
                by_digest.setdefault(obs["digest"], []).append(obs)
        return [(digest_from_observations(r["name"], r["file"], r["sha256"], orjson.loads(r["categories"] or "{}"),
                                          by_digest.get(r["name"], [])), r["raw_text"])
                for r in self.client.read(cypher.EXPORT_DIGESTS)]

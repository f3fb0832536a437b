"""The default store: a networkx graph in memory, persisted by :mod:`graph.library`.

Serves one analyst with no server. The in-memory graph is rebuilt from the
merged paper records on open (edges and entity nodes are derived, see
:mod:`graph.merge`) and reloaded when another process has written since.
"""
from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable

import networkx as nx

from paperkg.graph.base import Store, public_paper, sort_papers, stats_dict
from paperkg.graph.filters import PaperFilter
from paperkg.graph.library import Library
from paperkg.graph.merge import (category_node, digest_from_observations, digest_node, entity_nodes, merge_paper,
                                 observation, paper_edge_rows, paper_node)
from paperkg.graph.model import Edge, Subgraph, category_id, digest_id, kind_of
from paperkg.graph.triage import DigestReport, IngestReport, Progress, triage_digests
from paperkg.ingest.model import Digest
from paperkg.memory import paused_gc


class EmbeddedStore(Store):
    backend = "embedded"

    def __init__(self, home, wait: float = 0.0):
        self.library = Library(home)
        self.home = self.library.home
        self.wait = wait
        self._load()

    # -- loading ------------------------------------------------------------------
    def _load(self) -> None:
        with paused_gc():
            generation, records, digests = self.library.snapshot()
            graph = _build_graph(records)
        self._legends: dict[str, dict[str, str]] = {}  # digest name -> its legend
        for row in digests:
            graph.add_node(digest_id(row["name"]), **_digest_attrs(row))
            self._legends[row["name"]] = row["categories"]
        self.graph = graph
        self._refresh_categories({code for legend in self._legends.values() for code in legend})
        self._generation = generation

    def refresh(self) -> bool:
        """Reload if another process committed a write since we loaded."""
        if self.library.generation() == self._generation:
            return False
        self._load()
        return True

    def version(self) -> int:
        return self.library.generation()

    def _refresh_categories(self, codes: Iterable[str]) -> None:
        for code in codes:
            names = [legend[code] for legend in self._legends.values() if code in legend]
            self.graph.add_node(category_id(code), **category_node(code, names))

    # -- writing ------------------------------------------------------------------
    def ingest(self, digests: Iterable[tuple[Digest, str]], progress: Progress | None = None,
               wait: float | None = None) -> IngestReport:
        report = IngestReport()
        try:
            with self.library.writing(self.wait if wait is None else wait) as tx, paused_gc():
                self.refresh()
                self._ingest(tx, digests, report, progress)
        except BaseException:
            self._load()
            raise
        self._generation = self.library.generation()
        return report

    def _ingest(self, tx, digests, report: IngestReport, progress: Progress | None) -> None:
        listed_by: dict[str, list[DigestReport]] = {}
        affected: set[str] = set()
        accepted = triage_digests(digests, lambda name: {"sha256": tx.digest_sha(name)}, report, progress)
        for digest, raw_text, rep in accepted:
            observations = [observation(digest.name, e) for e in digest.entries]
            old = tx.listed_papers(digest.name)
            row = {**digest_node(digest), "sha256": digest.sha256, "categories": digest.categories}
            tx.replace_digest(row, raw_text, observations)
            self.graph.add_node(digest_id(digest.name), **_digest_attrs(row))
            replaced_codes = set(self._legends.get(digest.name, {}))
            self._legends[digest.name] = digest.categories
            self._refresh_categories(replaced_codes | set(digest.categories))
            affected |= old
            for obs in observations:
                affected.add(obs["paper"])
                listed_by.setdefault(obs["paper"], []).append(rep)
        self._apply(tx, affected, listed_by)

    def _apply(self, tx, affected: set[str], listed_by: dict[str, list[DigestReport]]) -> None:
        observations = tx.observations(affected)
        changed, removed, touched = [], [], set()
        for pid in sorted(affected):
            old = self.graph.nodes[pid] if pid in self.graph else None
            touched.update(n for n in itertools.chain(self.graph.pred.get(pid, ()), self.graph.succ.get(pid, ())))
            if pid not in observations:
                removed.append(pid.split(":", 1)[1])
                self.graph.remove_node(pid)
                continue
            record = merge_paper(observations[pid])
            if old is not None and public_paper(old) == public_paper(record):
                continue
            changed.append(record)
            for rep in {id(r): r for r in listed_by.get(pid, ())}.values():
                (rep.updated if old is not None else rep.added).append(record["id"])
            if old is not None:
                self.graph.remove_node(pid)
            _add_paper(self.graph, record)
        for node in touched:
            if node in self.graph and kind_of(node) in ("author", "institution") and self.graph.degree(node) == 0:
                self.graph.remove_node(node)
        tx.put_papers(changed)
        tx.delete_papers(removed)

    # -- reading ------------------------------------------------------------------
    def get_node(self, node_id: str) -> dict | None:
        attrs = self.graph.nodes.get(node_id)
        return dict(attrs) if attrs is not None else None

    def nodes(self, kind: str) -> list[tuple[str, dict]]:
        return [(n, a) for n, a in self.graph.nodes(data=True) if a["kind"] == kind]

    def papers(self, filters: PaperFilter | None = None, ids: Iterable[str] | None = None) -> list[dict]:
        if ids is not None:
            candidates = (self.graph.nodes["paper:" + k] for k in dict.fromkeys(ids) if "paper:" + k in self.graph)
        else:
            candidates = (a for _, a in self.graph.nodes(data=True) if a["kind"] == "paper")
        found = [public_paper(a) for a in candidates if not filters or filters.matches(a)]
        return sort_papers(found)

    def neighbours(self, node_id: str, edge_types: Iterable[str] | None = None) -> list[tuple[str, str, dict]]:
        if node_id not in self.graph:
            return []
        types = set(edge_types) if edge_types else None
        found = [(t, d["type"], dict(d)) for t, d in self.graph.succ[node_id].items()]
        found += [(s, d["type"], dict(d)) for s, d in self.graph.pred[node_id].items()]
        return [(n, t, {k: v for k, v in d.items() if k != "type"}) for n, t, d in found if types is None or t in types]

    def ego_subgraph(self, seeds: Iterable[str], hops: int = 1, kinds: Iterable[str] | None = None) -> Subgraph:
        seeds = [s for s in dict.fromkeys(seeds) if s in self.graph]
        seen = set(seeds)
        frontier = list(seeds)
        for _ in range(max(hops, 0)):
            nxt = []
            for node in frontier:
                for other in itertools.chain(self.graph.succ[node], self.graph.pred[node]):
                    if other not in seen:
                        seen.add(other)
                        nxt.append(other)
            frontier = nxt
        keep_kinds = set(kinds) if kinds else None
        kept = {n for n in seen if keep_kinds is None or self.graph.nodes[n]["kind"] in keep_kinds or n in seeds}
        ordered = sorted(kept)
        sub = Subgraph(nodes={n: dict(self.graph.nodes[n]) for n in ordered})
        for node in ordered:
            targets = self.graph.succ[node]
            # a prolific author has thousands of papers: walk whichever side is smaller
            pairs = ((o, targets[o]) for o in ordered if o in targets) if len(targets) > len(ordered) else \
                ((o, d) for o, d in targets.items() if o in kept)
            for other, data in pairs:
                sub.edges.append(Edge(node, other, data["type"], {k: v for k, v in data.items() if k != "type"}))
        return sub

    def stats(self) -> dict:
        kinds = Counter(a["kind"] for a in self.graph._node.values())
        edge_types = Counter(d["type"] for targets in self.graph._succ.values() for d in targets.values())
        return stats_dict(kinds, edge_types, [a for a in self.graph._node.values() if a["kind"] == "paper"])

    def digests(self) -> list[dict]:
        return [{k: v for k, v in row.items() if k != "categories"} for row in self.library.digests()]

    def raw_text(self, digest_name: str) -> str | None:
        return self.library.raw_text(digest_name)

    def export_digests(self) -> list[tuple[Digest, str]]:
        rows, listings = self.library.export()
        by_digest: dict[str, list[dict]] = {}
        for obs in listings:
            by_digest.setdefault(obs["digest"], []).append(obs)
        return [(digest_from_observations(r["name"], r["file"], r["sha256"], r["categories"], by_digest.get(r["name"], [])),
                 r["raw_text"]) for r in rows]

    def close(self) -> None:
        self.library.close()


def _add_paper(graph: nx.DiGraph, record: dict) -> None:
    pid = "paper:" + record["id"]
    graph.add_node(pid, **paper_node(record))
    for node_id, attrs in entity_nodes(record).items():
        if node_id not in graph:
            graph.add_node(node_id, **attrs)
    graph.add_edges_from(paper_edge_rows(record))


def _build_graph(records: list[dict]) -> nx.DiGraph:
    """The graph of many paper records at once.

    Fills networkx's adjacency dicts directly: the same structure
    ``add_node``/``add_edge`` build, without their per-call checks, which cost
    most of the load time of a 50k-paper library.
    """
    nodes: dict[str, dict] = {}
    succ: dict[str, dict] = {}
    pred: dict[str, dict] = {}
    for record in records:
        node = paper_node(record)
        pid = "paper:" + record["id"]
        nodes[pid], succ[pid], pred[pid] = node, {}, {}
        for node_id, attrs in entity_nodes(record).items():
            if node_id not in nodes:
                nodes[node_id], succ[node_id], pred[node_id] = attrs, {}, {}
        for source, target, attrs in paper_edge_rows(record):
            if target not in nodes:  # digest nodes come later, from the digest rows
                nodes[target], succ[target], pred[target] = {"kind": "digest", "name": target.split(":", 1)[1]}, {}, {}
            succ[source][target] = attrs
            pred[target][source] = attrs
    graph = nx.DiGraph()
    graph._node, graph._succ, graph._pred = nodes, succ, pred
    graph._adj = succ
    return graph


def _digest_attrs(row: dict) -> dict:
    return {"kind": "digest", "name": row["name"], "file": row["file"], "posted_at": row["posted_at"],
            "entry_count": row["entry_count"]}

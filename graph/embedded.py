"""The default store: a networkx graph in memory, persisted by :mod:`paperkg.graph.library`.

Serves one analyst with no server. The in-memory graph is rebuilt from the
stored paper records on open (edges and entity nodes are derived, see
:mod:`paperkg.graph.merge` and :mod:`paperkg.graph.entities`) and reloaded when
another process has written since. Records carry their resolved author and
institution ids; a library written before resolution existed, or with another
registry, is resolved in full on open and saved as soon as it can be.
"""
from __future__ import annotations

import itertools
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

import networkx as nx

from paperkg.errors import StoreError
from paperkg.graph.base import Store, listing_fields, public_paper, sort_papers, stats_dict, with_lineage
from paperkg.graph.entities import Resolver, entity_attributes, override_changes, part_of_edges, resolve_papers
from paperkg.graph.filters import PaperFilter
from paperkg.graph.library import Library
from paperkg.graph.merge import (bare_category_node, category_node, digest_from_observations, digest_node, merge_paper,
                                 observation, paper_edge_rows, paper_node)
from paperkg.graph.model import StoreEdges, Subgraph, category_id, digest_id, key_of, kind_of
from paperkg.graph.overrides import Override
from paperkg.graph.people import author_key
from paperkg.graph.triage import DigestReport, IngestReport, Progress, triage_digests
from paperkg.ingest.model import Digest
from paperkg.memory import keep_out_of_gc, paused_gc


class _WrittenMeanwhile(Exception):
    """Rolls back a save of ids resolved on open that another process's write has overtaken."""


class EmbeddedStore(Store):
    backend = "embedded"

    def __init__(self, home, wait: float = 0.0):
        self.library = Library(home)
        self.home = self.library.home
        self.wait = wait
        self._load()

    # -- loading ------------------------------------------------------------------
    def _load(self, tx=None) -> None:
        """Read the library into the graph. Ids resolved under other rules are resolved again
        and saved: inside the write transaction ``tx`` when there is one, else by a write of
        their own if no one else is writing (else by the next write, see :meth:`_catch_up`)."""
        with paused_gc():
            generation, records, digests, overrides, resolution = self.library.snapshot()
            self.resolver = Resolver(Override.from_json(data, seq) for seq, data in overrides)
            stale = resolution != self.resolver.version or any("author_ids" not in r for r in records)
            if stale and records:
                records = list(resolve_papers({r["id"]: r for r in records}, [], self.resolver, lambda keys: {}).values())
            graph = _build_graph(records, self.resolver)
            # Out of the collector's sight before it is switched back on: its first pass would
            # otherwise walk the millions of new objects (a quarter of a 50k library's load time).
            keep_out_of_gc()
            self._by_author_built: dict[str, set[str]] | None = None
        #: Ids resolved on open that are not yet in the library (it was busy or read-only).
        self._unsaved = False
        if stale and tx is not None:
            tx.put_papers(records)
            tx.set_meta("resolution", self.resolver.version)
        elif stale and self._save_resolution(records, generation):
            generation = self.library.generation()
        elif stale:
            self._unsaved = True
        self._legends: dict[str, dict[str, str]] = {}  # digest name -> its legend
        for row in digests:
            graph.add_node(digest_id(row["name"]), **_digest_attrs(row))
            self._legends[row["name"]] = row["categories"]
        self.graph = graph
        self._refresh_categories({code for legend in self._legends.values() for code in legend})
        self._generation = generation

    def _save_resolution(self, records: list[dict], generation: int) -> bool:
        """Write ids resolved on open back to the library, if no one else is writing it now and
        no write has committed since the snapshot ``generation`` (best effort: a busy, read-only
        or full library is still read)."""
        try:
            with self.library.writing(0.0) as tx:
                if self.library.generation() != generation:
                    raise _WrittenMeanwhile
                tx.put_papers(records)
                tx.set_meta("resolution", self.resolver.version)
        except (_WrittenMeanwhile, StoreError, OSError, sqlite3.Error):
            return False
        return True

    def refresh(self) -> bool:
        """Reload if another process committed a write since we loaded."""
        if self.library.generation() == self._generation:
            return False
        self._load()
        return True

    def _catch_up(self, tx) -> None:
        """At the start of a write: take in other processes' writes, and save ids resolved on
        open that could not be saved then, so that the write may mark the resolution current."""
        if self.library.generation() != self._generation:
            self._load(tx)
        elif self._unsaved:
            tx.put_papers([_record(a) for _, a in self.graph.nodes(data=True) if a["kind"] == "paper"])
            tx.set_meta("resolution", self.resolver.version)
            self._unsaved = False

    def version(self) -> int:
        return self.library.generation()

    def _refresh_categories(self, codes: Iterable[str]) -> None:
        for code in codes:
            names = [legend[code] for legend in self._legends.values() if code in legend]
            self.graph.add_node(category_id(code), **category_node(code, names))

    # -- writing ------------------------------------------------------------------
    def ingest(self, digests: Iterable[tuple[Digest, str]], progress: Progress | None = None,
               wait: float | None = None, on_wait: Callable[[], None] | None = None) -> IngestReport:
        report = IngestReport()
        try:
            with self.library.writing(self.wait if wait is None else wait, on_wait) as tx, paused_gc():
                self._catch_up(tx)
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
        changed: dict[str, dict] = {}
        removed: list[dict] = []
        for pid in sorted(affected):
            old = self.graph.nodes[pid] if pid in self.graph else None
            if pid not in observations:
                if old is not None:
                    removed.append(_record(old))
                continue
            record = merge_paper(observations[pid])
            if old is not None and listing_fields(old) == listing_fields(record):
                continue
            changed[record["id"]] = record
            for rep in {id(r): r for r in listed_by.get(pid, ())}.values():
                (rep.updated if old is not None else rep.added).append(record["id"])
        self._write(tx, resolve_papers(changed, removed, self.resolver, self._papers_with), removed)
        tx.set_meta("resolution", self.resolver.version)

    def _write(self, tx, updated: dict[str, dict], removed: list[dict]) -> None:
        """Put new and re-resolved records and drop removed ones, on disk and in the graph;
        entity nodes around them follow (spellings, parents; none left without papers)."""
        touched: set[str] = set()
        for record in [*updated.values(), *removed]:
            pid = "paper:" + record["id"]
            if pid in self.graph:
                touched.update(n for n in itertools.chain(self.graph.pred[pid], self.graph.succ[pid])
                               if kind_of(n) in ("author", "institution"))
                self._unindex(self.graph.nodes[pid])
                self.graph.remove_node(pid)
        for record in updated.values():
            self.graph.add_node("paper:" + record["id"], **paper_node(record))
            self._index(record)
            for source, target, attrs in paper_edge_rows(record):
                for node_id in (source, target):
                    if node_id not in self.graph:
                        kind = kind_of(node_id)
                        self.graph.add_node(node_id, **(bare_category_node(key_of(node_id)) if kind == "category" else
                                                        {"kind": kind, "name": key_of(node_id)}))
                    if kind_of(node_id) in ("author", "institution"):
                        touched.add(node_id)
                self.graph.add_edge(source, target, **attrs)
        self._refresh_entities(touched)
        tx.put_papers(list(updated.values()))
        tx.delete_papers([r["id"] for r in removed])

    def _refresh_entities(self, node_ids: set[str]) -> None:
        """Attributes of these author and institution nodes from their papers now; their parents
        added (with ``PART_OF``), a ``PART_OF`` edge to a former parent removed, and nodes with
        neither papers nor sub-units removed."""
        papers = {p for n in node_ids if n in self.graph
                  for p in itertools.chain(self.graph.pred[n], self.graph.succ[n]) if kind_of(p) == "paper"}
        attrs = entity_attributes((_record(self.graph.nodes[p]) for p in sorted(papers)), self.resolver)
        former: set[str] = set()
        for node_id in sorted(node_ids | {n for n in attrs if n not in self.graph}):
            if node_id in attrs:
                if node_id not in self.graph:
                    self.graph.add_node(node_id)
                if node_id in node_ids or self.graph.nodes[node_id].get("kind") is None:
                    self.graph.nodes[node_id].clear()
                    self.graph.nodes[node_id].update(attrs[node_id])
                    parent = attrs[node_id].get("parent")
                    for target, edge in list(self.graph.succ[node_id].items()):
                        if edge["type"] == "PART_OF" and target != parent:
                            self.graph.remove_edge(node_id, target)
                            former.add(target)
        for source, target, edge in part_of_edges({n: self.graph.nodes[n] for n in attrs if n in self.graph}):
            if target in self.graph:
                self.graph.add_edge(source, target, **edge)
        for node_id in sorted(node_ids | former, key=lambda n: -len(n)):
            self._drop_if_unused(node_id)

    def _drop_if_unused(self, node_id: str) -> None:
        """Remove an entity node with no papers and no sub-units, then its parent likewise."""
        while node_id in self.graph:
            if any(kind_of(n) == "paper" for n in itertools.chain(self.graph.pred[node_id], self.graph.succ[node_id])):
                return
            if any(d["type"] == "PART_OF" for d in self.graph.pred[node_id].values()):
                return
            parent = next((t for t, d in self.graph.succ[node_id].items() if d["type"] == "PART_OF"), None)
            self.graph.remove_node(node_id)
            if parent is None:
                return
            node_id = parent

    # -- the analyst's corrections -------------------------------------------------------------
    def overrides(self) -> list[Override]:
        return list(self.resolver.overrides)

    def add_overrides(self, overrides: list[Override], wait: float | None = None, replace: bool = False) -> None:
        try:
            with self.library.writing(self.wait if wait is None else wait) as tx, paused_gc():
                self._catch_up(tx)
                if replace:
                    tx.set_overrides([o.to_json() for o in overrides])
                else:
                    for override in overrides:
                        tx.add_override(override.to_json())
                before = self.resolver
                self.resolver = Resolver(Override.from_json(data, seq) for seq, data in tx.overrides())
                changed, names = override_changes(before, self.resolver, (
                    _record(a) for _, a in self.graph.nodes(data=True) if a["kind"] == "paper"))
                self._write(tx, resolve_papers(changed, [], self.resolver, self._papers_with, names), [])
                tx.set_meta("resolution", self.resolver.version)
        except BaseException:
            self._load()
            raise
        self._generation = self.library.generation()

    # -- the author index: written author key -> paper keys (for re-resolving a name) ---------
    @property
    def _by_author(self) -> dict[str, set[str]]:
        """Built on the first write: reading a library never needs it."""
        if self._by_author_built is None:
            self._by_author_built = _author_index(a for _, a in self.graph.nodes(data=True) if a["kind"] == "paper")
        return self._by_author_built

    def _index(self, record: dict) -> None:
        if self._by_author_built is not None:
            for name in record["authors"]:
                self._by_author_built.setdefault(author_key(name), set()).add(record["id"])

    def _unindex(self, node: dict) -> None:
        if self._by_author_built is not None:
            for name in node["authors"]:
                self._by_author_built.get(author_key(name), set()).discard(node["id"])

    def _papers_with(self, keys: set[str]) -> dict[str, dict]:
        found = {}
        for key in keys:
            for paper in self._by_author.get(key, ()):
                found[paper] = _record(self.graph.nodes["paper:" + paper])
        return found

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
        if filters and filters.institution:
            lineage = self.institution_lineage()
            found = [public_paper(a) for a in candidates if filters.matches(with_lineage(a, lineage))]
        else:
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
        # networkx's raw adjacency dicts: its ``succ[node]`` views cost a wrapper per call (issue 12's bench)
        succ, pred, node_attrs = self.graph._succ, self.graph._pred, self.graph._node
        seeds = [s for s in dict.fromkeys(seeds) if s in node_attrs]
        seen = set(seeds)
        frontier = list(seeds)
        for _ in range(max(hops, 0)):
            nxt = []
            for node in frontier:
                for other in itertools.chain(succ[node], pred[node]):
                    if other not in seen:
                        seen.add(other)
                        nxt.append(other)
            frontier = nxt
        keep_kinds = set(kinds) if kinds else None
        kept = {n for n in seen if keep_kinds is None or node_attrs[n]["kind"] in keep_kinds or n in seeds}
        ordered = sorted(kept)
        sources: list[str] = []
        ends: list[str] = []
        data: list[dict] = []
        for node in ordered:
            targets = succ[node]
            if not targets:
                continue
            # a prolific author has thousands of papers: walk whichever side is smaller
            found = [o for o in ordered if o in targets] if len(targets) > len(ordered) else [o for o in targets if o in kept]
            sources += [node] * len(found)
            ends += found
            data += map(targets.__getitem__, found)
        # the edge dicts are the graph's own, handed over uncopied (see Subgraph)
        return Subgraph(nodes={n: node_attrs[n].copy() for n in ordered}, store_edges=StoreEdges(sources, ends, data))

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


def _record(node: dict) -> dict:
    """The stored record of a paper node."""
    record = node.copy()
    record.pop("kind", None)
    return record


def _author_index(records: Iterable[dict]) -> dict[str, set[str]]:
    index: defaultdict[str, set[str]] = defaultdict(set)  # no new set per slot, as setdefault would make
    for record in records:
        paper = record["id"]
        for name in record["authors"]:
            index[author_key(name)].add(paper)
    return dict(index)


def _build_graph(records: list[dict], resolver: Resolver) -> nx.DiGraph:
    """The graph of many paper records at once.

    Fills networkx's adjacency dicts directly: the same structure
    ``add_node``/``add_edge`` build, without their per-call checks, which cost
    most of the load time of a 50k-paper library.
    """
    nodes: dict[str, dict] = {}
    succ: dict[str, dict] = {}
    pred: dict[str, dict] = {}
    entities = entity_attributes(records, resolver)
    for node_id, attrs in entities.items():
        nodes[node_id], succ[node_id], pred[node_id] = attrs, {}, {}
    for source, target, attrs in part_of_edges(entities):
        succ[source][target] = attrs
        pred[target][source] = attrs
    for record in records:
        node = paper_node(record)
        pid = "paper:" + record["id"]
        nodes[pid], succ[pid], pred[pid] = node, {}, {}
        for source, target, attrs in paper_edge_rows(record):
            if target not in nodes:  # categories and digests: their nodes are completed from the digest rows
                kind = kind_of(target)
                nodes[target] = bare_category_node(key_of(target)) if kind == "category" else {
                    "kind": kind, "name": key_of(target)}
                succ[target], pred[target] = {}, {}
            succ[source][target] = attrs
            pred[target][source] = attrs
    graph = nx.DiGraph()
    graph._node, graph._succ, graph._pred = nodes, succ, pred
    graph._adj = succ
    return graph


def _digest_attrs(row: dict) -> dict:
    return {"kind": "digest", "name": row["name"], "file": row["file"], "posted_at": row["posted_at"],
            "entry_count": row["entry_count"]}

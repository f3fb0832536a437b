"""The ``Store`` interface every backend implements, and the logic they share.

A store holds the paper graph (see :mod:`paperkg.graph.model`). Writes go
through :meth:`Store.ingest`, which takes parsed digests; everything else
reads. Implementations: :class:`paperkg.graph.embedded.EmbeddedStore` (networkx
on disk, the default) and :class:`paperkg.graph.neo4j_store.Neo4jStore`, chosen
by :func:`paperkg.graph.factory.open_store`. Both pass
``tests/test_store_contract.py``. What both compute the same way from what they
read — derived networks, statistics, name resolution, the paper order — lives
here, so a backend only answers the primitive queries.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from paperkg.graph import names, people
from paperkg.graph.filters import PaperFilter, check_names, matching_people
from paperkg.graph.model import KINDS, PAPER_FIELDS, Edge, Paper, Subgraph
from paperkg.graph.triage import IngestReport, Progress
from paperkg.ingest.model import Digest


@dataclass(frozen=True)
class LibraryState:
    """What a library holds, read without loading it: its :meth:`Store.version` (``None``:
    no library yet), whether it has papers, and its categories (code -> Chinese name, from
    the digests' legends)."""

    version: int | None
    has_papers: bool
    categories: dict[str, str] = field(default_factory=dict)


#: The resolution rules' version (with the people module's tuned constants): stored ids resolved
#: under other rules, or with another registry, are resolved again.
RESOLUTION = "1:" + hashlib.sha1(repr((people.WEIGHTS, people.INTERCEPT, people.LINK_PROBABILITY,
                                       people.MERGE_PROBABILITY)).encode()).hexdigest()[:8]
_RESOLVED = ("author_ids", "institution_ids")


def public_paper(node: dict) -> Paper:
    """The paper object of the CLI contract, from a stored paper node."""
    return {name: node.get(name) for name in PAPER_FIELDS}


def listing_fields(node: dict) -> dict:
    """What the digests say about a paper: its object less the resolved ids."""
    return {name: node.get(name) for name in PAPER_FIELDS if name not in _RESOLVED}


def node_label(attrs: dict) -> str:
    """The human name of a node: a paper's title, a category's code, else its name."""
    kind = attrs.get("kind")
    if kind == "paper":
        return attrs.get("title", "")
    if kind == "category":
        return attrs.get("code", "")
    return attrs.get("name", "")


def node_names(attrs: dict) -> tuple[str, ...]:
    """Every label a node is known by, its display label first (see :mod:`paperkg.graph.names`)."""
    kind = attrs.get("kind")
    if kind == "paper":
        return (attrs.get("title") or "", attrs.get("title_zh") or "")
    if kind == "category":
        return (attrs.get("code") or "", attrs.get("name_zh") or "")
    return (attrs.get("name") or "", *attrs.get("names", ()))


class Store(ABC):
    """A paper graph. Node ids are ``kind:key`` (see :mod:`paperkg.graph.model`)."""

    backend: str = "?"

    # -- writes ---------------------------------------------------------------
    @abstractmethod
    def ingest(self, digests: Iterable[tuple[Digest, str]], progress: Progress | None = None,
               wait: float | None = None, on_wait: Callable[[], None] | None = None) -> IngestReport:
        """Upsert parsed digests with their raw text. The embedded store commits all
        or nothing; the Neo4j store commits in batches and completes an interrupted
        ingest when the same command runs again. ``wait``: seconds to wait for another
        writer (default: the store's own setting); ``on_wait`` is called when that wait
        begins (what a progress display says meanwhile)."""

    # -- reads ----------------------------------------------------------------
    @abstractmethod
    def get_node(self, node_id: str) -> dict | None:
        """Attributes of a node (with ``kind``), or ``None``."""

    @abstractmethod
    def papers(self, filters: PaperFilter | None = None, ids: Iterable[str] | None = None) -> list[Paper]:
        """Paper objects (see :func:`public_paper`) matching ``filters``, newest first.
        ``ids`` (paper keys) restricts to those papers."""

    @abstractmethod
    def nodes(self, kind: str) -> list[tuple[str, dict]]:
        """All ``(node_id, attributes)`` of one kind."""

    @abstractmethod
    def neighbours(self, node_id: str, edge_types: Iterable[str] | None = None) -> list[tuple[str, str, dict]]:
        """``(neighbour_id, edge_type, edge_attributes)`` over edges in either direction."""

    @abstractmethod
    def ego_subgraph(self, seeds: Iterable[str], hops: int = 1, kinds: Iterable[str] | None = None) -> Subgraph:
        """Nodes within ``hops`` of any seed (edges followed in either direction,
        through nodes of every kind), then only ``kinds`` kept, with the edges
        directly between kept nodes. Seeds are always kept."""

    @abstractmethod
    def stats(self) -> dict:
        """Counts: papers, authors, institutions, categories, digests, edges, …"""

    @abstractmethod
    def digests(self) -> list[dict]:
        """Digest records (name, file, posted_at, entry_count, sha256), without raw text."""

    @abstractmethod
    def raw_text(self, digest_name: str) -> str | None:
        """The text a digest was ingested from, kept so it can be parsed again."""

    @abstractmethod
    def export_digests(self) -> list[tuple[Digest, str]]:
        """Every committed digest, rebuilt from what it said about each paper, with its
        text: what another store's :meth:`ingest` takes (``paperkg sync``)."""

    @abstractmethod
    def overrides(self) -> list:
        """The analyst's corrections (:class:`paperkg.graph.overrides.Override`), oldest first."""

    @abstractmethod
    def add_overrides(self, overrides: list, wait: float | None = None, replace: bool = False) -> None:
        """Store corrections (after the ones there, or instead of them with ``replace``) and
        resolve again what they touch."""

    @abstractmethod
    def version(self) -> int:
        """A number that changes whenever a write is committed (by any process): the search
        index records the version it was built from, and caches key on it."""

    def refresh(self) -> bool:
        """See writes other processes committed since this store was opened; whether it had to
        reload (never, where every read goes to the server)."""
        return False

    def state(self) -> LibraryState:
        """The :class:`LibraryState` of what this store holds now."""
        categories = {key: attrs.get("name_zh", "") for key, attrs in
                      ((node_id.split(":", 1)[1], attrs) for node_id, attrs in self.nodes("category"))}
        return LibraryState(self.version(), bool(self.stats()["papers"]), dict(sorted(categories.items())))

    def close(self) -> None:
        """Release resources."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- shared: derived networks -------------------------------------------------
    def institution_links(self, filters: PaperFilter | None = None, min_weight: int = 1) -> Subgraph:
        """Institutions joined by ``INSTITUTION_LINK`` edges; weight = shared papers."""
        return co_occurrence(self.papers(filters), "institution_ids", "institution", "INSTITUTION_LINK", min_weight,
                             self.get_nodes)

    def coauthors(self, filters: PaperFilter | None = None, min_weight: int = 1, author: str | None = None) -> Subgraph:
        """Authors joined by ``COAUTHOR`` edges; weight = shared papers. With ``author``
        (a node id), only that author's links."""
        papers = self.papers(filters)
        if author is not None:
            key = author.split(":", 1)[1]
            papers = [p for p in papers if key in p["author_ids"]]
        sub = co_occurrence(papers, "author_ids", "author", "COAUTHOR", min_weight, self.get_nodes)
        if author is not None:
            sub = links_of(sub, author)
        return sub

    def institution_lineage(self) -> dict[str, tuple[list[str], list[str]]]:
        """Institution key -> (keys, names) of it and every organisation it is part of: what
        an institution filter matches a paper on (see :class:`PaperFilter`)."""
        return lineage_of(dict(self.nodes("institution")))

    def get_nodes(self, node_ids: list[str]) -> dict[str, dict]:
        """Attributes of many nodes (a server-backed store asks once)."""
        return {n: a for n in node_ids if (a := self.get_node(n)) is not None}

    # -- shared: names --------------------------------------------------------------
    def node_names(self, kind: str) -> list[names.Named]:
        """``(node_id, labels)`` of every node of a kind (see :func:`node_names`); a
        server-backed store answers it without fetching whole nodes."""
        return [(node_id, node_names(attrs)) for node_id, attrs in self.nodes(kind)]

    def resolve(self, name_or_id: str, kinds: Iterable[str] = KINDS) -> str:
        """Node id for an id, a name (any case), a paper title in either language or a unique
        title fragment. Raises ``UnknownNode`` (with close names) or ``AmbiguousName``."""
        kinds = tuple(kinds)
        candidates = itertools.chain.from_iterable(self.node_names(kind) for kind in kinds)
        return names.resolve(name_or_id, candidates, lambda node_id: self.get_node(node_id) is not None, kinds)

    def check_filters(self, filters: PaperFilter | None) -> list[str]:
        """Refuse filter values that name nothing in the library (see :func:`check_names`);
        the notes to show (an author name that several people share)."""
        names_of = functools.cache(self.node_names)  # an author filter needs the authors twice

        def known(field: str):
            for node_id, labels in names_of(field):
                yield node_id
                yield from labels
        check_names(filters, known)
        return author_notes(filters, names_of("author")) if filters and filters.author else []

    def find(self, text: str, kinds: Iterable[str] = ("institution", "author", "category", "paper"),
             limit: int = 25) -> list[tuple[str, str]]:
        """Nodes whose labels contain ``text`` (pickers): ``(node_id, label)``, best first."""
        candidates = ((rank, named) for rank, kind in enumerate(kinds) for named in self.node_names(kind))
        return names.find(text, candidates, limit)


def lineage_of(institutions: dict[str, dict]) -> dict[str, tuple[list[str], list[str]]]:
    """:meth:`Store.institution_lineage` from the institution nodes (id -> attributes)."""
    found = {}
    for node_id in institutions:
        keys, names, current, seen = [], [], node_id, set()
        while current in institutions and current not in seen:
            seen.add(current)
            attrs = institutions[current]
            keys.append(current.split(":", 1)[1])
            names.extend(n for n in (attrs.get("name"), *attrs.get("names", ())) if n)
            current = attrs.get("parent")
        found[node_id.split(":", 1)[1]] = (keys, list(dict.fromkeys(names)))
    return found


def with_lineage(paper: dict, lineage: dict[str, tuple[list[str], list[str]]]) -> dict:
    """``paper`` with ``institution_lineage`` and ``institution_names`` (what filters read)."""
    keys, found = [], []
    for key in paper.get("institution_ids") or ():
        ids, names = lineage.get(key, ([key], []))
        keys.extend(ids)
        found.extend(names)
    return {**paper, "institution_lineage": list(dict.fromkeys(keys)), "institution_names": list(dict.fromkeys(found))}


def author_notes(filters: PaperFilter | None, people) -> list[str]:
    """What to say when an author filter given as a name covers several people (``people``:
    ``(id, names)`` of every author)."""
    if not filters or not filters.author or filters.author.startswith("author:"):
        return []
    found = matching_people(filters.author, people)
    if len(found) < 2:
        return []
    return [f"--author {filters.author!r} names {len(found)} people; showing all of them "
            f"(give one id, e.g. --author {found[1]!r}, for one)"]


def sort_papers(papers: list[dict]) -> list[dict]:
    """Newest first, then by id: the one order every store returns."""
    papers.sort(key=lambda p: p["id"])
    papers.sort(key=lambda p: p["posted_at"] or "", reverse=True)
    return papers


def co_occurrence(papers: list[dict], field: str, kind: str, edge_type: str, min_weight: int, get_nodes) -> Subgraph:
    """Weighted, undirected network of entities sharing papers (weight = number of shared
    papers). ``field``: the papers' list of entity keys; ``get_nodes(ids)``: their attributes."""
    weights: Counter = Counter()
    for paper in papers:
        on_paper = sorted(set(k for k in paper[field] if k))
        weights.update(itertools.combinations(on_paper, 2))
    pairs = [(a, b, w) for (a, b), w in sorted(weights.items()) if w >= min_weight]
    ids = sorted({f"{kind}:{k}" for a, b, _ in pairs for k in (a, b)})
    found = get_nodes(ids)
    sub = Subgraph(nodes={n: found.get(n) or {"kind": kind, "name": n.split(":", 1)[1]} for n in ids},
                   directed=False)  # a shared paper links both ways
    sub.edges = [Edge(f"{kind}:{a}", f"{kind}:{b}", edge_type, {"weight": w}) for a, b, w in pairs]
    return sub


def links_of(sub: Subgraph, node_id: str) -> Subgraph:
    """The part of a derived network that touches ``node_id``: its links and their ends."""
    edges = [e for e in sub.edges if node_id in (e.source, e.target)]
    linked = {node_id} | {e.source for e in edges} | {e.target for e in edges}
    return Subgraph(nodes={n: a for n, a in sub.nodes.items() if n in linked}, edges=edges, directed=sub.directed)


def stats_dict(kinds: Counter, edge_types: Counter, papers: list[dict]) -> dict:
    per_category = Counter(p["category"] for p in papers)
    dates = sorted(p["posted_at"] for p in papers if p["posted_at"])
    return {
        "papers": kinds.get("paper", 0), "authors": kinds.get("author", 0), "institutions": kinds.get("institution", 0),
        "categories": kinds.get("category", 0), "digests": kinds.get("digest", 0),
        "edges": sum(edge_types.values()), "edge_types": dict(sorted(edge_types.items())),
        "starred": sum(1 for p in papers if p["starred"]),
        "papers_per_category": dict(sorted(per_category.items())),
        "first_posted": dates[0] if dates else None, "last_posted": dates[-1] if dates else None,
    }

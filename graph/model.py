"""The graph model: node kinds, identities, and the subgraph value both stores return.

Node ids are ``kind:key`` strings, readable and unique across kinds:
``paper:<16 hex of the normalised title>``, ``author:Y Dong`` (a person: see
:mod:`paperkg.graph.people`; ``author:Y Li~3fa1c2`` for a second person of that
name), ``institution:uc-berkeley`` (an entity: the registry's id, see
:mod:`paperkg.graph.institutions`, or the normalised name of one it does not
know), ``category:LG``, ``digest:<file stem>``.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple, TypedDict

import networkx as nx

KINDS = ("paper", "author", "institution", "category", "digest")
LABELS = {"paper": "Paper", "author": "Author", "institution": "Institution", "category": "Category", "digest": "Digest"}
EDGE_TYPES = ("AUTHORED", "AFFILIATED", "IN_CATEGORY", "LISTED_IN", "PART_OF")

#: arXiv archive for each digest category code.
ARXIV = {
    "LG": "cs.LG", "CV": "cs.CV", "CL": "cs.CL", "AI": "cs.AI", "RO": "cs.RO", "IR": "cs.IR",
    "NE": "cs.NE", "SI": "cs.SI", "GR": "cs.GR", "CR": "cs.CR", "DC": "cs.DC", "HC": "cs.HC",
    "MA": "cs.MA", "MM": "cs.MM", "SE": "cs.SE", "DL": "cs.DL", "CY": "cs.CY", "GT": "cs.GT",
    "PL": "cs.PL", "DS": "cs.DS", "IT": "cs.IT", "NI": "cs.NI", "DB": "cs.DB", "LO": "cs.LO",
    "CE": "cs.CE", "CG": "cs.CG", "ET": "cs.ET", "AR": "cs.AR", "SD": "cs.SD",
    "AS": "eess.AS", "IV": "eess.IV", "SP": "eess.SP", "SY": "eess.SY",
    "ML": "stat.ML", "ME": "stat.ME", "AP": "stat.AP", "CO": "stat.CO",
}


class Source(TypedDict):
    """One listing of a paper: which digest, where in it, and its post."""

    digest: str
    section: str  # "main" or "other"
    rank: int
    url: str
    posted_at: str


class Observation(TypedDict):
    """What one digest says about one paper (a row of the library's ``listings``)."""

    paper: str  # the paper's node id
    digest: str
    section: str
    rank: int
    title: str
    title_zh: str
    summary_zh: str
    abstract: str
    category: str
    url: str
    posted_at: str
    starred: bool
    authors: list[str]
    institutions: list[str]


class Paper(TypedDict):
    """A paper as every store returns it and the CLI prints it (``--json``)."""

    id: str  # 16 hex of the normalised English title
    title: str
    title_zh: str
    category: str
    authors: list[str]  # as written
    author_ids: list[str]  # the person in each slot (the key of an author node)
    institutions: list[str]  # as written
    institution_ids: list[str]  # the institution each name resolved to (the key of an institution node)
    abstract: str
    summary_zh: str
    url: str
    posted_at: str
    starred: bool
    sources: list[Source]


#: The fields of a paper object, in the order the CLI prints them.
PAPER_FIELDS = tuple(Paper.__annotations__)


def normalise_title(title: str) -> str:
    """Case, width, punctuation and spacing folded away: the identity of a paper."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.findall(r"\w+", text))


def paper_key(title: str) -> str:
    return hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()[:16]


def paper_id(title: str) -> str:
    return "paper:" + paper_key(title)


def author_id(name: str) -> str:
    return "author:" + name


def institution_id(name: str) -> str:
    return "institution:" + name


def category_id(code: str) -> str:
    return "category:" + code


def digest_id(name: str) -> str:
    return "digest:" + name


def kind_of(node_id: str) -> str:
    return node_id.split(":", 1)[0]


def key_of(node_id: str) -> str:
    return node_id.split(":", 1)[1]


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    type: str
    attrs: dict = field(default_factory=dict, compare=False, hash=False)


class StoreEdges(NamedTuple):
    """Edges as a store keeps them, in three parallel columns: their ends, and each one's data
    dict as networkx holds it (``type`` and the edge's attributes). The dicts are the store's
    own, shared, not copied: read them, never change them."""

    sources: list[str]
    targets: list[str]
    data: list[dict]


class Subgraph:
    """Nodes (id -> attributes, each with ``kind``) and typed edges between them.

    A store may hand over its edges as :class:`StoreEdges` instead of :class:`Edge` objects
    (``store_edges=``): a 2-hop neighbourhood of a large institution has 124k edges, and
    building an object and a copied dict for each, then collecting them, was nearly half the
    time of selecting it (``python -m bench.bench_export``). ``edges`` then builds the objects on
    first use, and from then on that list is the subgraph's edges; the export writers read
    :meth:`store_edges` first, which never builds them."""

    def __init__(self, nodes: dict[str, dict] | None = None, edges: list[Edge] | None = None,
                 directed: bool = True, store_edges: StoreEdges | None = None):
        self.nodes: dict[str, dict] = {} if nodes is None else nodes
        #: False for symmetric relations (co-authors, institution links): one edge per pair, no direction.
        self.directed = directed
        if store_edges is not None and edges is not None:
            raise ValueError("give a subgraph's edges either as Edge objects or as a store's columns, not both")
        self._store_edges = store_edges
        self._edges: list[Edge] | None = None if store_edges is not None else ([] if edges is None else edges)

    @property
    def edges(self) -> list[Edge]:
        if self._edges is None:
            held = self._store_edges
            if held is None:  # another thread has just built them
                return self._edges
            # each dict copied without its type: the Edge's attributes are its own
            self._edges = [Edge(s, t, (attrs := d.copy()).pop("type"), attrs) for s, t, d in zip(*held)]
            self._store_edges = None
        return self._edges

    @edges.setter
    def edges(self, edges: list[Edge]) -> None:
        self._edges, self._store_edges = edges, None

    def store_edges(self) -> StoreEdges | None:
        """The edges as the store handed them over, while ``edges`` has not been used; else ``None``."""
        return self._store_edges

    def __eq__(self, other) -> bool:
        if not isinstance(other, Subgraph):
            return NotImplemented
        return (self.nodes, self.edges, self.directed) == (other.nodes, other.edges, other.directed)

    def __repr__(self) -> str:
        edges = len(self._edges) if self._edges is not None else len(self._store_edges.sources)
        return f"Subgraph({len(self.nodes)} nodes, {edges} edges, directed={self.directed})"

    def to_networkx(self) -> nx.MultiDiGraph:
        graph = nx.MultiDiGraph()
        for node_id, attrs in self.nodes.items():
            graph.add_node(node_id, **attrs)
        for edge in self.edges:
            graph.add_edge(edge.source, edge.target, key=edge.type, type=edge.type, **edge.attrs)
        return graph

    def edge_keys(self) -> set[tuple[str, str, str]]:
        return {(e.source, e.target, e.type) for e in self.edges}

    def __len__(self) -> int:
        return len(self.nodes)

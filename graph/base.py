"""The ``Store`` interface every backend implements, and what they share.

A store holds the paper graph (see :mod:`graph.model`). Writes go through
:meth:`Store.ingest`, which takes parsed digests; everything else reads.
Implementations: :class:`graph.embedded.EmbeddedStore` (networkx on disk, the
default) and :class:`graph.neo4j_store.Neo4jStore`. Both pass
``tests/test_store_contract.py``.
"""
from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ingest.model import Digest, Problem

from graph.filters import PaperFilter
from graph.model import KINDS, Subgraph, kind_of, normalise_title, paper_key

PAPER_FIELDS = ("id", "title", "title_zh", "category", "authors", "institutions", "abstract", "summary_zh",
                "url", "posted_at", "starred", "sources")


class StoreError(Exception):
    """A problem the user can fix, reported as one line (never a traceback)."""

    exit_code = 2


class LibraryBusy(StoreError):
    """Another process is writing the library."""


class UnknownNode(StoreError):
    def __init__(self, name: str, suggestions: list[str]):
        hint = f"; did you mean: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"no paper, author, institution or category named {name!r}{hint}")
        self.name, self.suggestions = name, suggestions


class AmbiguousName(StoreError):
    def __init__(self, name: str, candidates: list[str]):
        super().__init__(f"{name!r} matches {len(candidates)} nodes: {', '.join(candidates[:8])}; be more specific or use an id")
        self.name, self.candidates = name, candidates


@dataclass
class DigestReport:
    """What ingesting one digest did."""

    name: str
    file: str
    status: str  # "added", "replaced", "unchanged", "rejected"
    added: list[str] = field(default_factory=list)  # paper ids new to the library
    updated: list[str] = field(default_factory=list)  # paper ids whose record changed
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0


@dataclass
class IngestReport:
    digests: list[DigestReport] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for d in self.digests for p in d.problems]

    @property
    def changed_papers(self) -> set[str]:
        return {pid for d in self.digests for pid in d.added + d.updated}


Progress = Callable[[int], None]


def triage_digests(digests: Iterable[tuple[Digest, str]], stored: Callable[[str], dict], report: IngestReport,
                   progress: Progress | None = None) -> list[tuple[Digest, str, DigestReport]]:
    """Report every input digest; return those to write, with their reports.

    ``stored(name)`` gives what the store holds for a digest name: ``{"sha256": …,
    "pending": …}`` or ``{}``. Rejected: no entries, or a second input of this run
    with the same name and other content. Unchanged: same content already stored
    (and not left pending by an interrupted ingest).
    """
    accepted, batch_files = [], {}
    for digest, raw_text in digests:
        rep = DigestReport(digest.name, digest.file, "added", problems=list(digest.problems), entries=len(digest.entries))
        report.digests.append(rep)
        if progress:
            progress(1)
        if not digest.entries:
            rep.status = "rejected"
            continue
        if digest.name in batch_files:
            other_file, other_sha = batch_files[digest.name]
            if other_sha != digest.sha256:
                rep.status = "rejected"
                rep.problems.append(Problem(digest.file, 0, f"another input in this run ({other_file}) is also named "
                                                            f"{digest.name!r}; rename one of them; file rejected"))
            else:
                rep.status = "unchanged"
            continue
        batch_files[digest.name] = (digest.file, digest.sha256)
        state = stored(digest.name)
        if state.get("sha256") == digest.sha256 and not state.get("pending"):
            rep.status = "unchanged"
            continue
        rep.status = "replaced" if state.get("sha256") else "added"
        accepted.append((digest, raw_text, rep))
    return accepted


def public_paper(node: dict) -> dict:
    """The paper object of the CLI contract, from a stored paper node."""
    return {name: node.get(name) for name in PAPER_FIELDS}


class Store(ABC):
    """A paper graph. Node ids are ``kind:key`` (see :mod:`graph.model`)."""

    backend: str = "?"

    # -- writes ---------------------------------------------------------------
    @abstractmethod
    def ingest(self, digests: Iterable[tuple[Digest, str]], progress: Progress | None = None) -> IngestReport:
        """Upsert parsed digests with their raw text. The embedded store commits all
        or nothing; the Neo4j store commits in batches and completes an interrupted
        ingest when the same command runs again."""

    # -- reads ----------------------------------------------------------------
    @abstractmethod
    def get_node(self, node_id: str) -> dict | None:
        """Attributes of a node (with ``kind``), or ``None``."""

    @abstractmethod
    def papers(self, filters: PaperFilter | None = None, ids: Iterable[str] | None = None) -> list[dict]:
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
    def institution_links(self, filters: PaperFilter | None = None, min_weight: int = 1) -> Subgraph:
        """Institutions joined by ``INSTITUTION_LINK`` edges; weight = shared papers."""

    @abstractmethod
    def coauthors(self, filters: PaperFilter | None = None, min_weight: int = 1, author: str | None = None) -> Subgraph:
        """Authors joined by ``COAUTHOR`` edges; weight = shared papers. With
        ``author`` (a node id), only that author's links."""

    @abstractmethod
    def stats(self) -> dict:
        """Counts: papers, authors, institutions, categories, digests, edges, …"""

    @abstractmethod
    def digests(self) -> list[dict]:
        """Digest records (name, file, posted_at, entry_count, sha256), without raw text."""

    @abstractmethod
    def raw_text(self, digest_name: str) -> str | None:
        """The text a digest was ingested from, kept so it can be parsed again."""

    def close(self) -> None:
        """Release resources."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- shared ---------------------------------------------------------------
    def resolve(self, name_or_id: str, kinds: Iterable[str] = KINDS) -> str:
        """Node id for an id, a name (any case), a paper title or a unique title
        fragment. Raises :class:`UnknownNode` (with close names) or :class:`AmbiguousName`."""
        kinds = tuple(kinds)
        text = name_or_id.strip()
        if kind_of(text) in KINDS and self.get_node(text) is not None and kind_of(text) in kinds:
            return text
        if "paper" in kinds and self.get_node("paper:" + text) is not None:
            return "paper:" + text
        if "paper" in kinds and self.get_node("paper:" + paper_key(text)) is not None:
            return "paper:" + paper_key(text)
        folded = text.casefold()
        exact, partial, names = [], [], []
        for kind in kinds:
            for node_id, label in self.node_labels(kind):
                names.append(label)
                if label.casefold() == folded:
                    exact.append(node_id)
                elif kind == "paper" and normalise_title(text) and normalise_title(text) in normalise_title(label):
                    partial.append(node_id)
        for found in (exact, partial):
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise AmbiguousName(text, found)
        raise UnknownNode(text, difflib.get_close_matches(text, names, n=5, cutoff=0.6))

    def node_labels(self, kind: str) -> list[tuple[str, str]]:
        """``(node_id, human name)`` of every node of a kind (see :func:`node_label`);
        a server-backed store answers it without fetching whole nodes."""
        return [(node_id, node_label(attrs)) for node_id, attrs in self.nodes(kind)]

    def show(self, node_id: str) -> dict:
        """The ``paperkg show`` object for a node."""
        node = self.get_node(node_id)
        kind = kind_of(node_id)
        if kind == "paper":
            return {"kind": "paper", "name": node["title"], **public_paper(node)}
        key = node_id.split(":", 1)[1]
        filters = {"author": PaperFilter(), "institution": PaperFilter(), "category": PaperFilter(category=key),
                   "digest": PaperFilter()}[kind]
        paper_ids = [n.split(":", 1)[1] for n, _, _ in self.neighbours(node_id) if kind_of(n) == "paper"]
        papers = self.papers(filters, ids=paper_ids)
        result = {"kind": kind, "name": node_label(node), "id": node_id, **{k: v for k, v in node.items() if k != "kind"}}
        result["papers"] = papers
        if kind == "institution":
            result["partners"] = _co_counts(papers, "institutions", node["name"])
        elif kind == "author":
            result["coauthors"] = _co_counts(papers, "authors", node["name"])
            result["institutions"] = _co_counts(papers, "institutions", None)
        return result


def node_label(attrs: dict) -> str:
    """The human name of a node: a paper's title, a category's code, else its name."""
    kind = attrs.get("kind")
    if kind == "paper":
        return attrs.get("title", "")
    if kind == "category":
        return attrs.get("code", "")
    return attrs.get("name", "")


def _co_counts(papers: list[dict], field: str, exclude: str | None) -> list[dict]:
    """Names appearing with ``exclude`` in ``papers``, with how many papers each shares."""
    counts: dict[str, int] = {}
    for paper in papers:
        for name in dict.fromkeys(paper[field]):
            if name != exclude:
                counts[name] = counts.get(name, 0) + 1
    return [{"name": n, "papers": c} for n, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

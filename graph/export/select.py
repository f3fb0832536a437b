"""Choosing what to export: an ego network, a search's papers, or a derived network.

Filters (:class:`graph.filters.PaperFilter`) narrow every selection by its
papers. For an ego network the rule is *reachability through matching
papers*: a node stays when it lies within ``hops`` of a seed along a path
whose papers all match the filter. So a paper outside the filter is dropped,
and so is everything that was only reachable through such papers, while an
author with one matching paper stays. Seeds always stay, matching or not (they
were named explicitly). ``kinds`` is applied last; edges are only those
directly between kept nodes, never invented through dropped ones.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from paperkg.graph.base import Store
from paperkg.graph.export.errors import EmptySelection, ExportError
from paperkg.graph.filters import PaperFilter
from paperkg.graph.model import KINDS, Subgraph, kind_of
from paperkg.memory import paused_gc

#: What ``--query`` exports around each paper a search returns.
QUERY_KINDS = ("paper", "author", "institution", "category")

#: ``search(query, k, filters) -> paper ids`` (``paper:<key>`` or the bare key), best first.
SearchFunction = Callable[[str, int, PaperFilter | None], list[str]]


def select_subgraph(store: Store, around: Sequence[str] | str | None = None, hops: int = 1,
                    kinds: Iterable[str] | None = None, query: str | None = None, k: int = 10,
                    institution_links: bool = False, coauthors: bool = False, min_weight: int = 1,
                    filters: PaperFilter | None = None, search: SearchFunction | None = None) -> Subgraph:
    """The subgraph to export. Exactly one of ``around`` (names or ids, resolved with
    :meth:`Store.resolve`), ``query``, ``institution_links``, ``coauthors``; ``coauthors``
    with ``around`` (one author) is that author's coauthor network.

    Raises :class:`ExportError` (bad request, exit 2), the store's ``UnknownNode`` /
    ``AmbiguousName`` (exit 2) and :class:`EmptySelection` (nothing selected, exit 1)."""
    with paused_gc():
        return _select(store, around, hops, kinds, query, k, institution_links, coauthors, min_weight, filters, search)


def _select(store, around, hops, kinds, query, k, institution_links, coauthors, min_weight, filters, search) -> Subgraph:
    if isinstance(around, str):
        around = [around]
    around = [a for a in (around or []) if a.strip()]
    modes = [name for name, on in (("--around", bool(around) and not coauthors), ("--query", query is not None),
                                   ("--institution-links", institution_links), ("--coauthors", coauthors)) if on]
    if len(modes) != 1:
        raise ExportError("choose what to export with exactly one of --around, --query, --institution-links, --coauthors"
                          + (f" (got {', '.join(modes)})" if modes else ""))
    keep_kinds = check_kinds(kinds)
    if hops < 0:
        raise ExportError(f"--hops must be 0 or more, not {hops}")
    if min_weight < 1:
        raise ExportError(f"--min-weight must be 1 or more, not {min_weight}")
    filters = filters or None
    within = " within the filters" if filters else ""
    pairs = f"at least {min_weight} paper{'s' if min_weight > 1 else ''}"
    if modes == ["--around"]:
        seeds = [store.resolve(name) for name in around]
        return ego(store, seeds, hops, keep_kinds, filters)
    if modes == ["--query"]:
        sub = _query(store, query, k, hops, keep_kinds, filters, search)
        empty = f"no papers found for {query!r}{within}"
    elif institution_links:
        _check_derived_kind("institution", keep_kinds, "--institution-links")
        sub = store.institution_links(filters, min_weight)
        empty = f"no two institutions share {pairs}{within}"
    else:
        _check_derived_kind("author", keep_kinds, "--coauthors")
        author = None
        if around:
            if len(around) != 1:
                raise ExportError("--coauthors takes one author with --around")
            author = store.resolve(around[0], kinds=("author",))
        sub = store.coauthors(filters, min_weight, author=author)
        empty = (f"{author} shares {pairs} with no coauthor" if author else f"no two authors share {pairs}") + within
    if not sub.nodes:
        raise EmptySelection(f"nothing to export: {empty}")
    if institution_links or coauthors:
        sub = with_paper_counts(sub, store.papers(filters), "institution" if institution_links else "author")
    return sub


#: The paper field naming each kind's nodes, and the field with their ids once entities are resolved.
_PAPER_FIELDS = {"author": ("authors", "author_ids"), "institution": ("institutions", "institution_ids")}


def with_paper_counts(sub: Subgraph, papers: list[dict], kind: str) -> Subgraph:
    """A derived network (symmetric: ``directed`` False) whose nodes also carry ``paper_count`` and
    ``mean_year`` (their papers within the filters), which the network itself, holding no
    papers, cannot tell. Node attributes are copied, never changed in place (they may be the store's)."""
    names_field, ids_field = _PAPER_FIELDS[kind]
    years: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for paper in papers:
        keys = paper.get(ids_field) or paper.get(names_field) or []  # entity keys, or (before resolution) the names
        ids = [k if k.startswith(kind + ":") else f"{kind}:{k}" for k in keys if isinstance(k, str)]
        posted = paper.get("posted_at") or ""
        for node_id in set(ids):
            counts[node_id] = counts.get(node_id, 0) + 1
            if posted[:4].isdigit():
                years.setdefault(node_id, []).append(int(posted[:4]))
    nodes = {}
    for node_id, attrs in sub.nodes.items():
        found = years.get(node_id)
        nodes[node_id] = {**attrs, "paper_count": counts.get(node_id, 0),
                          "mean_year": round(sum(found) / len(found), 2) if found else None}
    return Subgraph(nodes=nodes, edges=sub.edges, directed=False)


def _check_derived_kind(kind: str, kinds: set[str] | None, option: str) -> None:
    if kinds is not None and kind not in kinds:
        raise ExportError(f"{option} is a network of {kind} nodes only; --kinds {','.join(sorted(kinds))} would leave nothing")


def check_kinds(kinds: Iterable[str] | None) -> set[str] | None:
    if kinds is None:
        return None
    chosen = {k.strip().lower() for k in kinds if k.strip()}
    unknown = sorted(chosen - set(KINDS))
    if unknown:
        raise ExportError(f"unknown node kind {unknown[0]!r} in --kinds; use some of: {','.join(KINDS)}")
    return chosen or None


def ego(store: Store, seeds: list[str], hops: int, kinds: set[str] | None, filters: PaperFilter | None) -> Subgraph:
    """The ego network of ``seeds`` narrowed by ``filters`` (see the module docstring)."""
    if not filters:
        return store.ego_subgraph(seeds, hops, kinds)
    full = store.ego_subgraph(seeds, hops)
    seed_set = set(seeds)

    def allowed(node_id: str) -> bool:
        attrs = full.nodes[node_id]
        return node_id in seed_set or attrs.get("kind") != "paper" or filters.matches(attrs)

    reached = within_hops(full, [s for s in seeds if s in full.nodes], hops, allowed)
    narrowed = Subgraph(nodes={n: a for n, a in full.nodes.items() if n in reached},
                        edges=[e for e in full.edges if e.source in reached and e.target in reached])
    return only_kinds(narrowed, kinds, seed_set)


def within_hops(sub: Subgraph, seeds: list[str], hops: int, allowed: Callable[[str], bool]) -> set[str]:
    """Nodes of ``sub`` within ``hops`` of a seed, edges taken either way, entering allowed nodes only."""
    adjacent: dict[str, list[str]] = {}
    for edge in sub.edges:
        adjacent.setdefault(edge.source, []).append(edge.target)
        adjacent.setdefault(edge.target, []).append(edge.source)
    seen = set(seeds)
    frontier = list(seeds)
    for _ in range(hops):
        nxt = []
        for node in frontier:
            for other in adjacent.get(node, ()):
                if other not in seen and allowed(other):
                    seen.add(other)
                    nxt.append(other)
        frontier = nxt
    return seen


def only_kinds(sub: Subgraph, kinds: set[str] | None, keep: Iterable[str]) -> Subgraph:
    """``sub`` with only nodes of ``kinds`` (and ``keep``), and the edges between them."""
    if not kinds:
        return sub
    keep = set(keep)
    nodes = {n: a for n, a in sub.nodes.items() if (a.get("kind") or kind_of(n)) in kinds or n in keep}
    return Subgraph(nodes=nodes, edges=[e for e in sub.edges if e.source in nodes and e.target in nodes],
                    directed=sub.directed)


def _query(store: Store, query: str | None, k: int, hops: int, kinds: set[str] | None,
           filters: PaperFilter | None, search: SearchFunction | None) -> Subgraph:
    if not query or not query.strip():
        raise ExportError("--query needs some text to search for")
    if k < 1:
        raise ExportError(f"-k must be 1 or more, not {k}")
    if search is None:
        raise ExportError("--query needs the search index; select with --around NAME instead")
    found = search(query, k, filters)
    found = [p if p.startswith("paper:") else "paper:" + p for p in found]
    seeds = [p for p in dict.fromkeys(found) if store.get_node(p) is not None][:k]
    if not seeds:
        return Subgraph()
    sub = ego(store, seeds, hops, kinds or set(QUERY_KINDS), filters)
    ranked = [s for s in seeds if s in sub.nodes]  # the papers in the search's order, then the rest
    first = set(ranked)
    sub.nodes = {**{s: sub.nodes[s] for s in ranked}, **{n: a for n, a in sub.nodes.items() if n not in first}}
    return sub

"""Read views over any store: what ``paperkg show`` prints and what the app's pages draw.

Pure functions of a :class:`~paperkg.graph.base.Store`'s primitive reads, so
both backends give the same answer.
"""
from __future__ import annotations

from paperkg.graph.base import Store, node_label, public_paper
from paperkg.graph.filters import PaperFilter
from paperkg.graph.model import Edge, Subgraph, key_of, kind_of


def show(store: Store, node_id: str) -> dict:
    """The ``paperkg show`` object for a node: a paper object, or a node with its papers
    and, for an institution its partners, for an author its co-authors and institutions."""
    node = store.get_node(node_id)
    kind = kind_of(node_id)
    if kind == "paper":
        return {"kind": "paper", "name": node["title"], **public_paper(node)}
    filters = PaperFilter(category=key_of(node_id)) if kind == "category" else PaperFilter()
    paper_ids = [key_of(n) for n, _, _ in store.neighbours(node_id) if kind_of(n) == "paper"]
    papers = store.papers(filters, ids=paper_ids)
    result = {"kind": kind, "name": node_label(node), "id": node_id, **{k: v for k, v in node.items() if k != "kind"}}
    result["papers"] = papers
    if kind == "institution":
        result["partners"] = co_counts(papers, "institutions", node["name"])
    elif kind == "author":
        result["coauthors"] = co_counts(papers, "authors", node["name"])
        result["institutions"] = co_counts(papers, "institutions", None)
    return result


def co_counts(papers: list[dict], field: str, exclude: str | None) -> list[dict]:
    """Names appearing in ``papers`` (other than ``exclude``), with how many papers each is on."""
    counts: dict[str, int] = {}
    for paper in papers:
        for name in dict.fromkeys(paper[field]):
            if name != exclude:
                counts[name] = counts.get(name, 0) + 1
    return [{"name": n, "papers": c} for n, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def paper_neighbourhood(store: Store, paper_id: str, max_papers: int = 20) -> Subgraph:
    """The paper, its authors, institutions and category, and the other papers that
    share the most of those authors and institutions (at most ``max_papers``)."""
    sub = store.ego_subgraph([paper_id], 1, ["paper", "author", "institution", "category"])
    shared: dict[str, list[tuple[str, str]]] = {}
    for entity in [n for n, a in sub.nodes.items() if a["kind"] in ("author", "institution")]:
        for other, edge_type, _ in store.neighbours(entity, ["AUTHORED", "AFFILIATED"]):
            if other != paper_id and kind_of(other) == "paper":
                shared.setdefault(other, []).append((entity, edge_type))
    ranked = sorted(shared, key=lambda p: (-len(shared[p]), p))[:max_papers]
    for other in ranked:
        sub.nodes[other] = store.get_node(other) or {"kind": "paper", "title": other}
        for entity, edge_type in shared[other]:
            source, target = (entity, other) if edge_type == "AUTHORED" else (other, entity)
            sub.edges.append(Edge(source, target, edge_type, {}))
    return sub

"""Read views over any store: what ``paperkg show`` prints and what the app's pages draw.

Pure functions of a :class:`~paperkg.graph.base.Store`'s primitive reads, so
both backends give the same answer.
"""
from __future__ import annotations

from collections import Counter

from paperkg.graph.base import Store, node_label, public_paper
from paperkg.graph.filters import PaperFilter
from paperkg.graph.model import Edge, Subgraph, key_of, kind_of


def show(store: Store, node_id: str, subunits: bool = True) -> dict:
    """The ``paperkg show`` object for a node: a paper object, or a node with its papers
    and, for an institution its partners (and sub-units), for an author its co-authors and
    institutions. An institution's papers include its sub-units' unless ``subunits`` is off."""
    node = store.get_node(node_id)
    kind = kind_of(node_id)
    if kind == "paper":
        return {"kind": "paper", "name": node["title"], **public_paper(node)}
    result = {"kind": kind, "name": node_label(node), "id": node_id, **{k: v for k, v in node.items() if k != "kind"}}
    if kind == "institution":
        units = descendants(store, node_id) if subunits else []
        own = {node_id, *units}
        paper_ids = {key_of(n) for unit in own for n, t, _ in store.neighbours(unit, ["AFFILIATED"])}
        papers = store.papers(ids=sorted(paper_ids))
        result.update(papers=papers, with_subunits=subunits,
                      subunits=_named(store, Counter(k for p in papers for k in set(p["institution_ids"])
                                                      if "institution:" + k in own and "institution:" + k != node_id),
                                      "institution"),
                      partners=_named(store, Counter(k for p in papers for k in set(p["institution_ids"])
                                                      if "institution:" + k not in own), "institution"))
        return result
    filters = PaperFilter(category=key_of(node_id)) if kind == "category" else PaperFilter()
    paper_ids = [key_of(n) for n, _, _ in store.neighbours(node_id) if kind_of(n) == "paper"]
    papers = store.papers(filters, ids=paper_ids)
    result["papers"] = papers
    if kind == "author":
        me = key_of(node_id)
        result["coauthors"] = _named(store, Counter(k for p in papers for k in set(p["author_ids"]) if k != me), "author")
        result["institutions"] = _named(store, Counter(k for p in papers for k in set(p["institution_ids"])),
                                        "institution")
    return result


def descendants(store: Store, node_id: str) -> list[str]:
    """The sub-units of an institution (``PART_OF`` it, at any depth), nearest first."""
    found, frontier = [], [node_id]
    seen = {node_id}
    while frontier:
        # neighbours() gives PART_OF in both directions: a child is one whose parent is the unit
        pairs = [(other, unit) for unit in frontier for other, _, _ in store.neighbours(unit, ["PART_OF"])
                 if other not in seen]
        attrs = store.get_nodes(list(dict.fromkeys(child for child, _ in pairs)))
        frontier = []
        for child, unit in pairs:
            if child not in seen and attrs.get(child, {}).get("parent") == unit:
                seen.add(child)
                found.append(child)
                frontier.append(child)
    return found


def _named(store: Store, counts: Counter, kind: str) -> list[dict]:
    """``[{id, name, papers}]`` most papers first, then by name."""
    nodes = store.get_nodes([f"{kind}:{k}" for k in counts])
    rows = [{"id": f"{kind}:{k}", "name": nodes.get(f"{kind}:{k}", {}).get("name") or k, "papers": c}
            for k, c in counts.items()]
    return sorted(rows, key=lambda r: (-r["papers"], r["name"], r["id"]))


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
    found = store.get_nodes(ranked)
    for other in ranked:
        sub.nodes[other] = found.get(other) or {"kind": "paper", "title": other}
        for entity, edge_type in shared[other]:
            source, target = (entity, other) if edge_type == "AUTHORED" else (other, entity)
            sub.edges.append(Edge(source, target, edge_type, {}))
    return sub

"""VOSviewer JSON: opened by VOSviewer 1.6.16+ (File > Open > VOSviewer JSON file) and VOSviewer Online.

Format: https://app.vosviewer.com/docs/file-types/json-file-type/ . VOSviewer
networks are undirected and weighted: edges between the same two items are
summed into one link whose ``strength`` is the sum of their weights (1 for an
edge without one).

Every item has ``weights`` (``Papers``: how many papers it stands for; ``Links``:
its links in the file) and, where its papers have dates, ``scores``
(``Mean year``: the mean posting year of those papers), so VOSviewer can size
items by papers and colour them by year (its overlay visualisation). A paper
stands for itself; another node for the papers it is linked to in the file, or,
in a derived network that holds no papers, for the ``paper_count`` and
``mean_year`` the selection gave it. No ``cluster`` is written: VOSviewer
clusters the network itself (a mixed-kind map is not pre-split by kind); the
kind is the first line of the ``description``, which is HTML in VOSviewer, so
every value in it is escaped.
"""
from __future__ import annotations

import html

from paperkg.graph.export.clean import flat, native, records
from paperkg.graph.export.json_formats import dumps
from paperkg.graph.model import Subgraph

_DESCRIBED = ("kind", "title_zh", "name_zh", "category", "posted_at", "authors", "institutions", "arxiv")


def _strength(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 1.0
    return float(value)


def _description(row: dict) -> str:
    lines = [f"<b>{html.escape(str(flat(row['label'])))}</b>"]
    for key in _DESCRIBED:
        value = flat(row.get(key))
        if value != "" and value is not None:
            lines.append(f"{html.escape(key)}: {html.escape(str(value))}")
    return "<br>".join(lines)


def _year(paper: dict) -> int | None:
    posted = paper.get("posted_at")
    return int(posted[:4]) if isinstance(posted, str) and posted[:4].isdigit() else None


def paper_weights(subgraph: Subgraph) -> dict[str, tuple[int, float | None]]:
    """Node id -> (papers it stands for, mean year of those papers or ``None``)."""
    papers = {n for n, a in subgraph.nodes.items() if a.get("kind") == "paper"}
    linked: dict[str, set[str]] = {n: ({n} if n in papers else set()) for n in subgraph.nodes}
    for edge in subgraph.edges:
        if edge.source in papers and edge.target in linked:
            linked[edge.target].add(edge.source)
        if edge.target in papers and edge.source in linked:
            linked[edge.source].add(edge.target)
    result = {}
    for node_id, attrs in subgraph.nodes.items():
        if not papers and isinstance(attrs.get("paper_count"), int):
            result[node_id] = (attrs["paper_count"], attrs.get("mean_year"))
            continue
        years = [y for y in (_year(subgraph.nodes[p]) for p in linked[node_id]) if y is not None]
        result[node_id] = (len(linked[node_id]), round(sum(years) / len(years), 2) if years else None)
    return result


def render_vosviewer(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    nodes, edges = records(subgraph)
    strengths: dict[tuple[str, str], float] = {}
    links_at: dict[str, int] = dict.fromkeys(subgraph.nodes, 0)
    for row in edges:
        if row["source"] == row["target"]:
            continue
        pair = tuple(sorted((row["source"], row["target"])))
        if pair not in strengths:
            links_at[pair[0]] += 1
            links_at[pair[1]] += 1
        strengths[pair] = strengths.get(pair, 0.0) + _strength(row.get("weight"))
    weights = paper_weights(subgraph)
    items = []
    for row in nodes:
        count, mean_year = weights[row["id"]]
        item = {"id": native(row["id"]), "label": native(str(flat(row["label"]))), "description": _description(row),
                "weights": {"Papers": count, "Links": links_at[row["id"]]}}
        if mean_year is not None:
            item["scores"] = {"Mean year": mean_year}
        url = row.get("url")
        if isinstance(url, str) and url:
            item["url"] = native(url)
        items.append(item)
    links = [{"source_id": native(a), "target_id": native(b), "strength": s} for (a, b), s in strengths.items()]
    document = {"network": {"items": items, "links": links},
                "config": {"terminology": {"item": "node", "items": "nodes", "link": "link", "links": "links"}},
                "info": {"title": native(title)}}
    return dumps(document)

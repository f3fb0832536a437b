"""VOSviewer JSON: opened by VOSviewer 1.6.16+ (File > Open > VOSviewer JSON file) and VOSviewer Online.

Format: https://app.vosviewer.com/docs/file-types/json-file-type/ . VOSviewer
networks are undirected and weighted: edges between the same two items are
summed into one link whose ``strength`` is the sum of their weights (1 for an
edge without one). When the selection mixes node kinds, each kind is a
cluster, named in ``clusters``; a one-kind network (institution links,
coauthors) has no clusters so VOSviewer computes its own. An item's
``description`` is HTML in VOSviewer, so every value in it is escaped.
"""
from __future__ import annotations

import html

from paperkg.graph.export.clean import flat, native, records
from paperkg.graph.export.json_formats import dumps
from paperkg.graph.model import KINDS, Subgraph

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


def render_vosviewer(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    nodes, edges = records(subgraph)
    kinds_present = list(dict.fromkeys(row["kind"] for row in nodes))
    ordered_kinds = [k for k in KINDS if k in kinds_present] + [k for k in kinds_present if k not in KINDS]
    cluster_of = {kind: i for i, kind in enumerate(ordered_kinds, start=1)} if len(ordered_kinds) > 1 else {}
    items = []
    for row in nodes:
        item = {"id": native(row["id"]), "label": native(str(flat(row["label"]))), "description": _description(row)}
        url = row.get("url")
        if isinstance(url, str) and url:
            item["url"] = native(url)
        if cluster_of:
            item["cluster"] = cluster_of[row["kind"]]
        items.append(item)
    strengths: dict[tuple[str, str], float] = {}
    for row in edges:
        if row["source"] == row["target"]:
            continue
        pair = tuple(sorted((row["source"], row["target"])))
        strengths[pair] = strengths.get(pair, 0.0) + _strength(row.get("weight"))
    links = [{"source_id": native(a), "target_id": native(b), "strength": s} for (a, b), s in strengths.items()]
    network = {"items": items, "links": links}
    if cluster_of:
        network["clusters"] = [{"cluster": n, "label": kind} for kind, n in cluster_of.items()]
    document = {"network": network,
                "config": {"terminology": {"item": "node", "items": "nodes", "link": "link", "links": "links"}},
                "info": {"title": native(title)}}
    return dumps(document)

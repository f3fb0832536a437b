"""Node-link JSON (D3, networkx) and Cytoscape.js elements JSON (Cytoscape, Cytoscape.js).

JSON carries lists and numbers natively, so node-link JSON keeps every value
as it is (``null`` included). Cytoscape's table model wants flat columns, so
there a list of plain values stays a list (a Cytoscape list column), anything
nested becomes a JSON string and ``None`` is left out. Documents go straight
to orjson; only one orjson refuses (a lone surrogate, an integer past 64 bits,
a set) is cleaned value by value with :func:`graph.export.clean.native`.
"""
from __future__ import annotations

import orjson

from paperkg.graph.export.clean import flat, is_plain, native, records
from paperkg.graph.model import Subgraph

_SCALARS = (str, int, float, bool)


def dumps(document) -> bytes:
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    except (TypeError, orjson.JSONEncodeError):
        return orjson.dumps(native(document), option=orjson.OPT_INDENT_2) + b"\n"


def render_node_link(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """``{"directed", "multigraph", "graph", "nodes", "links"}``: what D3's force layout and
    ``networkx.node_link_graph(data, edges="links")`` read."""
    nodes, links = records(subgraph)
    multigraph = _multigraph(links)
    if multigraph:
        for link in links:
            link.setdefault("key", link["type"])
    return dumps({"directed": True, "multigraph": multigraph, "graph": {"name": title}, "nodes": nodes, "links": links})


def _multigraph(edges: list[dict]) -> bool:
    """Whether two edges join the same two nodes in the same direction."""
    pairs = {(e["source"], e["target"]) for e in edges}
    return len(pairs) != len(edges)


def _cytoscape_value(value):
    value = native(value)
    if isinstance(value, list) and all(is_plain(v) and v is not None for v in value):
        return value
    return flat(value)


def _cytoscape_data(row: dict) -> dict:
    return {k: v if v.__class__ in _SCALARS else _cytoscape_value(v) for k, v in row.items() if v is not None}


def render_cytoscape(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """Cytoscape.js ``elements`` JSON (Cytoscape desktop: File > Import > Network from File, ``.cyjs``).
    Every node also gets ``name`` (Cytoscape's label column; the label unless the node has
    a name), every edge an ``id`` and ``interaction`` (its type)."""
    nodes, edges = records(subgraph)
    node_elements = []
    for row in nodes:
        data = _cytoscape_data(row)
        data.setdefault("name", data["label"])
        node_elements.append({"data": data, "group": "nodes"})
    edge_elements = []
    for i, row in enumerate(edges):
        data = {"id": f"e{i}", **_cytoscape_data(row)}
        data.setdefault("interaction", data["type"])
        edge_elements.append({"data": data, "group": "edges"})
    return dumps({
        "format_version": "1.0", "generated_by": "paperkg", "target_cytoscapejs_version": "~3.0",
        "data": {"name": title}, "directed": True, "multigraph": _multigraph(edges),
        "elements": {"nodes": node_elements, "edges": edge_elements},
    })

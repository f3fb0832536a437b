"""Node-link JSON (D3, networkx) and Cytoscape.js elements JSON (Cytoscape, Cytoscape.js).

JSON carries lists and numbers natively, so node-link JSON keeps every value
as it is (``null`` included). Cytoscape's table model wants flat columns, so
there a list of plain values stays a list (a Cytoscape list column), anything
nested becomes a JSON string and ``None`` is left out.
"""
from __future__ import annotations

import orjson

from graph.export.clean import flat, is_plain, native, records
from graph.model import Subgraph


def _dumps(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"


def render_node_link(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """``{"directed", "multigraph", "graph", "nodes", "links"}``: what D3's force layout and
    ``networkx.node_link_graph(data, edges="links")`` read."""
    nodes, edges = records(subgraph)
    pairs = [(e["source"], e["target"]) for e in edges]
    multigraph = len(set(pairs)) != len(pairs)
    links = []
    for row in edges:
        link = {k: native(v) for k, v in row.items()}
        if multigraph:
            link.setdefault("key", row["type"])
        links.append(link)
    return _dumps({
        "directed": True, "multigraph": multigraph, "graph": {"name": native(title)},
        "nodes": [{k: native(v) for k, v in row.items()} for row in nodes],
        "links": links,
    })


def _cytoscape_value(value):
    value = native(value)
    if isinstance(value, list) and all(is_plain(v) and v is not None for v in value):
        return value
    return flat(value)


def _cytoscape_data(row: dict) -> dict:
    return {k: _cytoscape_value(v) for k, v in row.items() if v is not None}


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
    return _dumps({
        "format_version": "1.0", "generated_by": "paperkg", "target_cytoscapejs_version": "~3.0",
        "data": {"name": native(title)},
        "elements": {"nodes": node_elements, "edges": edge_elements},
    })

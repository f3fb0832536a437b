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
from paperkg.graph.layout import picture, picture_columns
from paperkg.graph.model import Subgraph

_SCALARS = (str, int, float, bool)


def dumps(document) -> bytes:
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    except (TypeError, orjson.JSONEncodeError):
        return orjson.dumps(native(document), option=orjson.OPT_INDENT_2) + b"\n"


def render_node_link(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """``{"directed", "multigraph", "graph", "nodes", "links"}``: what D3's force layout and
    ``networkx.node_link_graph(data, edges="links")`` read. Every node also has ``x``, ``y``,
    ``size`` and ``color`` (:mod:`paperkg.graph.layout`)."""
    _, xs, ys, sizes, colours = picture_columns(subgraph)
    nodes, links = records(subgraph, {"x": xs, "y": ys, "size": sizes, "color": colours})
    multigraph = _multigraph(links, subgraph.directed)
    if multigraph:
        for link in links:
            link.setdefault("key", link["type"])
    return dumps({"directed": subgraph.directed, "multigraph": multigraph, "graph": {"name": title}, "nodes": nodes,
                  "links": links})


def _multigraph(edges: list[dict], directed: bool = True) -> bool:
    """Whether two edges join the same two nodes (in the same direction, when directed)."""
    if directed:
        pairs = {(e["source"], e["target"]) for e in edges}
    else:
        pairs = {frozenset((e["source"], e["target"])) for e in edges}
    return len(pairs) != len(edges)


def _cytoscape_value(value):
    value = native(value)
    if isinstance(value, list) and all(is_plain(v) and v is not None for v in value):
        return value
    return flat(value)


def _cytoscape_data(row: dict) -> dict:
    return {k: v if v.__class__ in _SCALARS else _cytoscape_value(v) for k, v in row.items() if v is not None}


def cytoscape_style(subgraph: Subgraph) -> list[dict]:
    """A Cytoscape.js stylesheet drawing the file as the app does: colour and size from each node's
    ``color``/``size``, the label under the node, arrows only on a directed network."""
    return [
        {"selector": "node", "style": {"background-color": "data(color)", "width": "data(size)", "height": "data(size)",
                                       "label": "data(label)", "font-size": 12, "text-valign": "bottom",
                                       "text-max-width": 160, "text-wrap": "ellipsis"}},
        {"selector": "edge", "style": {"width": 1, "opacity": 0.6, "curve-style": "bezier",
                                       "target-arrow-shape": "triangle" if subgraph.directed else "none"}},
    ]


def _free(data: dict, name: str) -> str:
    while name in data:
        name = "_" + name
    return name


def render_cytoscape(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """Cytoscape.js JSON (Cytoscape desktop: File > Import > Network from File, ``.cyjs``;
    ``cytoscape(doc)`` in Cytoscape.js). Every node has ``name`` (Cytoscape's label column;
    the label unless the node has a name), ``color``, ``size`` and a ``position`` from
    :mod:`paperkg.graph.layout`; every edge an ``id`` and ``interaction`` (its type). A node
    field ``parent`` (an institution's parent organisation) is written ``<kind>_parent``. The
    document carries a ``style`` drawing it like the app and the ``preset`` layout, so that
    ``cytoscape({...doc})`` shows it as written."""
    looks = picture(subgraph)
    nodes, edges = records(subgraph)
    node_elements = []
    for row in nodes:
        look = looks[row["id"]]
        data = _cytoscape_data(row)
        if "parent" in data:  # Cytoscape.js reads data.parent as a compound parent and moves the node into it
            data[_free(data, f"{row['kind']}_parent")] = data.pop("parent")
        data.setdefault("name", data["label"])
        data.setdefault("color", look.colour)
        data.setdefault("size", look.size)
        node_elements.append({"data": data, "position": {"x": look.x, "y": look.y}, "group": "nodes"})
    edge_elements = []
    for i, row in enumerate(edges):
        data = {"id": f"e{i}", **_cytoscape_data(row)}
        data.setdefault("interaction", data["type"])
        edge_elements.append({"data": data, "group": "edges"})
    return dumps({
        "format_version": "1.0", "generated_by": "paperkg", "target_cytoscapejs_version": "~3.0",
        "data": {"name": title}, "directed": subgraph.directed, "multigraph": _multigraph(edges, subgraph.directed),
        "elements": {"nodes": node_elements, "edges": edge_elements}, "style": cytoscape_style(subgraph),
        "layout": {"name": "preset"},  # Cytoscape.js: keep the positions (its default layout would move every node)
    })

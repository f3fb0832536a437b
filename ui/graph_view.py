"""Interactive network pictures: a :class:`Subgraph` drawn with st-link-analysis (Cytoscape.js).

Why this component: it is a real graph canvas (drag, zoom, fullscreen, force
layouts) that reports node taps back to Python, so a click can open that
node's page; edge width and node size follow data (shared papers); labels are
drawn on a canvas, so names are never parsed as HTML.

One caveat shapes :func:`elements`: the component's side panel writes every
data field except ``label`` into the page as HTML. So nodes carry only an
opaque id (``n0``…), their kind and counts, and the (untrusted) name goes in
``label`` alone, which the component writes as text. Python keeps the map
from opaque ids back to node ids.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import streamlit as st

from paperkg.graph.base import node_label
from paperkg.graph.model import Subgraph
from paperkg.ui.safe import short

#: Fill colour per node kind, and the Streamlit colour name the legend uses for it.
KIND_COLOURS = {"paper": "#1C83E1", "author": "#FF8700", "institution": "#21C354", "category": "#803DF5",
                "digest": "#808495"}
LEGEND_COLOURS = {"paper": "blue", "author": "orange", "institution": "green", "category": "violet", "digest": "gray"}
FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"


@dataclass(frozen=True)
class _Style:
    """A raw Cytoscape style rule (the component accepts anything with ``dump()``)."""

    selector: str
    style: dict

    def dump(self) -> dict:
        return {"selector": self.selector, "style": self.style}


def weighted_degree(sub: Subgraph) -> dict[str, int]:
    degree = dict.fromkeys(sub.nodes, 0)
    for edge in sub.edges:
        weight = int(edge.attrs.get("weight", 1) or 1)
        degree[edge.source] = degree.get(edge.source, 0) + weight
        degree[edge.target] = degree.get(edge.target, 0) + weight
    return degree


def top_nodes(sub: Subgraph, max_nodes: int, keep: tuple[str, ...] = ()) -> Subgraph:
    """The ``max_nodes`` most connected nodes (by weighted degree; ``keep`` always stays)
    and the edges among them."""
    if len(sub.nodes) <= max_nodes:
        return sub
    degree = weighted_degree(sub)
    ranked = sorted(sub.nodes, key=lambda n: (n not in keep, -degree.get(n, 0), n))
    kept = set(ranked[:max_nodes])
    return Subgraph(nodes={n: a for n, a in sub.nodes.items() if n in kept},
                    edges=[e for e in sub.edges if e.source in kept and e.target in kept])


def elements(sub: Subgraph, focus: str | None = None, label_width: int = 32) -> tuple[dict, list[str]]:
    """Cytoscape elements for ``sub`` and the node ids in opaque-id order (``n<i>`` is ``ids[i]``)."""
    ids = list(sub.nodes)
    index = {node_id: i for i, node_id in enumerate(ids)}
    degree = weighted_degree(sub)
    top = max(degree.values(), default=0) or 1
    nodes = []
    for i, node_id in enumerate(ids):
        attrs = sub.nodes[node_id]
        kind = attrs.get("kind", node_id.split(":", 1)[0])
        nodes.append({"data": {"id": f"n{i}", "label": short(node_label({"kind": kind, **attrs}) or node_id, label_width),
                               "kind": kind, "links": degree.get(node_id, 0), "focus": int(node_id == focus),
                               "size": round(14 + 30 * math.sqrt(degree.get(node_id, 0) / top))}})
    edges = []
    for j, edge in enumerate(sub.edges):
        if edge.source in index and edge.target in index:
            edges.append({"data": {"id": f"e{j}", "source": f"n{index[edge.source]}", "target": f"n{index[edge.target]}",
                                   "label": edge.type, "weight": int(edge.attrs.get("weight", 1) or 1),
                                   "focus": int(focus in (edge.source, edge.target))}})
    return {"nodes": nodes, "edges": edges}, ids


def styles(sub: Subgraph, focus: str | None = None) -> list[_Style]:
    top_weight = max(max((int(e.attrs.get("weight", 1) or 1) for e in sub.edges), default=1), 2)
    rules = [
        _Style("node", {"label": "data(label)", "font-family": FONT, "font-size": 12, "min-zoomed-font-size": 5,
                        "text-valign": "bottom",
                        "text-margin-y": 3, "width": "data(size)", "height": "data(size)", "text-wrap": "ellipsis",
                        "text-max-width": 160}),
        _Style("edge", {"width": f"mapData(weight, 1, {top_weight}, 1, 9)", "curve-style": "haystack", "opacity": 0.6}),
        _Style("node[focus = 1]", {"border-width": 4, "border-color": "#222222", "font-weight": "bold", "font-size": 13}),
    ]
    rules += [_Style(f"node[kind = '{kind}']", {"background-color": colour}) for kind, colour in KIND_COLOURS.items()]
    if focus is not None:  # the focus's own links stand out; links among its neighbours recede
        rules.append(_Style("edge[focus = 0]", {"opacity": 0.12}))
        rules.append(_Style("edge[focus = 1]", {"opacity": 0.8}))
    return rules


def network(sub: Subgraph, key: str, focus: str | None = None, height: int = 420, layout: str = "fcose") -> str | None:
    """Draw ``sub``; returns the node id the user just clicked (once per click), else ``None``.
    Each focus gets its own component instance, so a new page never shows the last one's selection."""
    from st_link_analysis import Event, st_link_analysis

    if focus is not None:
        key = f"{key}-{hashlib.sha1(focus.encode('utf-8')).hexdigest()[:12]}"
    data, ids = elements(sub, focus)
    layout_config = {"name": layout, "animate": False, "fit": True, "padding": 24, "nodeDimensionsIncludeLabels": True}
    if layout == "circle":  # a ring just big enough for the names, not sized by the longest name
        layout_config.update({"nodeDimensionsIncludeLabels": False, "avoidOverlap": False,
                              "radius": 60 + 5 * len(ids)})
    if layout == "radial" and focus in ids:  # the focus in the middle, its neighbours on a ring around it
        layout_config.update({"name": "breadthfirst", "circle": True, "roots": [f"n{ids.index(focus)}"],
                              "spacingFactor": 0.9, "avoidOverlap": True})
    event = st_link_analysis(data, layout=layout_config, node_styles=styles(sub, focus), height=height, key=key,
                             events=[Event("open", "tap", "node")])
    if not isinstance(event, dict) or event.get("action") != "open":
        return None
    seen_key = f"{key}__seen"
    if st.session_state.get(seen_key) == event.get("timestamp"):
        return None
    st.session_state[seen_key] = event.get("timestamp")
    target = str((event.get("data") or {}).get("target_id", ""))
    if target.startswith("n") and target[1:].isdigit() and int(target[1:]) < len(ids):
        return ids[int(target[1:])]
    return None


def legend(kinds: list[str], names: dict[str, str]) -> None:
    """A one-line colour legend (names are interface strings, not library data)."""
    st.caption("  ".join(f":{LEGEND_COLOURS[k]}[●] {names[k]}" for k in kinds))

"""Interactive network pictures: a :class:`Subgraph` drawn by the app's own component.

The component (``ui/assets/network.js``) is an SVG drawn in the page: nodes sit where
:func:`paperkg.graph.layout.layout` puts them (so the app shows what the exports
carry), coloured by kind and sized by the papers they link (the layout's
``KIND_COLOURS`` and ``node_sizes``), edges as wide as their weight. It labels the
largest nodes whose names fit beside them, never over another name or under a node,
shows the rest on hover, zooms and pans, and reports a clicked node back.

Names are library text: the component writes them only as text (``textContent``), and
Python gives it no node id at all — nodes are indices into the list Python keeps.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from paperkg.graph.base import node_label
from paperkg.graph.layout import KIND_COLOURS, layout, node_sizes, weighted_degree
from paperkg.graph.model import Subgraph, kind_of
from paperkg.ui.display import cut
from paperkg.ui.i18n import t
from paperkg.ui.style import FONT

__all__ = ["KIND_COLOURS", "drawing", "legend", "network", "top_nodes", "weighted_degree"]

ASSETS = Path(__file__).resolve().parent / "assets"
#: The Streamlit colour name the legend uses for each kind's colour.
LEGEND_COLOURS = {"paper": "blue", "author": "orange", "institution": "green", "category": "violet", "digest": "gray"}
LABEL_WIDTH = 28
_COMPONENT = st.components.v2.component("paperkg_network", js=(ASSETS / "network.js").read_text(encoding="utf-8"),
                                        css=(ASSETS / "network.css").read_text(encoding="utf-8"), isolate_styles=False)


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


def positions(sub: Subgraph) -> dict:
    """The layout of ``sub``, computed once per distinct subgraph (its nodes, edges and weights)
    in this process: the force layout of 300 nodes takes a fraction of a second, and every
    rerun draws it again."""
    fingerprint = hashlib.sha1(repr((sorted(sub.nodes), sorted((e.source, e.target, str(e.attrs.get("weight")))
                                                                for e in sub.edges))).encode("utf-8")).hexdigest()
    return _layout(fingerprint, sub)


@st.cache_data(show_spinner=False, max_entries=64)
def _layout(fingerprint: str, _sub: Subgraph) -> dict:
    """:func:`layout` keyed by ``fingerprint`` alone (``_sub`` is not hashed)."""
    return layout(_sub)


def drawing(sub: Subgraph, focus: str | None = None, height: int = 420) -> tuple[dict, list[str]]:
    """What the component draws, and the node ids by index (node ``i`` is ``ids[i]``)."""
    ids = list(sub.nodes)
    index = {node_id: i for i, node_id in enumerate(ids)}
    placed, sizes = positions(sub), node_sizes(sub)
    nodes = []
    for node_id in ids:
        attrs = sub.nodes[node_id]
        kind = attrs.get("kind") or kind_of(node_id)
        full = " ".join(str(node_label({"kind": kind, **attrs}) or node_id).split())
        x, y = placed[node_id]
        nodes.append({"x": x, "y": y, "r": sizes[node_id] / 2, "colour": KIND_COLOURS.get(kind, "#808495"),
                      "label": cut(full, LABEL_WIDTH), "full": full, "focus": int(node_id == focus)})
    top = max((_weight(e) for e in sub.edges), default=1) or 1
    edges = [[index[e.source], index[e.target], round(1 + 5 * (_weight(e) - 1) / max(top - 1, 1), 2),
              int(focus in (e.source, e.target))]
             for e in sub.edges if e.source in index and e.target in index and e.source != e.target]
    return {"nodes": nodes, "edges": edges, "height": height, "font": FONT, "text": {"fit": t("network_fit")}}, ids


def _weight(edge) -> float:
    value = edge.attrs.get("weight", 1)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else 1.0


def network(sub: Subgraph, key: str, focus: str | None = None, height: int = 420) -> str | None:
    """Draw ``sub``; returns the node id the user just clicked (in the run the click causes), else ``None``.
    Each focus gets its own component instance, so a new page never inherits the last one's state."""
    if focus is not None:
        key = f"{key}-{hashlib.sha1(focus.encode('utf-8')).hexdigest()[:12]}"
    data, ids = drawing(sub, focus, height)
    result = _COMPONENT(key=key, data=data, height=height, on_clicked_change=lambda: None)
    clicked = getattr(result, "clicked", None)
    if isinstance(clicked, int) and 0 <= clicked < len(ids):
        return ids[clicked]
    return None


def legend(kinds: list[str], names: dict[str, str]) -> None:
    """A one-line colour legend (names are interface strings, not library data)."""
    st.caption("  ".join(f":{LEGEND_COLOURS[k]}[●] {names[k]}" for k in kinds))

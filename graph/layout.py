"""The one picture of a subgraph: node positions, colours by kind and sizes, for the exports and the app.

:func:`layout` is a pure, deterministic function of a :class:`Subgraph` (and a seed):
the same subgraph gives the same coordinates on every machine, so an exported file
opens looking like the app's view of it.

* Up to :data:`FORCE_LIMIT` nodes: networkx's Fruchterman-Reingold spring layout
  (``spring_layout`` with a fixed seed), edges weighted by their ``weight``.
* Larger graphs (a 2-hop neighbourhood of a big institution has ~30k nodes, where a
  force layout takes minutes): the :data:`BACKBONE` best-linked nodes get the spring
  layout, then every other node is put at the mean position of its already placed
  neighbours, layer by layer outwards, with a small seeded offset so that nodes
  sharing the same neighbours do not sit on one point. That is linear in nodes and
  edges (``python -m bench.bench_export`` prints its time) and keeps papers next to
  their institutions and categories, authors next to their papers.

Coordinates are scaled to ``±`` :func:`extent` (grows with the square root of the
node count, so density stays about the same). Sizes follow :func:`node_sizes`:
the number of papers a node is linked to, i.e. its weighted degree (in a derived
network, the papers it shares), on the app's square-root scale. :func:`picture`
gathers all of it for the writers.
"""
from __future__ import annotations

import math
from itertools import repeat
from typing import NamedTuple

import networkx as nx
import numpy as np

from paperkg.graph.model import Subgraph, kind_of

#: Colour of each node kind (hex), as the app draws them.
KIND_COLOURS = {"paper": "#1C83E1", "author": "#FF8700", "institution": "#21C354", "category": "#803DF5",
                "digest": "#808495"}
OTHER_COLOUR = "#808495"
#: Node size range (the app's): the least linked node is MIN_SIZE, the best linked MIN_SIZE + SIZE_SPAN.
MIN_SIZE, SIZE_SPAN = 14, 30
FORCE_LIMIT = 300  # networkx's dense spring layout: ~0.3 s at 300 nodes; it needs scipy past 499
BACKBONE = 100

Position = tuple[float, float]


def colour_of(kind: str) -> str:
    return KIND_COLOURS.get(kind, OTHER_COLOUR)


def rgb(colour: str) -> tuple[int, int, int]:
    """``#RRGGBB`` as three integers."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _weight(value) -> float:
    if value.__class__ is int and value > 0:  # the common case, checked first
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return 1.0
    return float(value)


class _Arrays(NamedTuple):
    """The subgraph as numbers: node ids in order, and each edge's two ends (indexes) and weight."""

    ids: list[str]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray


def _arrays(sub: Subgraph) -> _Arrays:
    ids = list(sub.nodes)
    get = {n: i for i, n in enumerate(ids)}.get
    held = sub.store_edges()
    if held is not None:  # the store's columns (see Subgraph): no Edge objects built
        sources, targets, weights = held.sources, held.targets, [d.get("weight") for d in held.data]
    else:
        sources, targets, weights = ([e.source for e in sub.edges], [e.target for e in sub.edges],
                                     [e.attrs.get("weight") for e in sub.edges])
    count = len(sources)
    src = np.fromiter(map(get, sources, repeat(-1)), dtype=np.int64, count=count)
    dst = np.fromiter(map(get, targets, repeat(-1)), dtype=np.int64, count=count)
    if weights.count(None) == count:  # no edge has a weight: every one counts 1
        weight = np.ones(count)
    else:
        weight = np.array([1.0 if w is None else _weight(w) for w in weights], dtype=float)
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    return _Arrays(ids, src[keep], dst[keep], weight[keep])


def _degrees(arrays: _Arrays) -> np.ndarray:
    count = len(arrays.ids)
    return np.bincount(arrays.src, arrays.weight, count) + np.bincount(arrays.dst, arrays.weight, count)


def weighted_degree(sub: Subgraph) -> dict[str, float]:
    """Sum of the weights (1 when none) of the edges at each node, self-loops left out."""
    arrays = _arrays(sub)
    return dict(zip(arrays.ids, _degrees(arrays).tolist()))


def _sizes(degree: np.ndarray) -> np.ndarray:
    top = float(degree.max()) if degree.size and degree.max() > 0 else 1.0
    return np.rint(MIN_SIZE + SIZE_SPAN * np.sqrt(degree / top)).astype(int)


def node_sizes(sub: Subgraph) -> dict[str, int]:
    """Size of each node: ``MIN_SIZE + SIZE_SPAN * sqrt(degree / top degree)``, rounded."""
    arrays = _arrays(sub)
    return dict(zip(arrays.ids, _sizes(_degrees(arrays)).tolist()))


def node_colours(sub: Subgraph) -> dict[str, str]:
    return {n: colour_of(a.get("kind") or kind_of(n)) for n, a in sub.nodes.items()}


def extent(count: int) -> float:
    """Half the width of the drawing for ``count`` nodes."""
    return max(300.0, 60.0 * math.sqrt(count))


def layout(sub: Subgraph, seed: int = 0) -> dict[str, Position]:
    """Node id -> ``(x, y)``, deterministic for a given subgraph and seed (see the module docstring)."""
    arrays = _arrays(sub)
    return dict(zip(arrays.ids, map(tuple, _layout(arrays, seed).tolist())))


def _layout(arrays: _Arrays, seed: int) -> np.ndarray:
    count = len(arrays.ids)
    if not count:
        return np.zeros((0, 2))
    if count <= FORCE_LIMIT:
        coords = _spring(count, list(zip(arrays.src.tolist(), arrays.dst.tolist(), arrays.weight.tolist())), seed)
    else:
        coords = _backbone_and_means(count, arrays, seed)
    return _scaled(coords, extent(count))


def _spring(count: int, pairs: list[tuple[int, int, float]], seed: int) -> np.ndarray:
    graph = nx.Graph()
    graph.add_nodes_from(range(count))
    for a, b, w in pairs:
        if graph.has_edge(a, b):
            graph[a][b]["weight"] += w
        else:
            graph.add_edge(a, b, weight=w)
    if count == 1:
        return np.zeros((1, 2))
    placed = nx.spring_layout(graph, seed=seed, weight="weight", iterations=60)
    return np.array([placed[i] for i in range(count)], dtype=float)


def _backbone_and_means(count: int, arrays: _Arrays, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    src, dst, weight = arrays.src, arrays.dst, arrays.weight
    degree = _degrees(arrays)
    # the best-linked nodes, ties broken by subgraph order (a stable sort): the same every time
    backbone = np.argsort(-degree, kind="stable")[:BACKBONE]
    in_backbone = np.zeros(count, dtype=bool)
    in_backbone[backbone] = True
    local = {int(n): i for i, n in enumerate(backbone)}
    keep = in_backbone[src] & in_backbone[dst]
    backbone_pairs = [(local[a], local[b], w) for a, b, w in zip(src[keep].tolist(), dst[keep].tolist(),
                                                                  weight[keep].tolist())]
    coords = np.zeros((count, 2))
    coords[backbone] = _spring(len(backbone), backbone_pairs, seed)
    ends = np.concatenate([src, dst])
    others = np.concatenate([dst, src])
    placed = in_backbone.copy()
    spread = 0.08
    while not placed.all():
        links = np.bincount(ends, placed[others], count)
        fresh = ~placed & (links > 0)
        if not fresh.any():  # not connected to anything placed: a ring outside the drawing
            rest = np.flatnonzero(~placed)
            angle = 2 * math.pi * np.arange(len(rest)) / len(rest)
            coords[rest] = 1.15 * np.column_stack([np.cos(angle), np.sin(angle)])
            break
        known = placed[others]
        sums = np.column_stack([np.bincount(ends, coords[others, axis] * known, count) for axis in (0, 1)])
        means = sums[fresh] / links[fresh][:, None]
        angle = rng.uniform(0, 2 * math.pi, int(fresh.sum()))
        radius = spread * np.sqrt(rng.uniform(0, 1, int(fresh.sum())))
        coords[fresh] = means + radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
        placed |= fresh
        spread *= 0.6
    return coords


def _scaled(coords: np.ndarray, half_width: float) -> np.ndarray:
    """Centred on the origin, the farthest coordinate at ``half_width``; rounded to 0.01."""
    coords = coords - coords.mean(axis=0)
    reach = float(np.abs(coords).max()) if coords.size else 0.0
    if reach > 0:
        coords = coords * (half_width / reach)
    return np.round(coords, 2)


class Look(NamedTuple):
    """How one node is drawn."""

    x: float
    y: float
    size: int
    colour: str


def picture(sub: Subgraph, seed: int = 0) -> dict[str, Look]:
    """Node id -> :class:`Look`: the layout, the size and the colour of every node."""
    ids, xs, ys, sizes, colours = picture_columns(sub, seed)
    return {n: Look(*look) for n, *look in zip(ids, xs, ys, sizes, colours)}


def picture_columns(sub: Subgraph, seed: int = 0) -> tuple[list[str], list[float], list[float], list[int], list[str]]:
    """:func:`picture` as columns in the subgraph's node order: ids, x, y, size, colour (the
    writers of large files take them column by column)."""
    arrays = _arrays(sub)
    coords = _layout(arrays, seed)
    colours = list(node_colours(sub).values())  # in node order, as the ids
    return arrays.ids, coords[:, 0].tolist(), coords[:, 1].tolist(), _sizes(_degrees(arrays)).tolist(), colours

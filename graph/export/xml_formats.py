"""GraphML (Gephi, yEd, Cytoscape, igraph) and GEXF 1.2 (Gephi), written directly.

Both are built column by column, one table per node kind and per edge type
(each attribute flattened, typed and escaped as one list, then joined row by
row), which keeps the Python work per value small: a 30k-node, 120k-edge
neighbourhood is written in about a second. Nodes are grouped by kind and
edges by type in the file. Each attribute is declared once per domain with
one type; a column holding different types is declared ``string``. Values
are flattened by :func:`graph.export.clean.flat`; characters XML cannot hold
are removed from the finished document (:func:`graph.export.clean.xml_utf8`).
"""
from __future__ import annotations

import math
from dataclasses import replace
from itertools import repeat

from paperkg.graph.export.clean import (LIST_SEPARATOR, MISSING, edge_groups, flat, group_columns, nmtoken,
                                        node_groups, unique_names, xml_name, xml_utf8)
from paperkg.graph.layout import picture, rgb
from paperkg.graph.model import Subgraph

_INT64 = 2 ** 63


def escape_texts(texts: list) -> list:
    """Element content: ``& < >`` and carriage returns (which parsers would turn into newlines)."""
    return [t if t is None or not ("&" in t or "<" in t or ">" in t or "\r" in t) else
            t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;") for t in texts]


def escape_attrs(texts: list) -> list:
    """Attribute values: also ``"`` and the whitespace that attribute normalisation would fold."""
    return [t if t is None or not ("&" in t or "<" in t or ">" in t or '"' in t or "\n" in t or "\r" in t or "\t" in t)
            else t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;") for t in texts]


def _text_cells(texts: list, before: str, after: str) -> list[str]:
    """``before + escaped text + after`` per row (element content), ``""`` where there is no text."""
    return ["" if t is None else before + (
        t if not ("&" in t or "<" in t or ">" in t or "\r" in t) else
        t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")) + after
        for t in texts]


def _attr_cells(texts: list, before: str, after: str) -> list[str]:
    """The same for attribute values."""
    return ["" if t is None else before + (
        t if not ("&" in t or "<" in t or ">" in t or '"' in t or "\n" in t or "\r" in t or "\t" in t) else
        t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")) + after
        for t in texts]


def _to_str(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


_MISSING_CLASS = MISSING.__class__
_TYPE_ORDER = {"boolean": 0, "long": 1, "double": 2}


class _Segment:
    """One group's values of one column: flattened once, with the type they need."""

    def __init__(self, raw: list):
        present = {v.__class__ for v in raw}
        self.complete = _MISSING_CLASS not in present  # every row has a value
        self.all_text = True  # every value present is a str
        self.all_floats = False  # every row has a finite float
        classes = present - {_MISSING_CLASS}
        if classes <= {str}:
            self.values, self.type = raw, "string"  # the common case: nothing to flatten
            return
        if classes == {float} and _MISSING_CLASS not in present and all(map(math.isfinite, raw)):
            self.values, self.type, self.all_text = raw, "double", False  # coordinates: nothing to flatten
            self.all_floats = True
            return
        if classes == {int}:
            numbers = raw if _MISSING_CLASS not in present else [v for v in raw if v is not MISSING]
            if -_INT64 <= min(numbers) and max(numbers) < _INT64:
                self.values, self.type, self.all_text = raw, "long", False
                return
        if classes == {list}:  # lists of names or positions: joined without a call per value
            items = {x.__class__ for v in raw if v is not MISSING for x in v}
            if items <= {str}:
                self.values, self.type = [v if v is MISSING else LIST_SEPARATOR.join(v) for v in raw], "string"
                return
            if items <= {int}:
                self.values = [v if v is MISSING else LIST_SEPARATOR.join(map(str, v)) for v in raw]
                self.type = "string"
                return
        values = [v if v is MISSING else flat(v) for v in raw]
        classes = {v.__class__ for v in values} - {_MISSING_CLASS}
        if str in classes and all(v == "" for v in values if v.__class__ is str):
            classes.discard(str)  # "" from None does not make a numeric column a string one
        self.values = values
        self.all_text = {v.__class__ for v in values} - {_MISSING_CLASS} <= {str}
        if not classes:
            self.type = "empty"
        elif classes == {bool}:
            self.type = "boolean"
        elif classes == {int}:
            self.type = "long"
        elif classes <= {int, float}:
            self.type = "double"
        else:
            self.type = "string"

    def texts(self, column_type: str) -> list:
        """The cell text of each row, ``None`` where there is no cell."""
        if self.type == "long":
            return list(map(str, self.values)) if self.complete else [None if v is MISSING else str(v) for v in self.values]
        if self.all_floats and column_type == "double":
            return list(map(repr, self.values))
        if column_type == "string":
            if self.complete and self.all_text:
                return self.values  # already all text, nothing missing
            if self.type == "string":
                return [v if v.__class__ is str else None if v is MISSING else _to_str(v) for v in self.values]
            return [None if v is MISSING else v if v.__class__ is str else _to_str(v) for v in self.values]
        return [None if v is MISSING or v.__class__ is str else _to_str(v) for v in self.values]  # "" from None: no cell


def _column_type(types: list[str]) -> str:
    """The one type for segments of ``types``: ``string`` unless all agree on numbers or booleans."""
    kinds = set(types) - {"empty"}
    if not kinds or "string" in kinds or ("boolean" in kinds and len(kinds) > 1):
        return "string"
    return max(kinds, key=_TYPE_ORDER.__getitem__)


class _Columns:
    """The declared attributes of one domain (node or edge): XML names, types, and per group
    the cell text of every row (``None``: no cell)."""

    def __init__(self, groups: list[tuple[str, dict[str, list]]], skip: tuple[str, ...], id_prefix: str = "d"):
        keys = [k for k in group_columns(groups) if k not in skip]
        self.keys = keys
        self.names = unique_names(keys, xml_name)
        segments = [{k: _Segment(table[k]) for k in keys if k in table} for _, table in groups]
        self.types = {k: _column_type([s[k].type for s in segments if k in s]) for k in keys}
        self.ids = {k: f"{id_prefix}{n}" for n, k in enumerate(keys)}
        self.texts = [{k: seg.texts(self.types[k]) for k, seg in s.items()} for s in segments]

    def cells(self, group: int, template: str, make) -> list[list[str]]:
        """Per column of the group, ``template`` (``{id}``, and ``{}`` for the escaped text) per row, or ``""``."""
        out = []
        for key, texts in self.texts[group].items():
            before, after = template.replace("{id}", self.ids[key]).split("{}")
            if self.types[key] == "string":
                out.append(make(texts, before, after))
            else:  # numbers and booleans need no escaping
                out.append(["" if t is None else before + t + after for t in texts])
        return out


def _rows(opening: list[str], cells: list[list[str]], closing: str) -> list[str]:
    if not cells:
        return [o + closing for o in opening]
    return list(map("".join, zip(opening, *cells, repeat(closing))))


#: Gephi's GraphML importer reads these node keys (matched by key id, then attr.name) as its own
#: drawing properties; the look columns use exactly these names (see :func:`look_columns`).
GRAPHML_LOOK = ("x", "y", "size", "r", "g", "b")


def look_columns(subgraph: Subgraph, hex_colour: bool = True) -> dict[str, dict]:
    """The picture of :mod:`paperkg.graph.layout` as node columns: ``x``, ``y``, ``size``, ``r``, ``g``,
    ``b`` (Gephi's GraphML names; graphology-graphml turns ``r``/``g``/``b`` into Sigma's ``color``)
    and, with ``hex_colour``, ``color`` (``#RRGGBB``)."""
    looks = picture(subgraph)
    channels = {colour: rgb(colour) for colour in {look.colour for look in looks.values()}}
    columns: dict[str, dict] = {"x": {n: v.x for n, v in looks.items()}, "y": {n: v.y for n, v in looks.items()},
                                "size": {n: v.size for n, v in looks.items()}}
    for i, channel in enumerate(("r", "g", "b")):
        columns[channel] = {n: channels[v.colour][i] for n, v in looks.items()}
    if hex_colour:
        columns["color"] = {n: v.colour for n, v in looks.items()}
    return columns


def render_graphml(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """GraphML 1.0 that validates against its XSD: node ids are ``xs:NMTOKEN``s (:func:`nmtoken`,
    told apart by ``_2``… where two clean to the same), the readable id is the ``node_id``
    attribute. Key ids are ``n0…``/``e0…`` because Gephi reads the key *id* before its name
    (``d3`` would be taken as the node label, ``d7`` as the edge label)."""
    xml_ids = unique_names(subgraph.nodes, nmtoken)
    nodes = node_groups(subgraph, {"node_id": {n: n for n in subgraph.nodes}, **look_columns(subgraph, hex_colour=False)})
    # an edge whose end is not among the nodes is left out, as by the other writers
    edges = edge_groups(replace(subgraph, edges=[e for e in subgraph.edges if e.source in xml_ids and e.target in xml_ids]))
    node_cols = _Columns(nodes, ("id",), id_prefix="n")
    edge_cols = _Columns(edges, ("source", "target"), id_prefix="e")
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n',
           f"  <desc>{escape_texts([title])[0]}</desc>\n"]
    for domain, cols in (("node", node_cols), ("edge", edge_cols)):
        for key in cols.keys:
            out.append(f'  <key id="{cols.ids[key]}" for="{domain}" attr.name="{escape_attrs([cols.names[key]])[0]}" '
                       f'attr.type="{cols.types[key]}"/>\n')
    out.append(f'  <graph id="G" edgedefault="{"directed" if subgraph.directed else "undirected"}">\n')
    for number, (_, table) in enumerate(nodes):
        out += _rows([f'    <node id="{xml_ids[i]}">' for i in table["id"]],
                     node_cols.cells(number, '<data key="{id}">{}</data>', _text_cells), "</node>\n")
    count = 0
    for number, (_, table) in enumerate(edges):
        pairs = zip(table["source"], table["target"])
        opening = [f'    <edge id="e{n}" source="{xml_ids[s]}" target="{xml_ids[t]}">'
                   for n, (s, t) in enumerate(pairs, start=count)]
        count += len(opening)
        out += _rows(opening, edge_cols.cells(number, '<data key="{id}">{}</data>', _text_cells), "</edge>\n")
    out.append("  </graph>\n</graphml>\n")
    return xml_utf8("".join(out))


def _weight(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _attvalues(cols: _Columns, group: int, count: int) -> list[str]:
    cells = cols.cells(group, '<attvalue for="{id}" value="{}"/>', _attr_cells)
    if not cells:
        return [""] * count
    return [f"<attvalues>{body}</attvalues>" if body else "" for body in map("".join, zip(*cells))]


def _viz(look) -> str:
    r, g, b = rgb(look.colour)
    return (f'<viz:color r="{r}" g="{g}" b="{b}"/><viz:position x="{look.x!r}" y="{look.y!r}" z="0.0"/>'
            f'<viz:size value="{look.size}.0"/>')


def render_gexf(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """GEXF 1.2: a node's ``label`` and an edge's ``weight`` are GEXF's own XML
    attributes; an edge's ``label`` is its type (also an attribute ``type``); every node has
    ``viz`` colour, position and size (:mod:`paperkg.graph.layout`)."""
    nodes, edges = node_groups(subgraph), edge_groups(subgraph)
    node_cols = _Columns(nodes, ("id", "label"), id_prefix="")
    native_weight = all(_weight(w) is not None for _, table in edges for w in table.get("weight", ()) if w is not MISSING)
    edge_cols = _Columns(edges, ("source", "target", "weight") if native_weight else ("source", "target"), id_prefix="")
    looks = picture(subgraph)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n',
           f"  <meta><creator>paperkg</creator><description>{escape_texts([title])[0]}</description></meta>\n",
           f'  <graph mode="static" defaultedgetype="{"directed" if subgraph.directed else "undirected"}">\n']
    for domain, cols in (("node", node_cols), ("edge", edge_cols)):
        out.append(f'    <attributes class="{domain}" mode="static">\n')
        for key in cols.keys:
            out.append(f'      <attribute id="{cols.ids[key]}" title="{escape_attrs([cols.names[key]])[0]}" '
                       f'type="{cols.types[key]}"/>\n')
        out.append("    </attributes>\n")
    out.append("    <nodes>\n")
    for number, (_, table) in enumerate(nodes):
        opening = [f'      <node id="{i}" label="{label}">'
                   for i, label in zip(escape_attrs(table["id"]), escape_attrs(table["label"]))]
        out += _rows(opening, [_attvalues(node_cols, number, len(opening)), [_viz(looks[n]) for n in table["id"]]],
                     "</node>\n")
    out.append("    </nodes>\n    <edges>\n")
    count = 0
    for number, (_, table) in enumerate(edges):
        size = len(table["source"])
        weights = [_weight(w) for w in table["weight"]] if native_weight and "weight" in table else [None] * size
        rows = zip(escape_attrs(table["source"]), escape_attrs(table["target"]), escape_attrs(table["type"]), weights)
        opening = [f'      <edge id="{n}" source="{s}" target="{t}" label="{ty}"'
                   + ("" if w is None else f' weight="{w!r}"') + ">" for n, (s, t, ty, w) in enumerate(rows, start=count)]
        count += size
        out += _rows(opening, [_attvalues(edge_cols, number, size)], "</edge>\n")
    out.append("    </edges>\n  </graph>\n</gexf>\n")
    return xml_utf8("".join(out))

"""GraphML (Gephi, yEd, Cytoscape, igraph) and GEXF 1.2 (Gephi), written directly.

Both are built column by column, one table per node kind and per edge type:
each attribute is flattened, typed and escaped as one list (checked for
characters to escape once per column, at C speed), and each table's rows are
one ``%`` template filled per row, so the Python work per value stays small: a
30k-node, 120k-edge neighbourhood is written in 1.0–1.8 s
(``python -m bench.bench_export``). Nodes are grouped by kind and edges by
type in the file. Each attribute is declared once per domain with
one type; a column holding different types is declared ``string``. Values
are flattened by :func:`graph.export.clean.flat`; characters XML cannot hold
are removed from the finished document (:func:`graph.export.clean.xml_utf8`).
"""
from __future__ import annotations

import math
import re

from paperkg.graph.export.clean import (LIST_SEPARATOR, MISSING, edge_groups, flat, group_columns, nmtoken,
                                        node_groups, unique_names, xml_name, xml_utf8)
from paperkg.graph.layout import picture_columns, rgb
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


_TEXT_SPECIALS = ("&", "<", ">", "\r")
_ATTR_SPECIALS = ("&", "<", ">", '"', "\n", "\r", "\t")


def escape_column(texts: list, attribute: bool) -> list:
    """A column of texts (``None``: no cell) escaped for element content or, with ``attribute``,
    for attribute values; the whole column is checked first, so a column with nothing to escape
    (nearly all of them) costs one scan at C speed and comes back as it is."""
    present = [t for t in texts if t is not None] if None in texts else texts
    joined = "".join(present)
    if not any(c in joined for c in (_ATTR_SPECIALS if attribute else _TEXT_SPECIALS)):
        return texts
    return (escape_attrs if attribute else escape_texts)(texts)


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
        present = set(map(type, raw))
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
        if classes == {list}:  # lists of names or positions: joined without Python code per value
            lists = raw if self.complete else [v for v in raw if v is not MISSING]
            joined = _joined_lists(lists)
            if joined is not None:
                if not self.complete:
                    rows = iter(joined)
                    joined = [v if v is MISSING else next(rows) for v in raw]
                self.values, self.type = joined, "string"
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


_INT_LISTS = re.compile(r"\[[\[\]0-9, -]*\]")


def _joined_lists(lists: list[list]) -> list[str] | None:
    """Each list joined with ``"; "`` when all hold only strings or only integers, else ``None``;
    with no Python code per value (edges' ``positions`` are 68k small lists): ``str.join``
    refuses anything but strings, and lists of integers are cut out of the ``repr`` of all of
    them at once (``[[1], [2, 3], []]`` -> ``["1", "2; 3", ""]``)."""
    try:
        return list(map(LIST_SEPARATOR.join, lists))
    except TypeError:
        pass
    first = next((v for v in lists if v), [0])
    if first[0].__class__ is not int:
        return None  # not worth the repr of the whole column
    text = repr(lists)
    if not _INT_LISTS.fullmatch(text):
        return None  # floats, booleans, dicts or a mix: flattened value by value
    body = text[2:-2].replace("], [", "\x00")
    if "[" in body or "]" in body:
        return None  # lists inside the lists
    return body.replace(", ", LIST_SEPARATOR).split("\x00")


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

    def cells(self, group: int, cell: str, attribute: bool) -> tuple[str, list[list[str]]]:
        """The group's columns as a row template fragment and the columns filling it: ``cell``
        (``{id}``, and ``{}`` for the escaped text) around each value. A column every row has is
        part of the template; one some rows lack is a ``%s`` filled with the whole cell or ``""``."""
        fragment, columns = [], []
        for key, texts in self.texts[group].items():
            before, after = cell.replace("{id}", self.ids[key]).split("{}")
            if self.types[key] == "string":
                texts = escape_column(texts, attribute)  # numbers and booleans need no escaping
            if None in texts:
                fragment.append("%s")
                columns.append(["" if t is None else before + t + after for t in texts])
            else:
                fragment.append(before.replace("%", "%%") + "%s" + after.replace("%", "%%"))
                columns.append(texts)
        return "".join(fragment), columns


def _rows(template: str, columns: list[list]) -> str:
    """Every row of a table: ``template`` filled with one value of each column."""
    return "".join(map(template.__mod__, zip(*columns)))


#: Gephi's GraphML importer reads these node keys (matched by key id, then attr.name) as its own
#: drawing properties; the look columns use exactly these names (see :func:`look_columns`).
GRAPHML_LOOK = ("x", "y", "size", "r", "g", "b")


def look_columns(subgraph: Subgraph, hex_colour: bool = True) -> dict[str, list]:
    """The picture of :mod:`paperkg.graph.layout` as node columns in subgraph order: ``x``, ``y``,
    ``size``, ``r``, ``g``, ``b`` (Gephi's GraphML names; graphology-graphml turns ``r``/``g``/``b``
    into Sigma's ``color``) and, with ``hex_colour``, ``color`` (``#RRGGBB``)."""
    _, xs, ys, sizes, colours = picture_columns(subgraph)
    channels = {colour: rgb(colour) for colour in set(colours)}
    columns: dict[str, list] = {"x": xs, "y": ys, "size": sizes}
    for i, channel in enumerate(("r", "g", "b")):
        of_colour = {colour: values[i] for colour, values in channels.items()}
        columns[channel] = list(map(of_colour.__getitem__, colours))
    if hex_colour:
        columns["color"] = colours
    return columns


def _with_both_ends(subgraph: Subgraph) -> Subgraph:
    """The subgraph less any edge whose end is not among its nodes (left out, as by the other
    writers); a store's neighbourhood has none, which is checked without building its edges."""
    held, nodes = subgraph.store_edges(), subgraph.nodes
    if held is not None and all(map(nodes.__contains__, held.sources)) and all(map(nodes.__contains__, held.targets)):
        return subgraph
    return Subgraph(nodes, [e for e in subgraph.edges if e.source in nodes and e.target in nodes], subgraph.directed)


def render_graphml(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """GraphML 1.0 that validates against its XSD: node ids are ``xs:NMTOKEN``s (:func:`nmtoken`,
    told apart by ``_2``… where two clean to the same), the readable id is the ``node_id``
    attribute. Key ids are ``n0…``/``e0…`` because Gephi reads the key *id* before its name
    (``d3`` would be taken as the node label, ``d7`` as the edge label)."""
    xml_ids = unique_names(subgraph.nodes, nmtoken)
    nodes = node_groups(subgraph, {"node_id": list(subgraph.nodes), **look_columns(subgraph, hex_colour=False)})
    edges = edge_groups(_with_both_ends(subgraph))
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
    cell = '<data key="{id}">{}</data>'
    for number, (_, table) in enumerate(nodes):
        fragment, columns = node_cols.cells(number, cell, attribute=False)
        out.append(_rows('    <node id="%s">' + fragment + "</node>\n", [list(map(xml_ids.__getitem__, table["id"])),
                                                                           *columns]))
    count = 0
    for number, (_, table) in enumerate(edges):
        size = len(table["source"])
        fragment, columns = edge_cols.cells(number, cell, attribute=False)
        out.append(_rows('    <edge id="e%s" source="%s" target="%s">' + fragment + "</edge>\n",
                         [range(count, count + size), list(map(xml_ids.__getitem__, table["source"])),
                          list(map(xml_ids.__getitem__, table["target"])), *columns]))
        count += size
    out.append("  </graph>\n</graphml>\n")
    return b"".join(map(xml_utf8, out))  # per table: only tables holding Chinese are 2 bytes a character


def _weight(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _attvalues(cols: _Columns, group: int) -> tuple[str, list[list[str]]]:
    """The ``<attvalues>`` of a group as a template fragment and its columns (see :meth:`_Columns.cells`);
    a row with no value at all gets no ``<attvalues>`` element."""
    fragment, columns = cols.cells(group, '<attvalue for="{id}" value="{}"/>', attribute=True)
    if not columns:
        return "", []
    if fragment.replace("%s", ""):  # some column every row has: the element is never empty
        return "<attvalues>" + fragment + "</attvalues>", columns
    return "%s", [[f"<attvalues>{body}</attvalues>" if body else "" for body in map("".join, zip(*columns))]]


_VIZ = '<viz:color r="%s" g="%s" b="%s"/><viz:position x="%r" y="%r" z="0.0"/><viz:size value="%s.0"/>'


def render_gexf(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """GEXF 1.2: a node's ``label`` and an edge's ``weight`` are GEXF's own XML
    attributes; an edge's ``label`` is its type (also an attribute ``type``); every node has
    ``viz`` colour, position and size (:mod:`paperkg.graph.layout`)."""
    nodes, edges = node_groups(subgraph), edge_groups(subgraph)
    node_cols = _Columns(nodes, ("id", "label"), id_prefix="")
    native_weight = all(_weight(w) is not None for _, table in edges for w in table.get("weight", ()) if w is not MISSING)
    edge_cols = _Columns(edges, ("source", "target", "weight") if native_weight else ("source", "target"), id_prefix="")
    ids, xs, ys, sizes, colours = picture_columns(subgraph)
    channels = {colour: rgb(colour) for colour in set(colours)}
    viz = {n: (*channels[c], x, y, s) for n, c, x, y, s in zip(ids, colours, xs, ys, sizes)}  # r, g, b, x, y, size
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
        fragment, columns = _attvalues(node_cols, number)
        looks = list(zip(*map(viz.__getitem__, table["id"])))
        out.append(_rows('      <node id="%s" label="%s">' + fragment + _VIZ + "</node>\n",
                         [escape_column(table["id"], True), escape_column(table["label"], True), *columns, *looks]))
    out.append("    </nodes>\n    <edges>\n")
    count = 0
    for number, (_, table) in enumerate(edges):
        size = len(table["source"])
        weights = [_weight(w) for w in table["weight"]] if native_weight and "weight" in table else [None] * size
        fragment, columns = _attvalues(edge_cols, number)
        out.append(_rows('      <edge id="%s" source="%s" target="%s" label="%s"%s>' + fragment + "</edge>\n",
                         [range(count, count + size), escape_column(table["source"], True),
                          escape_column(table["target"], True), escape_column(table["type"], True),
                          ["" if w is None else f' weight="{w!r}"' for w in weights], *columns]))
        count += size
    out.append("    </edges>\n  </graph>\n</gexf>\n")
    return b"".join(map(xml_utf8, out))  # per table: only tables holding Chinese are 2 bytes a character

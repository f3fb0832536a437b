"""GraphML (Gephi, yEd, Cytoscape, igraph) and GEXF 1.2 (Gephi), written directly.

Both are streamed into a list of strings rather than built as a tree: the
largest exports (tens of thousands of nodes) stay well within a second. Each
attribute is declared once per domain with one type; a column holding
different types is declared ``string``. Values are flattened by
:func:`graph.export.clean.flat` and stripped of characters XML cannot hold.
"""
from __future__ import annotations

from graph.export.clean import column_type, columns, flat, records, unique_names, xml_name, xml_text
from graph.model import Subgraph

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def esc_text(value) -> str:
    return xml_text(_to_str(value)).translate(_TEXT)


def esc_attr(value) -> str:
    return xml_text(_to_str(value)).translate(_ATTR)


def _to_str(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


class _Column:
    """One declared attribute: its cleaned XML name, its type and its values' encoder."""

    def __init__(self, key: str, name: str, rows: list[dict]):
        self.key, self.name = key, name
        self.type = column_type(flat(row[key]) for row in rows if key in row)

    def value(self, raw):
        """The cell text for ``raw``, or ``None`` when nothing is written (``None`` in a numeric column)."""
        value = flat(raw)
        if self.type == "string":
            return _to_str(value)
        if value == "" and isinstance(value, str):
            return None
        return value


def _declare(rows: list[dict], skip: tuple[str, ...]) -> list[_Column]:
    keys = [k for k in columns(rows) if k not in skip]
    names = unique_names(keys, xml_name)
    return [_Column(k, names[k], rows) for k in keys]


def render_graphml(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    nodes, edges = records(subgraph)
    node_cols = _declare(nodes, ("id",))
    edge_cols = _declare(edges, ("source", "target"))
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n',
           f'  <desc>{esc_text(title)}</desc>\n']
    declared = [("node", c) for c in node_cols] + [("edge", c) for c in edge_cols]
    for number, (domain, col) in enumerate(declared):
        col.id = f"d{number}"
        out.append(f'  <key id="{col.id}" for="{domain}" attr.name="{esc_attr(col.name)}" '
                   f'attr.type="{col.type}"/>\n')
    out.append('  <graph id="G" edgedefault="directed">\n')
    for row in nodes:
        out.append(f'    <node id="{esc_attr(row["id"])}">')
        _graphml_data(out, row, node_cols)
        out.append("</node>\n")
    for i, row in enumerate(edges):
        out.append(f'    <edge id="e{i}" source="{esc_attr(row["source"])}" target="{esc_attr(row["target"])}">')
        _graphml_data(out, row, edge_cols)
        out.append("</edge>\n")
    out.append("  </graph>\n</graphml>\n")
    return "".join(out).encode("utf-8")


def _graphml_data(out: list[str], row: dict, cols: list[_Column]) -> None:
    for col in cols:
        if col.key in row:
            value = col.value(row[col.key])
            if value is not None:
                out.append(f'<data key="{col.id}">{esc_text(value)}</data>')


def render_gexf(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """GEXF 1.2: a node's ``label`` and an edge's ``weight`` are GEXF's own XML
    attributes; an edge's ``label`` is its type (also an attribute ``type``)."""
    nodes, edges = records(subgraph)
    node_cols = _declare(nodes, ("id", "label"))
    native_weight = all(_weight(row["weight"]) is not None for row in edges if "weight" in row)
    edge_cols = _declare(edges, ("source", "target", "weight") if native_weight else ("source", "target"))
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           '<gexf xmlns="http://www.gexf.net/1.2draft" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n',
           f'  <meta><creator>paperkg</creator><description>{esc_text(title)}</description></meta>\n',
           '  <graph mode="static" defaultedgetype="directed">\n']
    for domain, cols in (("node", node_cols), ("edge", edge_cols)):
        out.append(f'    <attributes class="{domain}" mode="static">\n')
        for i, col in enumerate(cols):
            col.id = str(i)
            out.append(f'      <attribute id="{i}" title="{esc_attr(col.name)}" type="{col.type}"/>\n')
        out.append("    </attributes>\n")
    out.append("    <nodes>\n")
    for row in nodes:
        out.append(f'      <node id="{esc_attr(row["id"])}" label="{esc_attr(flat(row["label"]))}">')
        _gexf_attvalues(out, row, node_cols)
        out.append("</node>\n")
    out.append("    </nodes>\n    <edges>\n")
    for i, row in enumerate(edges):
        weight = _weight(row.get("weight")) if native_weight else None
        weight_attr = f' weight="{weight!r}"' if weight is not None else ""
        out.append(f'      <edge id="{i}" source="{esc_attr(row["source"])}" target="{esc_attr(row["target"])}" '
                   f'label="{esc_attr(row["type"])}"{weight_attr}>')
        _gexf_attvalues(out, row, edge_cols)
        out.append("</edge>\n")
    out.append("    </edges>\n  </graph>\n</gexf>\n")
    return "".join(out).encode("utf-8")


def _weight(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _gexf_attvalues(out: list[str], row: dict, cols: list[_Column]) -> None:
    cells = []
    for col in cols:
        if col.key in row:
            value = col.value(row[col.key])
            if value is not None:
                cells.append(f'<attvalue for="{col.id}" value="{esc_attr(value)}"/>')
    if cells:
        out.append("<attvalues>" + "".join(cells) + "</attvalues>")

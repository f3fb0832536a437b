"""CSV: a zip of ``nodes.csv`` and ``edges.csv`` for Excel, pandas, R and Gephi's spreadsheet import.

The headers are Gephi's: ``Id``/``Label`` for nodes; ``Source``/``Target``, ``Type``
(Gephi reads it as the direction: ``Directed`` or ``Undirected``), ``Kind`` (Gephi's
edge kind: the relationship, ``AUTHORED``…), ``Label`` (the relationship again, shown
on the edge) and ``Weight`` for edges. A node field or edge attribute whose name Gephi
would read as one of those gets a ``field_`` prefix.

UTF-8 with a byte-order mark, so Excel shows Chinese correctly; CRLF rows, with
values containing commas, quotes or newlines quoted. Lists are joined with
``"; "``, nested values are JSON, ``None`` is empty, booleans are
``true``/``false``.

Digest text is untrusted and Excel runs a cell that starts with ``= + - @``
(or a tab / carriage return) as a formula, so such a cell is written with a
leading apostrophe; a value that itself starts with an apostrophe gets one
more, which keeps the rule reversible (:func:`unescape_cell`).
"""
from __future__ import annotations

import csv
import io
import time
import zipfile
from itertools import repeat

from paperkg.graph.export.clean import LIST_SEPARATOR, MISSING, edge_groups, flat, group_columns, node_groups, utf8
from paperkg.graph.model import Subgraph

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def escape_cell(value) -> str:
    value = flat(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


def unescape_cell(cell: str) -> str:
    """The value a text cell of these files stands for (one leading apostrophe removed)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _column_cells(values: list) -> list[str]:
    """:func:`escape_cell` over a column, with the common cases (text, whole numbers, lists of
    names) done without a call per value."""
    classes = {v.__class__ for v in values}
    if classes <= {str, MISSING.__class__}:
        return ["" if v is MISSING else "'" + v if v.startswith(FORMULA_START) else v for v in values]
    if classes <= {int, MISSING.__class__}:
        return ["" if v is MISSING else str(v) for v in values]
    if classes <= {list, MISSING.__class__} and {x.__class__ for v in values if v is not MISSING for x in v} <= {str}:
        joined = [v if v is MISSING else LIST_SEPARATOR.join(v) for v in values]
        return ["" if v is MISSING else "'" + v if v.startswith(FORMULA_START) else v for v in joined]
    return ["" if v is MISSING else escape_cell(v) for v in values]


def _csv_text(header: list[str], groups: list[tuple[str, dict[str, list]]], names: dict[str, str]) -> str:
    """The rows of ``groups`` under ``header`` (column keys), the header row written with ``names``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([names.get(column, column) for column in header])
    for _, table in groups:
        size = len(next(iter(table.values())))
        cells = [_column_cells(table[name]) if name in table else repeat("", size) for name in header]
        writer.writerows(zip(*cells))
    return buffer.getvalue()


def _gephi_names(header: list[str], fixed: dict[str, str], specials: tuple[str, ...]) -> dict[str, str]:
    """Column key -> header text: ``fixed`` for Gephi's own columns; any other column whose name
    Gephi would take for one of its own, or that repeats one ignoring case (Gephi drops
    repeated columns), gets a ``field_`` prefix."""
    taken = {name.lower() for name in fixed.values()}
    names = dict(fixed)
    for column in header:
        if column in names:
            continue
        name = column
        while name.lower() in taken or name.lower() in specials:
            name = "field_" + name
        taken.add(name.lower())
        names[column] = name
    return names


#: The columns Gephi's spreadsheet import reads as its own (any case), in a nodes and an edges table.
GEPHI_NODE_COLUMNS = ("id", "label", "timeset")
GEPHI_EDGE_COLUMNS = ("source", "target", "type", "kind", "id", "label", "weight")


def _edge_tables(subgraph: Subgraph) -> list[tuple[str, dict[str, list]]]:
    """Edge groups with Gephi's columns: direction (``Directed``/``Undirected``), the relationship
    as ``kind`` (Gephi's edge kind) and ``Label``, and ``Weight`` (1 where an edge has none)."""
    direction = "Directed" if subgraph.directed else "Undirected"
    groups = []
    for edge_type, table in edge_groups(subgraph):
        size = len(table["source"])
        weights = [1 if w is MISSING or w is None else w for w in table.pop("weight", [MISSING] * size)]
        relation = table.pop("type")
        gephi = {"source": table.pop("source"), "target": table.pop("target"), "direction": [direction] * size,
                 "kind": relation, "relation_label": relation, "weight": weights}
        groups.append((edge_type, {**gephi, **table}))
    return groups


def render_csv_zip(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """``nodes.csv`` (``Id``, ``Label``, ``kind``, fields) and ``edges.csv`` (``Source``, ``Target``,
    ``Type`` = direction, ``Kind`` and ``Label`` = the relationship, ``Weight``, attributes): the
    columns Gephi's spreadsheet import (Data Laboratory > Import Spreadsheet) reads as its own."""
    nodes = node_groups(subgraph)
    node_header = list(dict.fromkeys(["id", "label", "kind", *group_columns(nodes)]))
    edges = _edge_tables(subgraph)
    # the fixed columns first, so that a subgraph without edges still gets a header row
    edge_header = list(dict.fromkeys(["source", "target", "direction", "kind", "relation_label", "weight",
                                      *group_columns(edges)]))
    files = {"nodes.csv": _csv_text(node_header, nodes, _gephi_names(node_header, {"id": "Id", "label": "Label"},
                                                                   GEPHI_NODE_COLUMNS)),
             "edges.csv": _csv_text(edge_header, edges, _gephi_names(edge_header, {
                 "source": "Source", "target": "Target", "direction": "Type", "kind": "Kind",
                 "relation_label": "Label", "weight": "Weight"}, GEPHI_EDGE_COLUMNS))}
    stamp = time.localtime()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            archive.writestr(info, b"\xef\xbb\xbf" + utf8(text), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()

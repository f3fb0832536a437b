"""CSV: a zip of ``nodes.csv`` and ``edges.csv`` for Excel, pandas, R and Gephi's spreadsheet import.

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


def _csv_text(groups: list[tuple[str, dict[str, list]]], first: tuple[str, ...]) -> str:
    header = list(dict.fromkeys([*first, *group_columns(groups)]))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for _, table in groups:
        size = len(next(iter(table.values())))
        cells = [_column_cells(table[name]) if name in table else repeat("", size) for name in header]
        writer.writerows(zip(*cells))
    return buffer.getvalue()


def render_csv_zip(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    files = {"nodes.csv": _csv_text(node_groups(subgraph), ("id", "kind", "label")),
             "edges.csv": _csv_text(edge_groups(subgraph), ("source", "target", "type"))}
    stamp = time.localtime()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            archive.writestr(info, b"\xef\xbb\xbf" + utf8(text), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()

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

from graph.export.clean import columns, flat, records
from graph.model import Subgraph

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


def _csv_bytes(rows: list[dict], first: tuple[str, ...]) -> bytes:
    header = list(first) + [c for c in columns(rows) if c not in first]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([escape_cell(row[c]) if c in row else "" for c in header])
    return buffer.getvalue().encode("utf-8-sig")


def render_csv_zip(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    nodes, edges = records(subgraph)
    stamp = time.localtime()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows, first in (("nodes.csv", nodes, ("id", "kind", "label")),
                                  ("edges.csv", edges, ("source", "target", "type"))):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, _csv_bytes(rows, first))
    return out.getvalue()

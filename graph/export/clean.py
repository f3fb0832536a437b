"""Records and value cleaning shared by the export formats: the one place values are made safe.

Every format sees a node as a *record*: ``id``, ``kind``, ``label``, then the
node's own fields; an edge as ``source``, ``target``, ``type``, then its
attributes. A field whose name collides with one of those columns is renamed
(a paper's ``id`` field, its 16-hex key, becomes ``paper_id``; an edge
attribute ``id`` becomes ``edge_id``). :func:`records` gives them row by row
(JSON formats), :func:`node_groups` / :func:`edge_groups` column by column,
one table per node kind and edge type (the flat formats, for speed).

Values are cleaned per family of format:

* :func:`native` (JSON formats, Cypher): keeps lists, dicts, numbers, booleans
  and ``None``; turns non-finite floats into ``None``, integers past 64 bits
  into strings, sets into lists.
* :func:`flat` (GraphML, GEXF, CSV): a list of plain values becomes one string
  joined with ``"; "``, a list holding dicts or lists (a paper's ``sources``)
  or a dict becomes compact JSON, ``None`` becomes ``""``.
* Text that cannot be written is removed from the *finished document*, which is
  the same as cleaning every value (no escape produces such characters) and
  far cheaper: lone surrogates everywhere (:func:`utf8`), and in XML the
  characters XML 1.0 cannot carry at all, most control characters
  (:func:`xml_utf8`), instead of failing on them.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from operator import itemgetter

import numpy as np
import orjson

from paperkg.graph.base import node_label
from paperkg.graph.model import StoreEdges, Subgraph, kind_of

LIST_SEPARATOR = "; "
_INT64 = 2 ** 63

_SURROGATES = re.compile("[\ud800-\udfff]")
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_NAME_BAD = re.compile(r"[^\w.\-]", re.ASCII)


def text(value: str) -> str:
    """A string that can be encoded as UTF-8 (lone surrogates removed)."""
    return _SURROGATES.sub("", value) if _SURROGATES.search(value) else value


def xml_text(value: str) -> str:
    """A string XML 1.0 can hold: characters outside its ``Char`` production removed."""
    return _XML_ILLEGAL.sub("", value) if _XML_ILLEGAL.search(value) else value


def native(value):
    """A value for JSON or Cypher: the same shape, made encodable."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {text(str(k)): native(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [native(v) for v in value]
    return text(str(value))


def is_plain(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def flat(value):
    """A value for a flat table cell: str, int, float or bool (never ``None`` or a list).
    Strings pass through untouched (fast): writers clean the finished document with
    :func:`utf8` / :func:`xml_utf8`, which is the same as cleaning every value."""
    cls = value.__class__
    if cls is str or cls is bool:
        return value
    if cls is int:
        return value if -_INT64 <= value < _INT64 else str(value)
    if cls is float:
        return value if math.isfinite(value) else ""
    if value is None:
        return ""
    if cls is list or cls is tuple:
        if not value:
            return ""
        first = value[0].__class__
        if first is str and all(v.__class__ is str for v in value):
            return LIST_SEPARATOR.join(value)
        if first is int and all(v.__class__ is int for v in value):
            return LIST_SEPARATOR.join(map(str, value))
        if all(is_plain(v) for v in value):
            return LIST_SEPARATOR.join(_plain_str(v) for v in value)
        return _json(value)
    if cls is dict:
        return _json(value)
    return flat(native(value))


def _plain_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return str(value)


def utf8(document: str) -> bytes:
    """``document`` as UTF-8, lone surrogates removed."""
    try:
        return document.encode("utf-8")
    except UnicodeEncodeError:
        return text(document).encode("utf-8")


def _only_allowed_controls(data: bytes) -> bool:
    """Whether every byte below 32 of ``data`` is a tab, newline or carriage return: the bytes
    below 32 counted by numpy against those three counted by ``bytes.count``, with no copy
    of ``data`` (a 30 MB table of abstracts is checked in a few milliseconds)."""
    below_space = int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) < 32))
    return below_space == data.count(b"\t") + data.count(b"\n") + data.count(b"\r")


def xml_utf8(document: str) -> bytes:
    """``document`` as UTF-8 with every character XML 1.0 cannot hold removed. Escaping
    never produces such characters, so cleaning the finished document cleans every value;
    the common case (nothing to remove) is checked at byte speed."""
    data = utf8(document)
    if _only_allowed_controls(data) and "\ufffe" not in document and "\uffff" not in document:
        return data
    return _XML_ILLEGAL.sub("", text(document)).encode("utf-8")


def _json(value) -> str:
    """Compact JSON; orjson directly, or after :func:`native` when it refuses the value."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return orjson.dumps(native(value)).decode("utf-8")


def xml_name(name: str) -> str:
    """``name`` as a valid XML name (letters, digits, ``_ - .``; not starting with a digit, ``-`` or ``.``)."""
    cleaned = _XML_NAME_BAD.sub("_", xml_text(text(str(name))))
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_") or cleaned.lower().startswith("xml"):
        cleaned = "_" + cleaned
    return cleaned


_NMTOKEN_BAD = re.compile(r"[^A-Za-z0-9._:\-]+")


def nmtoken(node_id: str) -> str:
    """``node_id`` as an ``xs:NMTOKEN`` (GraphML's id type), ASCII only so that every XML
    Schema validator agrees: each run of other characters becomes ``_``
    (``author:A Gulati`` -> ``author:A_Gulati``)."""
    return _NMTOKEN_BAD.sub("_", node_id) or "_"


def unique_names(names: Iterable[str], clean=lambda n: n) -> dict[str, str]:
    """Original name -> cleaned name, with clashes after cleaning told apart by ``_2``, ``_3``…"""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = clean(name)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        result[name] = candidate
    return result


def label_of(node_id: str, attrs: dict, kind: str) -> str:
    label = node_label({**attrs, "kind": kind}) if attrs.get("kind") != kind else node_label(attrs)
    return label if isinstance(label, str) and label else node_id.split(":", 1)[-1]


def node_record(node_id: str, attrs: dict, extra: dict | None = None) -> dict:
    """``id``, ``kind``, ``label``, the ``extra`` fields, then the node's fields (renamed where they collide)."""
    kind = attrs.get("kind") or kind_of(node_id)
    record = {"id": node_id, "kind": kind, "label": label_of(node_id, attrs, kind), **(extra or {})}
    for key, value in attrs.items():
        if key == "kind":
            continue
        name = str(key)
        while name in record:
            name = f"{kind}_{name}"
        record[name] = value
    return record


def edge_record(edge) -> dict:
    """``source``, ``target``, ``type`` and the edge's attributes (``id`` and clashes renamed ``edge_…``)."""
    record = {"source": edge.source, "target": edge.target, "type": edge.type}
    for key, value in edge.attrs.items():
        name = str(key)
        while name in record or name == "id":
            name = f"edge_{name}"
        record[name] = value
    return record


def records(subgraph: Subgraph, extra: dict[str, list] | None = None) -> tuple[list[dict], list[dict]]:
    """Node and edge records of a subgraph, in its order; ``extra`` as in :func:`node_groups`."""
    columns = list((extra or {}).items())
    nodes = [node_record(n, a, {column: values[row] for column, values in columns})
             for row, (n, a) in enumerate(subgraph.nodes.items())]
    edges = [edge_record(e) for e in subgraph.edges]
    return nodes, edges


class _Missing:
    """No value in this row (the node or edge has no such field)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def _group_table(attrs: list[dict], fixed: dict[str, list], reserved: tuple[str, ...],
                 prefix: str, skip: tuple[str, ...] = ()) -> dict[str, list]:
    """Columns of one group: ``fixed`` columns, then every key of the rows' ``attrs`` (first-seen
    order; absent values :data:`MISSING`), a key clashing with ``reserved`` renamed ``prefix_key``."""
    table = dict(fixed)
    keys: dict = {}
    uniform = True  # every row has the same keys
    if attrs:
        first = attrs[0].keys()
        keys = dict.fromkeys(first)
        for a in attrs:
            if a.keys() != first:  # rows of a kind or type nearly always share their keys: checked at C speed
                keys.update(dict.fromkeys(a))
                uniform = False
    for key in keys:
        if key in skip:
            continue
        name = str(key)
        while name in table or name in reserved:
            name = f"{prefix}_{name}"
        table[name] = list(map(itemgetter(key), attrs)) if uniform else [a.get(key, MISSING) for a in attrs]
    return table


def _take(values: list, rows: list[int]) -> list:
    """``values`` at the positions ``rows``, picked at C speed."""
    if len(rows) == len(values):
        return list(values)  # one group holds every row (rows is then 0, 1, 2…)
    return [values[rows[0]]] if len(rows) == 1 else list(itemgetter(*rows)(values))


def node_groups(subgraph: Subgraph, extra: dict[str, list] | None = None) -> list[tuple[str, dict[str, list]]]:
    """The node records as columns, one table per kind (kinds in first-seen order, nodes in
    subgraph order within a kind): ``[(kind, {column: values})]``, named as :func:`node_record`
    names them. Grouping keeps each table to the columns its kind has. ``extra`` (column ->
    one value per node in subgraph order, e.g. the layout's ``x``/``y``) adds columns after
    ``label``; a node field of the same name is renamed like any other clash."""
    extra = extra or {}
    items = list(subgraph.nodes.items())
    by_kind: dict[str, list[int]] = {}
    for row, (node_id, attrs) in enumerate(items):
        by_kind.setdefault(attrs.get("kind") or kind_of(node_id), []).append(row)
    groups = []
    reserved = ("id", "kind", "label", *extra)
    for kind, rows in by_kind.items():
        picked = _take(items, rows)
        fixed = {"id": [n for n, _ in picked], "kind": [kind] * len(rows),
                 "label": [label_of(n, a, kind) for n, a in picked]}
        for column, values in extra.items():
            fixed[column] = _take(values, rows)
        groups.append((kind, _group_table([a for _, a in picked], fixed, reserved, kind, skip=("kind",))))
    return groups


def edge_groups(subgraph: Subgraph) -> list[tuple[str, dict[str, list]]]:
    """The edge records as columns, one table per edge type (see :func:`node_groups`)."""
    held = subgraph.store_edges()
    if held is not None:
        return _store_edge_groups(held)
    by_type: dict[str, list] = {}
    for edge in subgraph.edges:
        by_type.setdefault(edge.type, []).append(edge)
    groups = []
    for edge_type, edges in by_type.items():
        fixed = {"source": [e.source for e in edges], "target": [e.target for e in edges], "type": [edge_type] * len(edges)}
        groups.append((edge_type, _group_table([e.attrs for e in edges], fixed, ("id", "source", "target", "type"), "edge")))
    return groups


def _store_edge_groups(held: StoreEdges) -> list[tuple[str, dict[str, list]]]:
    """:func:`edge_groups` of edges as a store holds them (each data dict has the ``type``),
    the same tables without an :class:`Edge` object per edge."""
    by_type: dict[str, list[int]] = {}
    for row, data in enumerate(held.data):
        by_type.setdefault(data["type"], []).append(row)
    groups = []
    for edge_type, rows in by_type.items():
        fixed = {"source": _take(held.sources, rows), "target": _take(held.targets, rows), "type": [edge_type] * len(rows)}
        groups.append((edge_type, _group_table(_take(held.data, rows), fixed, ("id", "source", "target", "type"), "edge",
                                               skip=("type",))))
    return groups


def group_columns(groups: list[tuple[str, dict[str, list]]]) -> list[str]:
    """Every column name of the groups, in first-seen order."""
    return list(dict.fromkeys(name for _, table in groups for name in table))

"""Attribute cleaning shared by the export formats: the one place values are made safe.

Every format sees a node as a *record*: ``id``, ``kind``, ``label``, then the
node's own fields; an edge as ``source``, ``target``, ``type``, then its
attributes. A field whose name collides with one of those columns is renamed
(a paper's ``id`` field, its 16-hex key, becomes ``paper_id``).

Values are cleaned per family of format:

* :func:`native` (JSON formats, Cypher): keeps lists, dicts, numbers, booleans
  and ``None``; drops lone surrogates (they cannot be written as UTF-8) and
  turns non-finite floats into ``None``.
* :func:`flat` (GraphML, GEXF, CSV): a list of plain values becomes one string
  joined with ``"; "``, a list holding dicts or lists (a paper's ``sources``)
  or a dict becomes compact JSON, ``None`` becomes ``""``.
* :func:`xml_text` removes the characters XML 1.0 cannot carry at all (most
  control characters) instead of failing on them.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable

import orjson

from graph.base import node_label
from graph.model import Subgraph, kind_of

NODE_COLUMNS = ("id", "kind", "label")
EDGE_COLUMNS = ("source", "target", "type")
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
    """A value for a flat table cell: str, int, float or bool (never ``None`` or a list)."""
    value = native(value)
    if value is None:
        return ""
    if isinstance(value, list):
        if all(is_plain(v) for v in value):
            return LIST_SEPARATOR.join(_plain_str(v) for v in value)
        return _json(value)
    if isinstance(value, dict):
        return _json(value)
    return value


def _plain_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json(value) -> str:
    return orjson.dumps(value).decode("utf-8")


def xml_name(name: str) -> str:
    """``name`` as a valid XML name (letters, digits, ``_ - .``; not starting with a digit, ``-`` or ``.``)."""
    cleaned = _XML_NAME_BAD.sub("_", xml_text(text(str(name))))
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_") or cleaned.lower().startswith("xml"):
        cleaned = "_" + cleaned
    return cleaned


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


def node_record(node_id: str, attrs: dict) -> dict:
    """``id``, ``kind``, ``label`` and the node's fields (renamed where they collide)."""
    kind = attrs.get("kind") or kind_of(node_id)
    record = {"id": node_id, "kind": kind, "label": node_label({**attrs, "kind": kind}) or node_id.split(":", 1)[-1]}
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


def records(subgraph: Subgraph) -> tuple[list[dict], list[dict]]:
    """Node and edge records of a subgraph, in its order."""
    nodes = [node_record(n, a) for n, a in subgraph.nodes.items()]
    edges = [edge_record(e) for e in subgraph.edges]
    return nodes, edges


def columns(rows: list[dict]) -> list[str]:
    """Every key of ``rows``, in first-seen order."""
    return list(dict.fromkeys(key for row in rows for key in row))


def column_type(values: Iterable) -> str:
    """``boolean``, ``long``, ``double`` or ``string``: the one type a typed format declares
    for a column of flat values (``""`` from ``None`` does not count)."""
    seen: set[str] = set()
    for value in values:
        if isinstance(value, str) and value == "":
            continue
        if isinstance(value, bool):
            seen.add("boolean")
        elif isinstance(value, int):
            seen.add("long")
        elif isinstance(value, float):
            seen.add("double")
        else:
            return "string"
    if seen == {"boolean"}:
        return "boolean"
    if seen and seen <= {"long"}:
        return "long"
    if seen and seen <= {"long", "double"}:
        return "double"
    return "string"

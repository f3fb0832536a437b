"""A Cypher script that loads the subgraph into an empty Neo4j 5 (``cypher-shell -f FILE``).

Statements are parameter-free, one per line, each ending in ``;``: uniqueness
constraints first, then the nodes, then the relationships, batched as
``UNWIND [<literal rows>] AS row MERGE …`` (a few hundred rows a statement,
far faster than a statement per node), each batch between cypher-shell's
``:begin`` and ``:commit`` lines so that it loads whole or not at all.
Running it twice changes nothing.

Labels and relationship types are those of the graph model (``Paper``,
``Author``, ``Institution``, ``Category``, ``Digest``; ``AUTHORED``,
``AFFILIATED``, ``IN_CATEGORY``, ``LISTED_IN``, ``INSTITUTION_LINK``,
``COAUTHOR``), each node merged on the Neo4j backend's key
(:data:`paperkg.graph.cypher.KEYS`: ``Category.code``, ``Digest.name``, else ``id`` =
the key of the node id, a paper's 16 hex, ``Y Dong``, ``uc-berkeley``). Values are Cypher literals: strings in
single quotes with ``\\ ' `` and control characters escaped (everything else,
Chinese and emoji included, is written as UTF-8); lists of one plain type stay
lists; nested values (a paper's ``sources``) become JSON strings (Neo4j cannot
store maps); ``None`` is left out. Only the subset of Cypher that Neo4j 5 and
ArcadeDB's Bolt server share is used.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import orjson

from paperkg.graph.cypher import KEYS as BACKEND_KEYS
from paperkg.graph.export.clean import native, utf8
from paperkg.graph.model import LABELS, Subgraph, key_of, kind_of

#: The merge property of each kind, the same as the Neo4j backend's (``Paper.id``, ``Category.code``…).
MERGE_KEY = dict(BACKEND_KEYS)
ROWS_PER_STATEMENT = 200
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile("[\\\\'\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def string_literal(value: str) -> str:
    """A single-quoted Cypher string literal for ``value``."""
    if value.isprintable() and "'" not in value and "\\" not in value:  # nothing to escape: the common case
        return "'" + value + "'"
    return "'" + _NEEDS_ESCAPE.sub(_escape, value) + "'"


@lru_cache(maxsize=4096)
def name(identifier: str) -> str:
    """A label, relationship type or property key: as is when plain, else in backticks."""
    identifier = property_key(identifier)
    if _PLAIN_NAME.match(identifier):
        return identifier
    return "`" + identifier.replace("`", "``") + "`"


def label_for(kind: str) -> str:
    return LABELS.get(kind) or "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", kind) if part) or "Node"


def property_value(value):
    """The storable form of ``value``: plain, a list of one plain type, or a JSON string; ``None`` to leave out.
    (Lone surrogates are removed from the finished script, not here.)"""
    cls = value.__class__
    if cls is str or cls is bool:
        return value
    if cls is list and all(v.__class__ is str for v in value):
        return value
    value = native(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        types = {type(v) for v in value}
        if not value or (len(types) == 1 and types <= {str, bool, int, float}):
            return value
        if types <= {int, float}:
            return [float(v) for v in value]
    return orjson.dumps(value).decode("utf-8")


def literal(value) -> str:
    if value.__class__ is str:
        return string_literal(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{name(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return "null"


@lru_cache(maxsize=4096)
def property_key(key) -> str:
    """A property key without control characters or line breaks (``_`` if nothing is left)."""
    return _LINE_BREAKING.sub("", native(str(key))) or "_"


def _props(attrs: dict, skip: tuple[str, ...] = ()) -> dict:
    """Storable properties under cleaned keys; a key that cleans to one already taken gets ``_2``, ``_3``…"""
    props = {}
    for key, raw in attrs.items():
        if key in skip:
            continue
        value = property_value(raw)
        if value is None:
            continue
        base = name_key = property_key(key)
        n = 1
        while name_key in props or name_key in skip:
            n += 1
            name_key = f"{base}_{n}"
        props[name_key] = value
    return props


def _batches(rows: list, size: int = ROWS_PER_STATEMENT):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def merge_key(kind: str) -> str:
    """The property a kind's nodes are merged on: the Neo4j backend's key (:data:`MERGE_KEY`)."""
    return MERGE_KEY.get(kind, "id")


def _key_value(node_id: str):
    return native(key_of(node_id) if ":" in node_id else node_id)


def _transaction(statement: str) -> list[str]:
    """One statement in its own explicit transaction, as cypher-shell runs ``:begin`` … ``:commit``.
    In an auto-commit transaction, ArcadeDB's Bolt server fails ``UNWIND … MERGE`` batches whose
    rows share a node (``DeadlockDetected``, leaving part of the batch behind)."""
    return [":begin", statement, ":commit"]


def render_cypher(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    """The script: constraints (auto-commit, as schema changes must be), then each batch of nodes
    and of relationships in its own ``:begin``/``:commit`` transaction. An undirected network
    (co-authors, institution links) has one relationship per pair, merged without a direction
    (``MERGE (a)-[r:COAUTHOR]-(b)``): query it without an arrow."""
    by_kind: dict[str, list] = {}
    for node_id, attrs in subgraph.nodes.items():
        kind = attrs.get("kind") or kind_of(node_id)
        by_kind.setdefault(kind, []).append((node_id, attrs))
    keys = {kind: merge_key(kind) for kind in by_kind}
    key_of_node = {}
    lines = [f"// {_LINE_BREAKING.sub(' ', native(title))}",
             f"// {len(subgraph.nodes)} nodes, {len(subgraph.edges)} relationships"
             + ("" if subgraph.directed else " (an undirected network: match it without an arrow)")
             + "; run with cypher-shell -f FILE into an empty Neo4j 5 database"]
    for kind in by_kind:
        label, key = label_for(kind), keys[kind]
        lines.append(f"CREATE CONSTRAINT {name('paperkg_' + label.lower() + '_' + key)} IF NOT EXISTS "
                     f"FOR (n:{name(label)}) REQUIRE n.{name(key)} IS UNIQUE;")
    for kind, members in by_kind.items():
        label, key = label_for(kind), keys[kind]
        rows = []
        for node_id, attrs in members:
            merge_value = _key_value(node_id)
            key_of_node[node_id] = (label, key, merge_value)
            rows.append({"k": merge_value, "p": _props(attrs, skip=("kind", key))})
        for batch in _batches(rows):
            lines += _transaction(f"UNWIND {literal(batch)} AS row MERGE (n:{name(label)} {{{name(key)}: row.k}}) "
                                  f"SET n += row.p;")
    groups: dict[tuple, list] = {}
    for edge in subgraph.edges:
        source, target = key_of_node.get(edge.source), key_of_node.get(edge.target)
        if source is None or target is None:
            continue
        groups.setdefault((source[:2], target[:2], edge.type), []).append(
            {"s": source[2], "t": target[2], "p": _props(edge.attrs)})
    arrow = "->" if subgraph.directed else "-"
    for ((slabel, skey), (tlabel, tkey), rel_type), rows in groups.items():
        for batch in _batches(rows):
            lines += _transaction(
                f"UNWIND {literal(batch)} AS row "
                f"MATCH (a:{name(slabel)} {{{name(skey)}: row.s}}) MATCH (b:{name(tlabel)} {{{name(tkey)}: row.t}}) "
                f"MERGE (a)-[r:{name(rel_type)}]{arrow}(b) SET r += row.p;")
    return utf8("\n".join(lines) + "\n")

"""Independent readers for the export formats, used by the export tests.

Each reader turns an exported file back into ``(nodes, edges)``: ``nodes`` maps
a node id to its fields, ``edges`` is a list of ``(source, target, type,
fields)``. They use other people's parsers (xml.etree, networkx, igraph,
json, pandas, bibtexparser, rispy), except for Cypher, where a small parser
of Cypher literals written here stands in until a database runs the script
(tests/test_export_cypher_bolt.py does that).
"""
from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import networkx as nx
import orjson

GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"
GEXF_NS = "{http://www.gexf.net/1.2draft}"


# -- what the files should say ------------------------------------------------------------
def flat_text(value) -> str:
    """The text a flat format (GraphML, GEXF, CSV) writes for a value: the documented rule."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        if all(v is None or isinstance(v, (str, int, float, bool)) for v in value):
            return "; ".join(flat_text(v) for v in value)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def expected_nodes(subgraph) -> dict[str, dict]:
    """Node id -> fields as exported records name them (kind, label, fields; ``paper_id``)."""
    from paperkg.graph.base import node_label

    result = {}
    for node_id, attrs in subgraph.nodes.items():
        fields = {"kind": attrs["kind"], "label": node_label(attrs)}
        for key, value in attrs.items():
            if key != "kind":
                fields[f"{attrs['kind']}_{key}" if key in ("id", "label") else key] = value
        result[node_id] = fields
    return result


# -- GraphML / GEXF --------------------------------------------------------------------------
#: What every graph format adds to a node for drawing it (graph/layout.py), read apart from its fields.
LOOK_FIELDS = ("x", "y", "size", "r", "g", "b", "color")


def without_looks(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if k not in LOOK_FIELDS}


def graphml_etree(data: bytes, looks: dict | None = None):
    """Nodes keyed by their readable id (the ``node_id`` data; the XML id is an NMTOKEN), edges
    with readable ends; the drawing fields go to ``looks`` when given."""
    root = ET.fromstring(data)
    keys = {k.get("id"): k.get("attr.name") for k in root.iter(GRAPHML_NS + "key")}
    graph = root.find(GRAPHML_NS + "graph")
    readable, nodes = {}, {}
    for n in graph.findall(GRAPHML_NS + "node"):
        fields = {keys[d.get("key")]: d.text or "" for d in n.findall(GRAPHML_NS + "data")}
        node_id = fields.pop("node_id")
        readable[n.get("id")] = node_id
        nodes[node_id] = without_looks(fields)
        if looks is not None:
            looks[node_id] = {k: v for k, v in fields.items() if k in LOOK_FIELDS}
    edges = []
    for e in graph.findall(GRAPHML_NS + "edge"):
        fields = {keys[d.get("key")]: d.text or "" for d in e.findall(GRAPHML_NS + "data")}
        edges.append((readable[e.get("source")], readable[e.get("target")], fields.get("type"), fields))
    return nodes, edges


def graphml_networkx(data: bytes):
    graph = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    readable = {n: d["node_id"] for n, d in graph.nodes(data=True)}
    nodes = {readable[n]: without_looks({k: v for k, v in d.items() if k != "node_id"}) for n, d in graph.nodes(data=True)}
    return nodes, [(readable[s], readable[t], d.get("type"), d) for s, t, d in graph.edges(data=True)]


def graphml_igraph(data: bytes):
    import tempfile

    import igraph

    with tempfile.NamedTemporaryFile(suffix=".graphml") as handle:  # igraph reads real files only
        handle.write(data)
        handle.flush()
        graph = igraph.Graph.Read_GraphML(handle.name)
    names = graph.vs["node_id"]
    nodes = {v["node_id"]: without_looks({k: v[k] for k in graph.vs.attributes() if k not in ("id", "node_id")})
             for v in graph.vs}
    edges = [(names[e.source], names[e.target], e["type"], e.attributes()) for e in graph.es]
    return nodes, edges, graph.is_directed()


def gexf_etree(data: bytes):
    root = ET.fromstring(data)
    graph = root.find(GEXF_NS + "graph")
    titles = {}
    for block in graph.findall(GEXF_NS + "attributes"):
        for a in block.findall(GEXF_NS + "attribute"):
            titles[(block.get("class"), a.get("id"))] = a.get("title")

    def values(element, domain):
        holder = element.find(GEXF_NS + "attvalues")
        if holder is None:
            return {}
        return {titles[(domain, v.get("for"))]: v.get("value") for v in holder.findall(GEXF_NS + "attvalue")}

    nodes = {}
    for n in graph.find(GEXF_NS + "nodes").findall(GEXF_NS + "node"):
        nodes[n.get("id")] = {"label": n.get("label"), **values(n, "node")}
    edges = []
    for e in graph.find(GEXF_NS + "edges").findall(GEXF_NS + "edge"):
        fields = values(e, "edge")
        if e.get("weight") is not None:
            fields["weight"] = e.get("weight")
        edges.append((e.get("source"), e.get("target"), e.get("label"), fields))
    return nodes, edges


def gexf_networkx(data: bytes):
    """networkx's reader (its ``viz`` dict, the drawing, is left out of the fields)."""
    graph = nx.read_gexf(io.BytesIO(data))
    nodes = {n: {k: v for k, v in d.items() if k != "viz"} for n, d in graph.nodes(data=True)}
    return nodes, [(s, t, d.get("label"), d) for s, t, d in graph.edges(data=True)]


# -- JSON -----------------------------------------------------------------------------------
def node_link(data: bytes):
    doc = json.loads(data.decode("utf-8"))
    nodes = {n["id"]: without_looks({k: v for k, v in n.items() if k != "id"}) for n in doc["nodes"]}
    edges = [(e["source"], e["target"], e["type"], e) for e in doc["links"]]
    return nodes, edges


def cytoscape(data: bytes):
    doc = json.loads(data.decode("utf-8"))
    nodes = {n["data"]["id"]: without_looks(n["data"]) for n in doc["elements"]["nodes"]}
    edges = [(e["data"]["source"], e["data"]["target"], e["data"]["type"], e["data"]) for e in doc["elements"]["edges"]]
    return nodes, edges


def vosviewer(data: bytes):
    doc = json.loads(data.decode("utf-8"))
    nodes = {i["id"]: i for i in doc["network"]["items"]}
    edges = [(link["source_id"], link["target_id"], None, link) for link in doc["network"]["links"]]
    return nodes, edges


def sigma_refuses(nodes: dict) -> list[str]:
    """The nodes plain Sigma.js would refuse to draw: Sigma's renderer throws when a node has no
    finite numeric ``x`` and ``y`` ("could not find a valid position")."""
    import math as _math

    return [n for n, a in nodes.items()
            if not all(isinstance(a.get(c), (int, float)) and _math.isfinite(a[c]) for c in ("x", "y"))]


# -- CSV ------------------------------------------------------------------------------------
def csv_zip(data: bytes):
    """(nodes DataFrame, edges DataFrame, raw file bytes by name) read with pandas."""
    import pandas as pd

    archive = zipfile.ZipFile(io.BytesIO(data))
    raw = {name: archive.read(name) for name in archive.namelist()}
    frames = [pd.read_csv(io.BytesIO(raw[name]), encoding="utf-8-sig", dtype=str, keep_default_na=False)
              for name in ("nodes.csv", "edges.csv")]
    return frames[0], frames[1], raw


def unescape_cell(cell: str) -> str:
    """Undo the documented formula guard: one leading apostrophe before ``= + - @ TAB CR '``."""
    return cell[1:] if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@", "\t", "\r", "'") and cell[1:] else cell


# -- Cypher ---------------------------------------------------------------------------------
class CypherLiteralParser:
    """Cypher literals: strings ('…' with backslash escapes), numbers, booleans, null, lists, maps."""

    _ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}

    def __init__(self, text: str, pos: int = 0):
        self.text, self.pos = text, pos

    def skip(self):
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def value(self):
        self.skip()
        ch = self.text[self.pos]
        if ch == "'":
            return self.string()
        if ch == "[":
            return self.sequence("[", "]", self.value)
        if ch == "{":
            return dict(self.sequence("{", "}", self.entry))
        for word, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return result
        match = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?").match(self.text, self.pos)
        assert match, f"no literal at {self.text[self.pos:self.pos + 30]!r}"
        self.pos = match.end()
        return float(match.group()) if match.group(1) or match.group(2) else int(match.group())

    def string(self):
        out = []
        self.pos += 1
        while True:
            ch = self.text[self.pos]
            if ch == "'":
                self.pos += 1
                return "".join(out)
            if ch == "\\":
                nxt = self.text[self.pos + 1]
                if nxt == "u":
                    out.append(chr(int(self.text[self.pos + 2:self.pos + 6], 16)))
                    self.pos += 6
                    continue
                out.append(self._ESCAPES[nxt])
                self.pos += 2
                continue
            assert ch not in "\n\r", "raw line break inside a string literal"
            out.append(ch)
            self.pos += 1

    def name(self):
        if self.text[self.pos] == "`":
            end = self.pos + 1
            chunks = []
            while True:
                close = self.text.index("`", end)
                chunks.append(self.text[end:close])
                if self.text.startswith("``", close):
                    chunks.append("`")
                    end = close + 2
                    continue
                self.pos = close + 1
                return "".join(chunks)
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.text, self.pos)
        self.pos = match.end()
        return match.group()

    def entry(self):
        self.skip()
        key = self.name()
        self.skip()
        assert self.text[self.pos] == ":"
        self.pos += 1
        return key, self.value()

    def sequence(self, open_, close, item):
        assert self.text[self.pos] == open_
        self.pos += 1
        items = []
        self.skip()
        if self.text[self.pos] == close:
            self.pos += 1
            return items
        while True:
            items.append(item())
            self.skip()
            if self.text[self.pos] == close:
                self.pos += 1
                return items
            assert self.text[self.pos] == ",", self.text[self.pos:self.pos + 20]
            self.pos += 1


_NODE_STATEMENT = re.compile(r" AS row MERGE \(n:(\w+) \{(\w+): row\.k\}\) SET n \+= row\.p\Z")
_EDGE_STATEMENT = re.compile(r" AS row MATCH \(a:(\w+) \{(\w+): row\.s\}\) MATCH \(b:(\w+) \{(\w+): row\.t\}\) "
                             r"MERGE \(a\)-\[r:(\w+)\]-(>?)\(b\) SET r \+= row\.p\Z")


def cypher(data: bytes):
    """Nodes keyed ``(label, key value)`` and edges from a script written by ``render_cypher``."""
    text = data.decode("utf-8")
    nodes, edges, constraints = {}, [], []
    for line in text.split("\n"):
        if not line or line.startswith("//") or line in (":begin", ":commit"):
            continue
        assert line.endswith(";"), line[:80]
        statement = line[:-1]
        if statement.startswith("CREATE CONSTRAINT"):
            constraints.append(statement)
            continue
        assert statement.startswith("UNWIND "), statement[:80]
        parser = CypherLiteralParser(statement, len("UNWIND "))
        rows = parser.value()
        rest = statement[parser.pos:]
        if m := _NODE_STATEMENT.match(rest):
            label, key = m.groups()
            for row in rows:
                nodes[(label, row["k"])] = {key: row["k"], **row["p"]}
        elif m := _EDGE_STATEMENT.match(rest):
            slabel, _, tlabel, _, rel, _ = m.groups()
            edges.extend(((slabel, row["s"]), (tlabel, row["t"]), rel, row["p"]) for row in rows)
        else:
            raise AssertionError(f"unexpected statement shape: {rest[:120]}")
    return nodes, edges, constraints


# -- BibTeX / RIS ---------------------------------------------------------------------------
def latex_decoder():
    """pylatexenc's LaTeX-to-text, taught the two LaTeX2e text macros for braces it lacks
    (``\\textbraceleft``, ``\\textbraceright``)."""
    from pylatexenc import latex2text

    context = latex2text.get_default_latex_context_db()
    context.add_context_category("text-braces", prepend=True, macros=[
        latex2text.MacroTextSpec("textbraceleft", "{"), latex2text.MacroTextSpec("textbraceright", "}")])
    return latex2text.LatexNodes2Text(latex_context=context)


def bibtex(data: bytes) -> list[dict]:
    """Entries decoded from LaTeX by bibtexparser 2 (with pylatexenc). pylatexenc reads
    ``\\textasciicircum{}`` as U+02C6; that quirk is undone here."""
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    library = bibtexparser.parse_string(data.decode("utf-8"),
                                        append_middleware=[LatexDecodingMiddleware(decoder=latex_decoder())])
    assert not library.failed_blocks, library.failed_blocks
    entries = []
    for entry in library.entries:
        fields = {f.key: f.value.replace("\u02c6", "^") if isinstance(f.value, str) else f.value for f in entry.fields}
        entries.append({**fields, "key": entry.key, "entry_type": entry.entry_type})
    return entries


def bibtex_authors(data: bytes) -> list[list[str]]:
    """Each entry's authors: split by bibtexparser (braces respected), then decoded by pylatexenc."""
    import bibtexparser
    from bibtexparser.middlewares import SeparateCoAuthors

    decode = latex_decoder().latex_to_text
    library = bibtexparser.parse_string(data.decode("utf-8"), append_middleware=[SeparateCoAuthors()])
    assert not library.failed_blocks
    return [[decode(name).replace("\u02c6", "^") for name in entry.fields_dict["author"].value]
            if "author" in entry.fields_dict else [] for entry in library.entries]


def ris(data: bytes) -> list[dict]:
    import rispy

    return rispy.loads(data.decode("utf-8"))


def json_compact(value) -> str:
    return orjson.dumps(value).decode("utf-8")


# -- Gephi: faithful readings of its importers -----------------------------------------------------
# gephi/gephi, modules/ImportPlugin: ImporterGraphML.java (commit 017f801f88db52a8739c0f6a21a3c0ca26161906)
# and spreadsheet/process/ImportEdgesProcess.java with AbstractImportProcess.java. Gephi cannot run here.
GEPHI_GRAPHML_NODE = {"label": "LABEL", "d3": "LABEL", "x": "X", "y": "Y", "xpos": "X", "ypos": "Y", "z": "Z",
                      "size": "SIZE", "r": "R", "g": "G", "b": "B"}
GEPHI_GRAPHML_EDGE = {"label": "LABEL", "edgelabel": "LABEL", "d7": "LABEL", "weight": "WEIGHT", "Edge Weight": "WEIGHT",
                      "id": "ID", "edgeid": "ID", "r": "R", "g": "G", "b": "B"}


def gephi_graphml_properties(data: bytes) -> dict[str, dict[str, str]]:
    """The GraphML keys Gephi's importer takes as its own properties instead of data columns
    (``readAttribute``: looked up by the key's ``id`` first, then its ``attr.name``):
    ``{"node": {attr.name: property}, "edge": {...}}``."""
    root = ET.fromstring(data)
    taken: dict[str, dict[str, str]] = {"node": {}, "edge": {}}
    for key in root.iter(GRAPHML_NS + "key"):
        table = GEPHI_GRAPHML_NODE if key.get("for") == "node" else GEPHI_GRAPHML_EDGE
        prop = table.get(key.get("id")) or table.get(key.get("attr.name"))
        if prop:
            taken[key.get("for")][key.get("attr.name")] = prop
    return taken


GEPHI_EDGE_SPECIALS = ("source", "target", "type", "kind", "id", "label", "weight")


def gephi_edges_table(text: str) -> list[dict]:
    """Edges as Gephi's spreadsheet import makes them from an edges table: its special columns
    matched ignoring case (first occurrence), ``type`` read as the direction (``undirected`` or
    else directed), ``kind`` as the edge kind, ``label``, ``weight`` as a double (1 when missing or
    unreadable); every other column an attribute."""
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    special: dict[str, int] = {}
    attributes: dict[str, int] = {}
    for index, name in enumerate(header):
        low = name.strip().lower()
        if low in GEPHI_EDGE_SPECIALS:
            special.setdefault(low, index)
        else:
            attributes[name.strip()] = index
    edges = []
    for row in body:
        def cell(name):
            return row[special[name]] if name in special else None
        try:
            weight = float(cell("weight")) if cell("weight") is not None else 1.0
        except ValueError:
            weight = 1.0
        edges.append({"source": cell("source"), "target": cell("target"), "kind": cell("kind"), "label": cell("label"),
                      "direction": "UNDIRECTED" if (cell("type") or "").lower() == "undirected" else "DIRECTED",
                      "weight": weight, "attributes": {name: row[i] for name, i in attributes.items() if row[i] != ""}})
    return edges

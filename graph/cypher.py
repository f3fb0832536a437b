"""Every Cypher statement the Neo4j store sends, in one place.

Labels, relationship types and property names are the graph model's
(:mod:`graph.model`): ``Paper {id}``, ``Author {name}``, ``Institution {name}``,
``Category {code}``, ``Digest {name}``; ``AUTHORED``, ``AFFILIATED``,
``IN_CATEGORY``, ``LISTED_IN``. Labels and types are only ever built into the
text from the fixed tables below; every value travels as a parameter.

The text is the common subset of Neo4j 5 and ArcadeDB's Cypher (the test
server, see ``tests/bolt_testserver.py``); nothing here needed a variant per
server. What shaped it:

* A property cannot hold a map or a list of maps on either server, so a
  paper's ``sources`` and ``observations`` and a digest's ``categories`` are
  stored as JSON strings (the sources are also on the ``LISTED_IN`` edges,
  where Cypher can query them).
* No APOC, no dynamic labels (``MERGE (n:$($label))`` silently makes an
  unlabelled node on ArcadeDB), no ``CALL {} IN TRANSACTIONS`` (Neo4j only
  allows it outside managed transactions): batches are ``UNWIND $rows`` in
  ``execute_write``.
* A ``MATCH`` without a label cannot use an index on Neo4j, so lookups always
  name the label and its key property.
* Patterns are walked from the paper end when the paper is known: a paper has
  ten-odd edges, while an author, category or digest can have thousands, and
  ArcadeDB walks all of a node's edges to find the few of one direction and type.
  A pattern that looks up another node by its key starts at that node: Neo4j 5
  plans either way round with an index seek, while ArcadeDB matches from the node
  written first, and from the Paper side scans every paper for each key (21.7 s
  against 0.17 s for 1,763 institutions over 5,000 papers).
* A paper batch is one statement (``MERGE`` the paper, ``FOREACH`` edge list
  ``MERGE`` the other node and ``CREATE`` the edge): on ArcadeDB every extra
  statement or lookup per row costs about as much as the write itself.
* Parameters stay under 8 MiB a transaction (ArcadeDB refuses Bolt messages
  over 16 MiB), see :data:`graph.neo4j_ingest.MAX_TX_BYTES`.
"""
from __future__ import annotations

from paperkg.graph.model import EDGE_TYPES, KINDS, LABELS

#: The identifying property of each kind's node.
KEYS = {"paper": "id", "author": "id", "institution": "id", "category": "code", "digest": "name"}
KIND_OF_LABEL = {label: kind for kind, label in LABELS.items()}
#: Bookkeeping node (the write lease); not part of the graph model.
META = "PaperkgMeta"

PAPER_PROPS = ("id", "title", "title_zh", "summary_zh", "abstract", "category", "url", "authors", "author_ids",
               "institutions", "institution_ids",
               "posted_at", "starred", "sources")
DIGEST_PROPS = ("name", "file", "posted_at", "entry_count")
CATEGORY_PROPS = ("code", "name_zh", "arxiv")
#: What a read returns of each kind: the graph attributes, never the bookkeeping
#: (observations, raw text, sha256, pending journal).
AUTHOR_PROPS = ("id", "name", "names")
INSTITUTION_PROPS = ("id", "name", "names", "ror", "country", "type", "parent")
READ_PROPS = {"paper": PAPER_PROPS, "author": AUTHOR_PROPS, "institution": INSTITUTION_PROPS, "category": CATEGORY_PROPS,
              "digest": DIGEST_PROPS}


def _projection(kind: str, var: str = "n") -> str:
    return var + " {" + ", ".join("." + p for p in READ_PROPS[kind]) + "}"


#: The key property of node ``m``, whatever its kind (its labels give the kind).
_NODE_KEY = "CASE WHEN m:Category THEN m.code WHEN m:Digest THEN m.name ELSE m.id END"

# -- schema ---------------------------------------------------------------------
SCHEMA = [
    *(f"CREATE CONSTRAINT paperkg_{kind}_{KEYS[kind]} IF NOT EXISTS FOR (n:{LABELS[kind]}) REQUIRE n.{KEYS[kind]} IS UNIQUE"
      for kind in KINDS),
    f"CREATE CONSTRAINT paperkg_meta_name IF NOT EXISTS FOR (n:{META}) REQUIRE n.name IS UNIQUE",
    "CREATE INDEX paperkg_paper_posted_at IF NOT EXISTS FOR (n:Paper) ON (n.posted_at)",
    "CREATE INDEX paperkg_paper_category IF NOT EXISTS FOR (n:Paper) ON (n.category)",
]

PING = "RETURN 1 AS one"

# -- the write lease ---------------------------------------------------------------
#: Take or renew the lease when free, expired, already ours, or ``$stale`` (a holder
#: known dead); returns whoever holds it afterwards.
LEASE_TAKE = (f"MERGE (l:{META} {{name: 'write-lease'}}) "
              "WITH l, (l.holder IS NULL OR l.until < $now OR l.holder = $me OR l.holder = $stale) AS free "
              "SET l.holder = CASE WHEN free THEN $me ELSE l.holder END, "
              "    l.until = CASE WHEN free THEN $until ELSE l.until END, "
              "    l.host = CASE WHEN free THEN $host ELSE l.host END, "
              "    l.pid = CASE WHEN free THEN $pid ELSE l.pid END "
              "RETURN l.holder AS holder, l.until AS until, l.host AS host, l.pid AS pid")
LEASE_RELEASE = f"MATCH (l:{META} {{name: 'write-lease'}}) WHERE l.holder = $me REMOVE l.holder, l.until, l.host, l.pid"

# -- ingest: reading the state -------------------------------------------------------
DIGEST_STATE = ("UNWIND $names AS name MATCH (d:Digest {name: name}) "
                "RETURN d.name AS name, d.sha256 AS sha256, d.pending AS pending")
LISTED_PAPERS = ("UNWIND $names AS name MATCH (:Digest {name: name})<-[:LISTED_IN]-(p:Paper) "
                 "RETURN DISTINCT p.id AS id")
PAPER_STATE = ("UNWIND $ids AS id MATCH (p:Paper {id: id}) "
               f"RETURN {_projection('paper', 'p')} AS paper, p.observations AS observations")
ALL_LEGENDS = "MATCH (d:Digest) WHERE d.sha256 IS NOT NULL RETURN d.name AS name, d.categories AS categories"

# -- ingest: writing ---------------------------------------------------------------
#: Digest nodes exist before the papers that list them, marked pending until the end.
DIGEST_BEGIN = "UNWIND $rows AS r MERGE (d:Digest {name: r.name}) SET d.pending = r.pending"
#: The commit mark: sha256 and the rest set, the pending journal gone, in one transaction.
DIGEST_COMMIT = "UNWIND $rows AS r MATCH (d:Digest {name: r.name}) SET d += r.props REMOVE d.pending"
#: Every committed write bumps the database's generation (:meth:`Store.version`).
GENERATION_BUMP = (f"MERGE (m:{META} {{name: 'generation'}}) "
                   "SET m.value = CASE WHEN m.value IS NULL THEN 1 ELSE m.value + 1 END")
GENERATION = f"MATCH (m:{META} {{name: 'generation'}}) RETURN m.value AS value"
#: Papers with their edges, one statement per batch: each paper is looked up once
#: and each author, institution, category and digest once per edge (MERGE), which
#: is what makes a batch fast. The old edges of a changed paper are deleted first
#: (``PAPERS_UNLINK``) in the same transaction, so edges are CREATEd, not MERGEd.
PAPERS_WRITE = (
    "UNWIND $rows AS r "
    "MERGE (p:Paper {id: r.id}) SET p = r.props "
    "FOREACH (x IN r.authored | MERGE (a:Author {id: x.key}) "
    "         CREATE (a)-[:AUTHORED {position: x.attrs.position, positions: x.attrs.positions}]->(p)) "
    "FOREACH (x IN r.affiliated | MERGE (i:Institution {id: x.key}) "
    "         CREATE (p)-[:AFFILIATED {position: x.attrs.position, positions: x.attrs.positions}]->(i)) "
    "FOREACH (x IN r.in_category | MERGE (c:Category {code: x.key}) ON CREATE SET c.name_zh = '', c.arxiv = x.arxiv "
    "         CREATE (p)-[:IN_CATEGORY]->(c)) "
    "FOREACH (x IN r.listed_in | MERGE (d:Digest {name: x.key}) "
    "         CREATE (p)-[:LISTED_IN {section: x.attrs.section, rank: x.attrs.rank, url: x.attrs.url, "
    "                                 posted_at: x.attrs.posted_at}]->(d))")
#: The edge type -> the ``PAPERS_WRITE`` row field holding that paper's edges of the type.
EDGE_FIELDS = {"AUTHORED": "authored", "AFFILIATED": "affiliated", "IN_CATEGORY": "in_category", "LISTED_IN": "listed_in"}
assert set(EDGE_FIELDS) == set(EDGE_TYPES) - {"PART_OF"}
PAPERS_OBSERVATIONS = "UNWIND $rows AS r MATCH (p:Paper {id: r.id}) SET p.observations = r.observations"
PAPERS_UNLINK = "UNWIND $ids AS id MATCH (:Paper {id: id})-[e]-() DELETE e"
PAPERS_DELETE = "UNWIND $ids AS id MATCH (p:Paper {id: id}) DETACH DELETE p"
CATEGORIES_SET = "UNWIND $rows AS r MERGE (c:Category {code: r.code}) SET c.name_zh = r.name_zh, c.arxiv = r.arxiv"
#: A category that no legend names and no paper uses is gone, as on reloading the embedded store.
CATEGORIES_DROP = "UNWIND $codes AS code MATCH (c:Category {code: code}) WHERE NOT EXISTS { (c)--() } DELETE c"
AUTHORS_ORPHANS = "UNWIND $keys AS k MATCH (a:Author {id: k}) WHERE NOT EXISTS { (a)--() } DELETE a"
#: An institution goes when no paper lists it and nothing is part of it (its own PART_OF edge goes with it).
INSTITUTIONS_ORPHANS = ("UNWIND $keys AS k MATCH (i:Institution {id: k}) "
                        "WHERE NOT EXISTS { (:Paper)-[:AFFILIATED]->(i) } AND NOT EXISTS { (:Institution)-[:PART_OF]->(i) } "
                        "DETACH DELETE i")

# -- entities -------------------------------------------------------------------------
#: The stored papers carrying any of the written author names (``author_keys``: their comparison
#: forms, see :func:`paperkg.graph.people.author_key`): what a name is re-clustered from.
PAPERS_WITH_AUTHORS = ("MATCH (p:Paper) WHERE any(k IN p.author_keys WHERE k IN $keys) "
                       "RETURN p {.*} AS paper")
#: The ids of every paper of some entities (to compute their spellings); the papers an ingest
#: has just written are known to it, the others are read with :data:`ENTITY_PAPERS`.
ENTITY_PAPER_IDS = {
    "author": "UNWIND $keys AS k MATCH (:Author {id: k})-[:AUTHORED]->(p:Paper) RETURN DISTINCT p.id AS id",
    "institution": "UNWIND $keys AS k MATCH (:Institution {id: k})<-[:AFFILIATED]-(p:Paper) RETURN DISTINCT p.id AS id",
}
ENTITY_PAPERS = ("UNWIND $ids AS id MATCH (p:Paper {id: id}) "
                 "RETURN p {.id, .authors, .author_ids, .institutions, .institution_ids} AS paper")
ENTITIES_SET = {
    "author": "UNWIND $rows AS r MERGE (a:Author {id: r.id}) SET a.name = r.name, a.names = r.names",
    "institution": ("UNWIND $rows AS r MERGE (i:Institution {id: r.id}) SET i.name = r.name, i.names = r.names, "
                    "i.ror = r.ror, i.country = r.country, i.type = r.type, i.parent = r.parent"),
}
#: An institution's one parent: the old PART_OF edge replaced.
PART_OF_SET = ("UNWIND $rows AS r MATCH (a:Institution {id: r.child}) "
               "OPTIONAL MATCH (a)-[old:PART_OF]->() DELETE old "
               "WITH DISTINCT a, r MATCH (b:Institution {id: r.parent}) MERGE (a)-[:PART_OF]->(b)")
#: The PART_OF edges of institutions that are part of nothing now.
PART_OF_CLEAR = "UNWIND $keys AS k MATCH (:Institution {id: k})-[old:PART_OF]->() DELETE old"
#: The parent stored on institution nodes (``institution:<key>``), for the upkeep of what they were part of.
INSTITUTION_PARENTS = "UNWIND $keys AS k MATCH (i:Institution {id: k}) RETURN i.id AS id, i.parent AS parent"
PART_OF_BETWEEN = ("MATCH (a:Institution)-[e:PART_OF]->(b:Institution) WHERE a.id IN $keys AND b.id IN $keys "
                   "RETURN a.id AS source, b.id AS target")
#: The analyst's corrections, in the order they were made.
OVERRIDES = f"MATCH (o:{META}) WHERE o.name STARTS WITH 'override:' RETURN o.seq AS seq, o.data AS data ORDER BY seq"
OVERRIDE_ADD = (f"MERGE (c:{META} {{name: 'override-count'}}) "
                "SET c.value = CASE WHEN c.value IS NULL THEN 1 ELSE c.value + 1 END "
                f"WITH c CREATE (o:{META} {{name: 'override:' + toString(c.value), seq: c.value, data: $data}}) "
                "RETURN o.seq AS seq")
OVERRIDES_CLEAR = f"MATCH (o:{META}) WHERE o.name STARTS WITH 'override' DETACH DELETE o"
RESOLUTION_GET = f"MATCH (m:{META} {{name: 'resolution'}}) RETURN m.value AS value"
RESOLUTION_SET = f"MERGE (m:{META} {{name: 'resolution'}}) SET m.value = $value"
#: The stored ids are no longer known to be current (corrections stored, papers not yet resolved again).
RESOLUTION_CLEAR = f"MATCH (m:{META} {{name: 'resolution'}}) DELETE m"

# -- reads -------------------------------------------------------------------------
NODES = {kind: f"MATCH (n:{LABELS[kind]}) RETURN {_projection(kind)} AS node" for kind in KINDS}
NODES_BY_KEY = {kind: f"UNWIND $keys AS k MATCH (n:{LABELS[kind]} {{{KEYS[kind]}: k}}) RETURN {_projection(kind)} AS node"
                for kind in KINDS}
#: The id key and the labels of every node of a kind, display label first (for resolving names,
#: see :func:`paperkg.graph.base.node_names`).
NAMES_OF = {"paper": "[n.title, n.title_zh]", "author": "[n.name] + coalesce(n.names, [])",
            "institution": "[n.name] + coalesce(n.names, [])",
            "category": "[n.code, n.name_zh]", "digest": "[n.name]"}
NODE_NAMES = {kind: f"MATCH (n:{LABELS[kind]}) RETURN n.{KEYS[kind]} AS key, {NAMES_OF[kind]} AS labels" for kind in KINDS}
#: Each neighbour once per edge, either direction.
NEIGHBOURS = {kind: (f"MATCH (n:{LABELS[kind]} {{{KEYS[kind]}: $key}})-[e]-(m) "
                     f"RETURN labels(m) AS labels, {_NODE_KEY} AS key, type(e) AS type, properties(e) AS attrs")
              for kind in KINDS}
#: Distinct neighbours of many nodes of one kind: one hop of a breadth-first search.
ADJACENT = {kind: (f"UNWIND $keys AS k MATCH (:{LABELS[kind]} {{{KEYS[kind]}: k}})--(m) "
                   f"RETURN DISTINCT labels(m) AS labels, {_NODE_KEY} AS key")
            for kind in KINDS}
#: The kinds each edge type joins, from its start to its end.
EDGE_ENDS = {"AUTHORED": ("author", "paper"), "AFFILIATED": ("paper", "institution"),
             "IN_CATEGORY": ("paper", "category"), "LISTED_IN": ("paper", "digest")}
assert set(EDGE_ENDS) == set(EDGE_TYPES) - {"PART_OF"}  # PART_OF joins institutions: PART_OF_BETWEEN


def _edges_between(etype: str) -> str:
    """Edges of one type between some papers and some other nodes, walked from the
    papers: a paper has a few edges, an author, category or digest thousands."""
    start, end = EDGE_ENDS[etype]
    other = end if start == "paper" else start
    label, key = LABELS[other], KEYS[other]
    arrow = f"-[e:{etype}]->" if start == "paper" else f"<-[e:{etype}]-"
    ends = "k AS source, o.{0} AS target" if start == "paper" else "o.{0} AS source, k AS target"
    return (f"UNWIND $papers AS k MATCH (:Paper {{id: k}}){arrow}(o:{label}) WHERE o.{key} IN $others "
            f"RETURN {ends.format(key)}, properties(e) AS attrs")


#: The edges of an ego subgraph, per type: ``$papers`` and ``$others`` (keys of the other kind).
EDGES_BETWEEN = {etype: _edges_between(etype) for etype in EDGE_ENDS}
assert all(set(ends) & {"paper"} for ends in EDGE_ENDS.values())
#: ``$category`` narrows on the server (an exact upper-case code); the exact
#: filter (:class:`graph.filters.PaperFilter`) is applied to what comes back.
PAPERS = f"MATCH (n:Paper) WHERE $category IS NULL OR toUpper(n.category) = $category RETURN {_projection('paper')} AS node"
#: Every paper with its observations (for writing papers back when their ids are resolved again).
PAPERS_STORED = f"MATCH (n:Paper) RETURN {_projection('paper')} AS node, n.observations AS observations"
PAPER_FACTS = "MATCH (n:Paper) RETURN n.category AS category, n.starred AS starred, n.posted_at AS posted_at"
COUNT_NODES = {kind: f"MATCH (n:{LABELS[kind]}) RETURN count(n) AS count" for kind in KINDS}
COUNT_EDGES = {etype: f"MATCH ()-[e:{etype}]->() RETURN count(e) AS count" for etype in EDGE_TYPES}
DIGESTS = ("MATCH (d:Digest) WHERE d.sha256 IS NOT NULL RETURN d.name AS name, d.file AS file, d.sha256 AS sha256, "
           "d.posted_at AS posted_at, d.entry_count AS entry_count, d.ingested_at AS ingested_at ORDER BY name")
RAW_TEXT = "MATCH (d:Digest {name: $name}) WHERE d.sha256 IS NOT NULL RETURN d.raw_text AS raw_text"
#: For copying a library out (``paperkg sync --from neo4j``).
EXPORT_DIGESTS = ("MATCH (d:Digest) WHERE d.sha256 IS NOT NULL RETURN d.name AS name, d.file AS file, d.sha256 AS sha256, "
                  "d.categories AS categories, d.raw_text AS raw_text ORDER BY name")
EXPORT_OBSERVATIONS = "MATCH (p:Paper) RETURN p.observations AS observations"

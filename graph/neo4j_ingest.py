"""Ingest into Neo4j: the embedded store's merge semantics, written in batches.

The reference is :meth:`paperkg.graph.embedded.EmbeddedStore.ingest`: the same
statuses (added, replaced, unchanged, rejected), the same added/updated lists,
the same merged records (:mod:`paperkg.graph.merge`). What each digest said about each
paper (its *observations*) is kept as JSON on the paper node, so a later
digest re-merges from them exactly as the embedded store does from its
``listings`` table.

A large ingest cannot be one transaction, so it is made *convergent* instead:

1. the digest nodes are created (or kept) with a ``pending`` journal — the
   papers this ingest changes — and their old ``sha256``;
2. papers are written in batches of ``UNWIND $rows … MERGE``, one managed
   transaction each (retried by the driver on transient errors), each batch
   also removing the authors and institutions it left without papers;
3. one last transaction sets each digest's ``sha256``, text and legend and
   removes ``pending``: the commit mark.

If the connection is lost in between, the digest is not marked unchanged, so
running the same ingest again recomputes it from the stored observations
(which already include whatever batches got through: re-merging them is
idempotent) and reports the papers of the unfinished run from its journal.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import orjson

from paperkg.chunks import batched, sized_chunks
from paperkg.graph import cypher
from paperkg.graph.base import listing_fields
from paperkg.graph.entities import Resolver, entity_attributes, institution_node, override_changes, resolve_papers
from paperkg.graph.overrides import Override
from paperkg.graph.people import author_key
from paperkg.graph.merge import category_node, digest_node, merge_paper, observation, paper_edge_rows
from paperkg.graph.model import ARXIV, paper_id
from paperkg.graph.triage import DigestReport, IngestReport, Progress, triage_digests
from paperkg.ingest.model import Digest
from paperkg.memory import paused_gc

_READ_CHUNK = 2000
#: What one write transaction carries at most, roughly: half of the 16 MiB ArcadeDB allows a Bolt message.
MAX_TX_BYTES = 8 * 1024 * 1024


def dumps(value) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def paper_props(record: dict, observations: list[dict]) -> dict:
    """A paper node's properties: the record, with ``sources`` and the observations as JSON, and
    the comparison forms of its written author names (to find a name's papers)."""
    return {**record, "sources": dumps(record["sources"]), "observations": dumps(_canonical(observations)),
            "author_keys": sorted({author_key(a) for a in record["authors"]})}


def paper_from_props(props: dict) -> dict:
    """The paper record of node properties (the inverse of :func:`paper_props`, less observations)."""
    record = {name: props.get(name) for name in cypher.PAPER_PROPS}
    record["sources"] = orjson.loads(record["sources"] or "[]")
    return record


def _canonical(observations: list[dict]) -> list[dict]:
    return sorted(observations, key=lambda o: (o["digest"], o["section"], o["rank"]))


def plan_papers(accepted, listed_before: set[str], stored: dict[str, tuple[dict, list[dict]]],
                pending: dict[str, dict]) -> dict:
    """What to write for the accepted digests, and the added/updated lists of their reports.

    ``stored``: paper id -> (stored record, stored observations); ``pending``:
    digest name -> the journal of an unfinished earlier ingest of it.
    """
    names = {digest.name for digest, _, _ in accepted}
    new_obs: dict[str, list[dict]] = {}
    listed_by: dict[str, list[DigestReport]] = {}
    for digest, _, rep in accepted:
        for entry in digest.entries:
            obs = observation(digest.name, entry)
            new_obs.setdefault(obs["paper"], []).append(obs)
            if rep not in listed_by.setdefault(obs["paper"], []):
                listed_by[obs["paper"]].append(rep)
    plan = {"changed": [], "observations_only": [], "removed": []}
    reported: set[str] = set()
    for pid in sorted(listed_before | set(new_obs)):
        old, old_obs = stored.get(pid, (None, []))
        observations = [o for o in old_obs if o["digest"] not in names] + new_obs.get(pid, [])
        if not observations:
            if old is not None:
                plan["removed"].append(old)
            continue
        record = merge_paper(observations)
        if old is not None and listing_fields(old) == listing_fields(record):
            if _canonical(old_obs) != _canonical(observations):
                plan["observations_only"].append({"id": record["id"], "observations": dumps(_canonical(observations))})
            continue
        plan["changed"].append((record, observations, old))
        reported.add(record["id"])
        for rep in listed_by.get(pid, ()):
            (rep.updated if old is not None else rep.added).append(record["id"])
    removed = {old["id"] for old in plan["removed"]}
    for digest, _, rep in accepted:
        journal = pending.get(digest.name) or {}
        for key in ("added", "updated"):
            for paper in journal.get(key, ()):
                if paper not in reported and paper not in removed and "paper:" + paper in stored:
                    getattr(rep, key).append(paper)
                    reported.add(paper)
    return plan


def paper_batch(changed: list[tuple[dict, list[dict], dict | None]], removed: list[dict]) -> dict:
    """Parameters of one write transaction for changed and removed papers."""
    rows, relink, old_authors, old_institutions = [], [], set(), set()
    for record, observations, old in changed:
        row = {"id": record["id"], "props": paper_props(record, observations), **{f: [] for f in cypher.EDGE_FIELDS.values()}}
        unique = {(source, target): attrs for source, target, attrs in paper_edge_rows(record)}  # the last per pair,
        for (source, target), attrs in unique.items():                                         # as a DiGraph keeps
            etype = attrs["type"]
            other = source if etype == "AUTHORED" else target
            item = {"key": other.split(":", 1)[1], "attrs": {k: v for k, v in attrs.items() if k != "type"}}
            if etype == "IN_CATEGORY":
                item["arxiv"] = ARXIV.get(item["key"], "")
            row[cypher.EDGE_FIELDS[etype]].append(item)
        rows.append(row)
        if old is not None:
            relink.append(record["id"])
            old_authors.update(old.get("author_ids") or ())
            old_institutions.update(old.get("institution_ids") or ())
    for old in removed:
        old_authors.update(old.get("author_ids") or ())
        old_institutions.update(old.get("institution_ids") or ())
    authors = {a for record, _, _ in changed for a in record["author_ids"]}
    institutions = {i for record, _, _ in changed for i in record["institution_ids"]}
    return {"rows": rows, "relink": relink, "removed": [old["id"] for old in removed],
            "old_authors": sorted(old_authors - authors), "old_institutions": sorted(old_institutions - institutions)}


def write_paper_batch(tx, batch: dict, observations_only: list[dict]) -> None:
    """One transaction: papers upserted and relinked, removed papers deleted, orphans dropped."""
    if batch["relink"]:
        tx.run(cypher.PAPERS_UNLINK, ids=batch["relink"]).consume()
    if batch["rows"]:
        tx.run(cypher.PAPERS_WRITE, rows=batch["rows"]).consume()
    if batch["removed"]:
        tx.run(cypher.PAPERS_DELETE, ids=batch["removed"]).consume()
    if observations_only:
        tx.run(cypher.PAPERS_OBSERVATIONS, rows=observations_only).consume()
    if batch["old_authors"]:
        tx.run(cypher.AUTHORS_ORPHANS, keys=batch["old_authors"]).consume()
    if batch["old_institutions"]:
        tx.run(cypher.INSTITUTIONS_ORPHANS, keys=batch["old_institutions"]).consume()


def _commit(tx, digest_rows: list[dict], category_rows: list[dict], dropped_codes: list[str],
            resolution: str | None = None) -> None:
    tx.run(cypher.DIGEST_COMMIT, rows=digest_rows).consume()
    tx.run(cypher.GENERATION_BUMP).consume()
    if resolution:
        tx.run(cypher.RESOLUTION_SET, value=resolution).consume()
    if category_rows:
        tx.run(cypher.CATEGORIES_SET, rows=category_rows).consume()
    if dropped_codes:
        tx.run(cypher.CATEGORIES_DROP, codes=dropped_codes).consume()


class _Ticks:
    """Advance a per-digest progress callback as a fraction of the work gets done."""

    def __init__(self, progress: Progress | None, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def to(self, done: int) -> None:
        done = min(self.total, done)
        if self.progress and done > self.done:
            self.progress(done - self.done)
        self.done = max(self.done, done)


def ingest(client, digests: Iterable[tuple[Digest, str]], progress: Progress | None = None,
           batch_size: int = 1000, wait: float = 0.0, on_wait: Callable[[], None] | None = None) -> IngestReport:
    """Upsert digests (see the module docstring for how a failure is recovered).

    ``progress`` counts digests, as for the embedded store; the ones written
    advance it as their papers' batches are written.
    """
    with paused_gc():  # many small dicts, no garbage: the collector's passes only cost time
        return _ingest(client, digests, progress, batch_size, wait, on_wait)


def _ingest(client, digests, progress, batch_size: int, wait: float, on_wait=None) -> IngestReport:
    report = IngestReport()
    inputs = list(digests)
    ticks = _Ticks(progress, len(inputs))
    names = sorted({digest.name for digest, _ in inputs})
    client.take_lease(wait, on_wait)
    try:
        state = {r["name"]: {"sha256": r["sha256"], "pending": orjson.loads(r["pending"]) if r["pending"] else None}
                 for r in client.read(cypher.DIGEST_STATE, names=names)}
        accepted = triage_digests(inputs, lambda name: state.get(name, {}), report)
        ticks.to(len(inputs) - len(accepted))
        if accepted:
            _write(client, accepted, state, batch_size, ticks)
        ticks.to(len(inputs))
    finally:
        client.release_lease()
    return report


def _write(client, accepted, state: dict[str, dict], batch_size: int, ticks: _Ticks) -> None:
    names = [digest.name for digest, _, _ in accepted]
    listed_before = {"paper:" + r["id"] for r in client.read(cypher.LISTED_PAPERS, names=names)}
    wanted = sorted(listed_before | {paper_id(e.title) for d, _, _ in accepted for e in d.entries})
    stored = {}
    for part in batched(wanted, _READ_CHUNK):
        keys = [pid.split(":", 1)[1] for pid in part]
        for r in client.read(cypher.PAPER_STATE, ids=keys):
            stored["paper:" + r["paper"]["id"]] = (paper_from_props(r["paper"]), orjson.loads(r["observations"] or "[]"))
    pending = {name: state[name]["pending"] for name in names if state.get(name, {}).get("pending")}
    plan = plan_papers(accepted, listed_before, stored, pending)
    resolver = load_resolver(client)
    plan["changed"], touched = resolve_plan(client, resolver, plan, stored, pending)
    parents = stored_parents(client, touched)  # before the batches remove what they leave without papers

    journal = []
    for digest, _, rep in accepted:
        old = pending.get(digest.name) or {}
        journal.append({"name": digest.name, "pending": dumps({
            "sha256": digest.sha256, "added": sorted(set(old.get("added", [])) | set(rep.added)),
            "updated": sorted(set(old.get("updated", [])) | set(rep.updated))})})
    for rows in chunks(journal, lambda row: len(row["pending"]), 10 * batch_size):
        client.write(lambda tx, rows=rows: tx.run(cypher.DIGEST_BEGIN, rows=rows).consume(), action="write the digests")

    changed, removed, obs_only = plan["changed"], plan["removed"], plan["observations_only"]
    size = max(1, batch_size)
    changed_parts = chunks(changed, _paper_bytes, size)
    removed_parts = list(batched(removed, size))
    obs_parts = chunks(obs_only, lambda row: len(row["observations"]), size)
    digest_rows = _digest_rows(accepted)
    commit_parts = chunks(digest_rows, lambda row: len(row["props"]["raw_text"]), 10 * size)
    steps = max(len(changed_parts), len(removed_parts), len(obs_parts)) + len(commit_parts)
    start, share = ticks.done, len(accepted) - 1  # the last digest ticks when all is done
    writes = steps - len(commit_parts)
    with ThreadPoolExecutor(max_workers=1) as prepare:  # the next batch is built while the server writes this one
        def build(i):
            return prepare.submit(paper_batch, _part(changed_parts, i), _part(removed_parts, i)) if i < writes else None

        upcoming = build(0)
        for i in range(writes):
            batch, upcoming = upcoming.result(), build(i + 1)
            client.renew_lease()
            client.write(write_paper_batch, batch, _part(obs_parts, i), action="write papers")
            ticks.to(start + share * (i + 1) // steps)

    refresh_entities(client, resolver, touched, parents, (record for record, _, _ in changed))
    category_rows, dropped = _categories(client, accepted, changed, removed)
    for i, rows in enumerate(commit_parts):
        client.renew_lease()
        last = i == len(commit_parts) - 1
        client.write(_commit, rows, category_rows if last else [], dropped if last else [],
                     resolver.version if last else None, action="commit the digests")
        ticks.to(start + share * (steps - len(commit_parts) + i + 1) // steps)


def load_resolver(client) -> Resolver:
    """The registry and the database's corrections."""
    return Resolver(Override.from_json(r["data"], r["seq"]) for r in client.read(cypher.OVERRIDES))


def entity_node_ids(records: Iterable[dict | None]) -> set[str]:
    """The author and institution node ids the records name (``None`` records skipped)."""
    found = set()
    for record in records:
        if record is not None:
            found.update("author:" + a for a in record.get("author_ids") or () if a)
            found.update("institution:" + i for i in record.get("institution_ids") or () if i)
    return found


def stored_papers(client) -> dict[str, tuple[dict, list[dict]]]:
    """Every stored paper: key -> (record, observations)."""
    return {(record := paper_from_props(r["node"]))["id"]: (record, orjson.loads(r["observations"] or "[]"))
            for r in client.read(cypher.PAPERS_STORED)}


def resolution_current(client, resolver: Resolver) -> bool:
    """Whether the stored ids were resolved by ``resolver``'s rules and registry."""
    return (client.read(cypher.RESOLUTION_GET) or [{"value": None}])[0]["value"] == resolver.version


def _no_papers(keys: set[str]) -> dict[str, dict]:
    return {}


def resolve_plan(client, resolver: Resolver, plan: dict, stored: dict, pending: dict[str, dict]):
    """The plan's changed papers with their entity ids, plus the stored papers whose author ids
    move because a name on a changed paper is clustered again; and the entity node ids to
    refresh. When the stored ids were resolved under other rules, every paper is resolved again."""
    others: dict[str, tuple[dict, list[dict]]] = {}

    def papers_with(keys: set[str]) -> dict[str, dict]:
        found = {}
        for part in batched(sorted(keys), _READ_CHUNK):
            for r in client.read(cypher.PAPERS_WITH_AUTHORS, keys=list(part)):
                record = paper_from_props(r["paper"])
                others[record["id"]] = (record, orjson.loads(r["paper"].get("observations") or "[]"))
                found[record["id"]] = record
        return found

    olds = {record["id"]: (observations, old) for record, observations, old in plan["changed"]}
    changed = {record["id"]: record for record, _, _ in plan["changed"]}
    current = resolution_current(client, resolver)
    if not current:
        removed = {o["id"] for o in plan["removed"]}
        for key, (record, observations) in stored_papers(client).items():
            if key not in changed and key not in removed:
                others[key] = (record, observations)
                changed[key] = dict(record)
    # resolved again in full, every stored paper is in ``changed`` already: nothing more to read
    updated = resolve_papers(changed, plan["removed"], resolver, papers_with if current else _no_papers)
    result = []
    for key, record in sorted(updated.items()):
        if key in olds:
            observations, old = olds[key]
        else:
            old, observations = others[key]
        result.append((record, observations, old))
    touched = entity_node_ids(r for record, _, old in result for r in (record, old)) | entity_node_ids(plan["removed"])
    for journal in pending.values():  # an unfinished ingest: refresh the entities of what it wrote
        touched |= entity_node_ids((stored.get("paper:" + paper) or (None,))[0]
                                   for paper in [*journal.get("added", ()), *journal.get("updated", ())])
    return result, touched


def apply_overrides(client, overrides: list[Override], replace: bool, batch_size: int, wait: float) -> None:
    """Store corrections and resolve again what they touch (every paper whose institution ids
    move, and the names the corrections name), under the write lease. The stored resolution is
    marked out of date with the corrections, and current again once every paper is written: a
    write cut short in between is finished by the next ingest (or correction), which then
    resolves every paper again."""
    with paused_gc():
        client.take_lease(wait)
        try:
            before = load_resolver(client)
            current = resolution_current(client, before)

            def store(tx):
                if replace:
                    tx.run(cypher.OVERRIDES_CLEAR).consume()
                for override in overrides:
                    tx.run(cypher.OVERRIDE_ADD, data=override.to_json()).consume()
                tx.run(cypher.RESOLUTION_CLEAR).consume()
            client.write(store, action="store the corrections")
            resolver = load_resolver(client)
            stored = stored_papers(client)
            records = [record for record, _ in stored.values()]
            changed, names = override_changes(before, resolver, records)
            if not current:  # ids of other rules, or an earlier correction cut short: all again
                changed = {record["id"]: dict(record) for record in records}
            papers_with = (lambda keys: {k: rec for k, (rec, _) in stored.items()
                                         if any(author_key(a) in keys for a in rec["authors"])})
            updated = resolve_papers(changed, [], resolver, papers_with, names)
            rows = [(record, stored[key][1], stored[key][0]) for key, record in sorted(updated.items())]
            touched = entity_node_ids(r for record, _, old in rows for r in (record, old))
            parents = stored_parents(client, touched)
            for part in chunks(rows, _paper_bytes, max(1, batch_size)):
                client.renew_lease()
                client.write(write_paper_batch, paper_batch(part, []), [], action="write papers")
            refresh_entities(client, resolver, touched, parents, (record for record, _, _ in rows))

            def commit(tx):
                tx.run(cypher.GENERATION_BUMP).consume()
                tx.run(cypher.RESOLUTION_SET, value=resolver.version).consume()
            client.write(commit, action="commit the corrections")
        finally:
            client.release_lease()


def refresh_entities(client, resolver: Resolver, touched: set[str], parents: dict[str, str] | None = None,
                     written: Iterable[dict] = ()) -> None:
    """Names, spellings and registry facts of the touched author and institution nodes from
    all their papers now; their parents and ``PART_OF`` edges (an institution part of nothing
    now loses its edge); nodes left without papers (and, for an institution, without sub-units)
    removed, and the parents they, or institutions that moved, were part of likewise.

    ``parents``: the parents stored on the touched institutions before their papers were
    written (:func:`stored_parents`; a batch may have removed a sub-unit since). ``written``:
    records just written, which are not read back from the server (on a fresh ingest, that is
    every paper: the entities' papers are then only asked for by id)."""
    by_kind: dict[str, list[str]] = {"author": [], "institution": []}
    for node_id in sorted(touched):
        kind, key = node_id.split(":", 1)
        by_kind[kind].append(key)
    ids: set[str] = set()
    for kind, keys in by_kind.items():
        for part in batched(keys, _READ_CHUNK):
            ids.update(r["id"] for r in client.read(cypher.ENTITY_PAPER_IDS[kind], keys=list(part)))
    known = {record["id"]: record for record in written}
    records = {key: known[key] for key in ids if key in known}
    for part in batched(sorted(ids - records.keys()), _READ_CHUNK):
        for r in client.read(cypher.ENTITY_PAPERS, ids=list(part)):
            records[r["paper"]["id"]] = r["paper"]
    attrs = entity_attributes(records.values(), resolver)
    ancestors: set[str] = set()
    for node_id in touched:
        parent = attrs.get(node_id, {}).get("parent")
        while parent and parent not in ancestors:
            ancestors.add(parent)
            parent = attrs.get(parent, {}).get("parent")
    wanted = {n: attrs[n] for n in sorted(touched | ancestors) if n in attrs}
    stored_parent = {**_stored_parents(client, [n.split(":", 1)[1] for n in wanted if n.startswith("institution:")]
                                       + by_kind["institution"]), **(parents or {})}
    rows: dict[str, list[dict]] = {"author": [], "institution": []}
    for node_id, a in wanted.items():
        kind, key = node_id.split(":", 1)
        rows[kind].append({"id": key, **{k: v for k, v in a.items() if k != "kind"}})
    links = [{"child": n.split(":", 1)[1], "parent": a["parent"].split(":", 1)[1]} for n, a in wanted.items()
             if a["kind"] == "institution" and a.get("parent")]
    unlinked = [n.split(":", 1)[1] for n, a in wanted.items() if a["kind"] == "institution" and not a.get("parent")]
    if rows["author"] or rows["institution"] or links or unlinked:
        def write(tx):
            for kind in ("author", "institution"):
                for part in batched(rows[kind], 1000):
                    tx.run(cypher.ENTITIES_SET[kind], rows=list(part)).consume()
            for part in batched(links, 1000):
                tx.run(cypher.PART_OF_SET, rows=list(part)).consume()
            for part in batched(unlinked, 1000):
                tx.run(cypher.PART_OF_CLEAR, keys=list(part)).consume()
        client.write(write, action="write authors and institutions")
    gone_authors = [k for k in by_kind["author"] if "author:" + k not in attrs]
    gone_institutions = [k for k in by_kind["institution"] if "institution:" + k not in attrs]
    # a removed sub-unit may leave its parent without papers and sub-units, and so may one that moved
    candidates = gone_institutions + [stored_parent[k] for n, a in wanted.items() if a["kind"] == "institution"
                                      if (k := n.split(":", 1)[1]) in stored_parent
                                      and "institution:" + stored_parent[k] != a.get("parent")]
    depth: dict[str, int] = {}
    frontier = [(key, 0) for key in candidates]
    while frontier:
        unknown = {key for key, _ in frontier} - set(stored_parent)
        known = _stored_parents(client, sorted(unknown))
        for key in unknown - set(known):  # its node gone already (an earlier run cut short): the registry's
            parent = institution_node(key, "", [], resolver).get("parent")
            if parent:
                known[key] = parent.split(":", 1)[1]
        stored_parent.update(known)
        following = []
        for key, level in frontier:
            if depth.get(key, -1) < level:
                depth[key] = level
                if stored_parent.get(key):
                    following.append((stored_parent[key], level + 1))
        frontier = following
    chain = sorted(depth, key=lambda k: (depth[k], k))  # sub-units before what they are part of

    def drop(tx):
        if gone_authors:
            tx.run(cypher.AUTHORS_ORPHANS, keys=gone_authors).consume()
        for key in chain:  # children before parents
            tx.run(cypher.INSTITUTIONS_ORPHANS, keys=[key]).consume()
    if gone_authors or chain:
        client.write(drop, action="remove authors and institutions without papers")


def stored_parents(client, node_ids: set[str]) -> dict[str, str]:
    """Institution key -> the key of its stored parent, for the institutions among ``node_ids``."""
    return _stored_parents(client, [n.split(":", 1)[1] for n in node_ids if n.startswith("institution:")])


def _stored_parents(client, keys: list[str]) -> dict[str, str]:
    """Institution key -> the key of the parent stored on its node, for those that have one."""
    found = {}
    for part in batched(sorted(set(keys)), _READ_CHUNK):
        for r in client.read(cypher.INSTITUTION_PARENTS, keys=list(part)):
            if r["parent"]:
                found[r["id"]] = r["parent"].split(":", 1)[1]
    return found


def _paper_bytes(item) -> int:
    """About the bytes of a changed paper's row: its record and observations (Chinese text: 3 bytes a character)."""
    _, observations, _ = item
    text = sum(len(o["abstract"]) + len(o["title"]) + 3 * (len(o["summary_zh"]) + len(o["title_zh"])) for o in observations)
    return 2 * text + 400 * len(observations) + 1024


def _part(parts: list[list], i: int) -> list:
    return parts[i] if i < len(parts) else []


def chunks(items: list, size_of, max_count: int, max_bytes: int | None = None) -> list[list]:
    """``items`` in runs of at most ``max_count`` and about ``max_bytes`` (default
    :data:`MAX_TX_BYTES`), one transaction each."""
    return sized_chunks(items, size_of, max_count, MAX_TX_BYTES if max_bytes is None else max_bytes)


def _digest_rows(accepted) -> list[dict]:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for digest, raw_text, _ in accepted:
        node = digest_node(digest)
        rows.append({"name": digest.name, "props": {
            "file": node["file"], "posted_at": node["posted_at"], "entry_count": node["entry_count"],
            "sha256": digest.sha256, "raw_text": raw_text, "categories": dumps(digest.categories), "ingested_at": now}})
    return rows


def _categories(client, accepted, changed, removed) -> tuple[list[dict], list[str]]:
    """Category rows named by all legends once these digests are in, and the codes
    that may now be unused (dropped when nothing links to them)."""
    legends = {r["name"]: orjson.loads(r["categories"] or "{}") for r in client.read(cypher.ALL_LEGENDS)}
    before = {code for digest, _, _ in accepted for code in legends.get(digest.name, {})}
    before |= {old["category"] for _, _, old in changed if old is not None and old["category"]}
    before |= {old["category"] for old in removed if old["category"]}
    for digest, _, _ in accepted:
        legends[digest.name] = digest.categories
    names_by_code: dict[str, list[str]] = {}
    for legend in legends.values():
        for code, name in legend.items():
            names_by_code.setdefault(code, []).append(name)
    rows = [{k: v for k, v in category_node(code, names_by_code.get(code, [])).items() if k != "kind"}
            for code in sorted(set(names_by_code) | before)]
    return rows, sorted(before - set(names_by_code))

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

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import orjson

from paperkg.chunks import batched, sized_chunks
from paperkg.graph import cypher
from paperkg.graph.base import public_paper
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
    """A paper node's properties: the record, with ``sources`` and the observations as JSON."""
    return {**record, "sources": dumps(record["sources"]), "observations": dumps(_canonical(observations))}


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
        if old is not None and public_paper(old) == public_paper(record):
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
            old_authors.update(old["authors"])
            old_institutions.update(old["institutions"])
    for old in removed:
        old_authors.update(old["authors"])
        old_institutions.update(old["institutions"])
    authors = {a for record, _, _ in changed for a in record["authors"]}
    institutions = {i for record, _, _ in changed for i in record["institutions"]}
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
        tx.run(cypher.AUTHORS_ORPHANS, names=batch["old_authors"]).consume()
    if batch["old_institutions"]:
        tx.run(cypher.INSTITUTIONS_ORPHANS, names=batch["old_institutions"]).consume()


def _commit(tx, digest_rows: list[dict], category_rows: list[dict], dropped_codes: list[str]) -> None:
    tx.run(cypher.DIGEST_COMMIT, rows=digest_rows).consume()
    tx.run(cypher.GENERATION_BUMP).consume()
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
           batch_size: int = 1000, wait: float = 0.0) -> IngestReport:
    """Upsert digests (see the module docstring for how a failure is recovered).

    ``progress`` counts digests, as for the embedded store; the ones written
    advance it as their papers' batches are written.
    """
    with paused_gc():  # many small dicts, no garbage: the collector's passes only cost time
        return _ingest(client, digests, progress, batch_size, wait)


def _ingest(client, digests, progress, batch_size: int, wait: float) -> IngestReport:
    report = IngestReport()
    inputs = list(digests)
    ticks = _Ticks(progress, len(inputs))
    names = sorted({digest.name for digest, _ in inputs})
    client.take_lease(wait)
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

    category_rows, dropped = _categories(client, accepted, changed, removed)
    for i, rows in enumerate(commit_parts):
        client.renew_lease()
        last = i == len(commit_parts) - 1
        client.write(_commit, rows, category_rows if last else [], dropped if last else [], action="commit the digests")
        ticks.to(start + share * (steps - len(commit_parts) + i + 1) // steps)


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

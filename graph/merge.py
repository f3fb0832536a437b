"""Pure merging: the observations of a paper (one per digest listing) -> one record.

The merged record depends only on the *set* of observations, never on the
order they arrived in, so ingesting digests in any order gives the same graph.
Richer data wins: each field comes from the first observation, in source order
(main entries before short ones, then earliest post, digest name, rank), that
has it non-empty — so a full entry adds the abstract to a paper first seen in
a short section.
"""
from __future__ import annotations

import os

from paperkg.ingest.model import Digest, Entry

from paperkg.graph.model import ARXIV, Edge, Observation, Paper, paper_id, paper_key

TEXT_FIELDS = ("title", "title_zh", "summary_zh", "abstract", "category", "url")


def observation(digest_name: str, entry: Entry) -> Observation:
    """What one digest says about one paper."""
    return {
        "paper": paper_id(entry.title), "digest": digest_name, "section": entry.section, "rank": entry.rank,
        "title": entry.title, "title_zh": entry.title_zh, "summary_zh": entry.summary_zh,
        "abstract": entry.abstract, "category": entry.category, "url": entry.url,
        "posted_at": entry.posted_at or "", "starred": entry.starred,
        "authors": list(entry.authors), "institutions": list(entry.institutions),
    }


def _source_order(obs: dict) -> tuple:
    return (obs["section"] != "main", obs["posted_at"] or "~", obs["digest"], obs["rank"])


def merge_paper(observations: list[Observation]) -> Paper:
    """The paper record: every field of the paper plus its ``sources``."""
    ordered = sorted(observations, key=_source_order)
    record: dict = {"id": paper_key(ordered[0]["title"])}
    for name in TEXT_FIELDS:
        record[name] = next((o[name] for o in ordered if o[name]), "")
    record["authors"] = next((o["authors"] for o in ordered if o["authors"]), [])
    record["institutions"] = next((o["institutions"] for o in ordered if o["institutions"]), [])
    times = [o["posted_at"] for o in ordered if o["posted_at"]]
    record["posted_at"] = min(times) if times else ""
    record["starred"] = any(o["starred"] for o in ordered)
    chronological = sorted(ordered, key=lambda o: (o["posted_at"] or "~", o["digest"], o["section"], o["rank"]))
    record["sources"] = [
        {"digest": o["digest"], "section": o["section"], "rank": o["rank"], "url": o["url"], "posted_at": o["posted_at"]}
        for o in chronological
    ]
    return record


def paper_node(record: dict) -> dict:
    return {"kind": "paper", **record}


def paper_edge_rows(record: dict) -> list[tuple[str, str, dict]]:
    """The edges a paper record implies, as ``(source, target, attrs)`` with the edge ``type``
    among the attrs, to the resolved entities (``author_ids``, ``institution_ids``). Two slots
    of one entity on a paper (an institution listed twice) are one edge carrying both
    ``positions``; two people sharing a written name on one paper are two authors."""
    pid = "paper:" + record["id"]
    rows: list[tuple[str, str, dict]] = []
    for field, prefix, edge_type in (("author_ids", "author:", "AUTHORED"), ("institution_ids", "institution:", "AFFILIATED")):
        positions: dict[str, list[int]] = {}
        for pos, key in enumerate(record.get(field) or (), start=1):
            positions.setdefault(key, []).append(pos)
        for key, pos in positions.items():
            attrs = {"type": edge_type, "position": pos[0], "positions": pos}
            rows.append((prefix + key, pid, attrs) if edge_type == "AUTHORED" else (pid, prefix + key, attrs))
    if record["category"]:
        rows.append((pid, "category:" + record["category"], {"type": "IN_CATEGORY"}))
    for src in record["sources"]:
        rows.append((pid, "digest:" + src["digest"], {"type": "LISTED_IN", "section": src["section"], "rank": src["rank"],
                                                      "url": src["url"], "posted_at": src["posted_at"]}))
    return rows


def paper_edges(record: dict) -> list[Edge]:
    """:func:`paper_edge_rows` as :class:`Edge` values."""
    return [Edge(s, t, attrs["type"], {k: v for k, v in attrs.items() if k != "type"}) for s, t, attrs in paper_edge_rows(record)]


def bare_category_node(code: str) -> dict:
    """A category node before any legend has named it."""
    return {"kind": "category", "code": code, "name_zh": "", "arxiv": ARXIV.get(code, "")}


def category_node(code: str, names: list[str]) -> dict:
    """A category's Chinese name is the one most legends give it (ties: smallest)."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    best = min(counts, key=lambda n: (-counts[n], n)) if counts else ""
    return {"kind": "category", "code": code, "name_zh": best, "arxiv": ARXIV.get(code, "")}


def category_names(legends: list[dict[str, str]]) -> dict[str, str]:
    """Code -> Chinese name of every category the legends name (see :func:`category_node`)."""
    names: dict[str, list[str]] = {}
    for legend in legends:
        for code, name in legend.items():
            names.setdefault(code, []).append(name)
    return {code: category_node(code, found)["name_zh"] for code, found in sorted(names.items())}


def digest_node(digest: Digest) -> dict:
    return {"kind": "digest", "name": digest.name, "file": os.path.basename(digest.file), "posted_at": digest.posted_at or "",
            "entry_count": len(digest.entries)}


def digest_from_observations(name: str, file: str, sha256: str, categories: dict,
                             observations: list[Observation]) -> Digest:
    """A :class:`Digest` whose entries give back ``observations`` (the inverse of
    :func:`observation`): how a store hands its digests to another (``paperkg sync``)
    without the original files."""
    entries = [Entry(section=o["section"], rank=o["rank"], line=0, category=o["category"], title=o["title"],
                     authors=list(o["authors"]), institutions=list(o["institutions"]), title_zh=o["title_zh"],
                     summary_zh=o["summary_zh"], abstract=o["abstract"], url=o["url"], posted_at=o["posted_at"] or None,
                     starred=o["starred"])
               for o in sorted(observations, key=lambda o: (o["section"] != "main", o["rank"]))]
    return Digest(name=name, file=file, categories=categories, entries=entries, problems=[], sha256=sha256)

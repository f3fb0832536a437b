"""Copying a library between stores (``paperkg sync``) without the digest files.

A library is its digests: the text each was ingested from and what it said
about each paper (the observations). Copying rebuilds each digest from its
observations and ingests it into the other store, so the copy goes through
that store's own merge and is idempotent: a digest already there with the
same content is ``unchanged``.
"""
from __future__ import annotations

from ingest.model import Digest, Entry


def digest_from_observations(name: str, file: str, sha256: str, categories: dict, observations: list[dict]) -> Digest:
    """A :class:`Digest` whose entries give back ``observations`` (see :func:`graph.merge.observation`)."""
    entries = [Entry(section=o["section"], rank=o["rank"], line=0, category=o["category"], title=o["title"],
                     authors=list(o["authors"]), institutions=list(o["institutions"]), title_zh=o["title_zh"],
                     summary_zh=o["summary_zh"], abstract=o["abstract"], url=o["url"], posted_at=o["posted_at"] or None,
                     starred=o["starred"])
               for o in sorted(observations, key=lambda o: (o["section"] != "main", o["rank"]))]
    return Digest(name=name, file=file, categories=categories, entries=entries, problems=[], sha256=sha256)


def library_digests(library) -> list[tuple[Digest, str]]:
    """Every digest of an embedded library (:class:`graph.library.Library`), with its text."""
    rows, listings = library.export()
    by_digest: dict[str, list[dict]] = {}
    for obs in listings:
        by_digest.setdefault(obs["digest"], []).append(obs)
    return [(digest_from_observations(r["name"], r["file"], r["sha256"], r["categories"], by_digest.get(r["name"], [])),
             r["raw_text"]) for r in rows]

"""What an ingest did, and which input digests it writes: the part both stores share.

:func:`triage_digests` decides, before anything is written, each input's fate:
rejected (no entries; or a second input of this run with the same name and other
content), unchanged (same content already stored and not left half-written), or
to be written (added or replaced). Both stores call it, so they report the same.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from paperkg.ingest.model import Digest, Problem

#: Called with how many more inputs are done.
Progress = Callable[[int], None]


@dataclass
class DigestReport:
    """What ingesting one digest did."""

    name: str
    file: str
    status: str  # "added", "replaced", "unchanged", "rejected"
    added: list[str] = field(default_factory=list)  # paper ids new to the library
    updated: list[str] = field(default_factory=list)  # paper ids whose record changed
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0


@dataclass
class IngestReport:
    digests: list[DigestReport] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for d in self.digests for p in d.problems]

    @property
    def added(self) -> set[str]:
        """Papers new to the library (a paper two digests of one run list counts once)."""
        return {pid for d in self.digests for pid in d.added}

    @property
    def updated(self) -> set[str]:
        return {pid for d in self.digests for pid in d.updated} - self.added

    @property
    def changed_papers(self) -> set[str]:
        return self.added | self.updated

    @property
    def rejected(self) -> list[DigestReport]:
        return [d for d in self.digests if d.status == "rejected"]


def triage_digests(digests: Iterable[tuple[Digest, str]], stored: Callable[[str], dict], report: IngestReport,
                   progress: Progress | None = None) -> list[tuple[Digest, str, DigestReport]]:
    """Report every input digest; return those to write, with their reports.

    ``stored(name)`` gives what the store holds for a digest name: ``{"sha256": …,
    "pending": …}`` or ``{}``.
    """
    accepted, batch_files = [], {}
    for digest, raw_text in digests:
        rep = DigestReport(digest.name, digest.file, "added", problems=list(digest.problems), entries=len(digest.entries))
        report.digests.append(rep)
        if progress:
            progress(1)
        if not digest.entries:
            rep.status = "rejected"
            continue
        if digest.name in batch_files:
            other_file, other_sha = batch_files[digest.name]
            if other_sha != digest.sha256:
                rep.status = "rejected"
                rep.problems.append(Problem(digest.file, 0, f"another input in this run ({other_file}) is also named "
                                                            f"{digest.name!r}; rename one of them; file rejected"))
            else:
                rep.status = "unchanged"
            continue
        batch_files[digest.name] = (digest.file, digest.sha256)
        state = stored(digest.name)
        if state.get("sha256") == digest.sha256 and not state.get("pending"):
            rep.status = "unchanged"
            continue
        rep.status = "replaced" if state.get("sha256") else "added"
        accepted.append((digest, raw_text, rep))
    return accepted

"""Ingest, then index: the one way digests enter a library (CLI, app, sync, benches, tests)."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import PurePath

from paperkg.errors import InputError
from paperkg.graph.base import Store
from paperkg.graph.config import Settings
from paperkg.graph.factory import open_store
from paperkg.graph.triage import IngestReport
from paperkg.ingest.files import digest_paths, parse_digest_bytes, read_digest, read_stdin
from paperkg.ingest.model import Digest
from paperkg.services.indexing import index_after_write
from paperkg.services.progress import WAITING, Progress, counter

#: A digest handed in as data (the app's uploads): ``(file name, bytes)``.
Upload = tuple[str, bytes]


@dataclass
class IngestOutcome:
    report: IngestReport
    unreadable: list[str] = field(default_factory=list)  # one line per input that could not be read
    index: dict | None = None  # what the search index update did
    index_error: str | None = None  # why the index could not follow the library

    @property
    def problems(self) -> list[str]:
        return [str(p) for p in self.report.problems] + self.unreadable

    @property
    def exit_code(self) -> int:
        """0 ok, 1 some input rejected (the rest kept), 2 an input or the index unusable."""
        if self.unreadable or self.index_error:
            return 2
        return 1 if self.report.problems or self.report.rejected else 0


def ingest(settings: Settings, inputs: Sequence[str | Upload], *, wait: float = 0.0, progress: Progress | None = None,
           store: Store | None = None, store_lock: AbstractContextManager | None = None, index: bool = True) -> IngestOutcome:
    """Parse ``inputs`` (paths: files, folders searched for ``*.txt``/``*.md``, ``-`` for stdin;
    or uploads), write them into the store, then bring the search index up to date.

    ``store``: an open store to use (the app's), guarded by ``store_lock``; else the one
    ``settings`` name is opened for this call. ``wait``: seconds to wait for another writer.
    A missing path raises :class:`~paperkg.errors.InputError` before anything is written."""
    sources = _expand(inputs)
    outcome = IngestOutcome(IngestReport())
    lock = store_lock or nullcontext()
    owned = store is None
    if owned:
        store = open_store(settings, wait=wait)
    try:
        parsed = _parse(sources, outcome.unreadable)
        with lock:
            outcome.report = store.ingest(parsed, progress=counter(progress, "ingesting", len(sources)), wait=wait,
                                          on_wait=progress and (lambda: progress(WAITING, 0, 0)))
        if index:
            outcome.index, outcome.index_error = index_after_write(settings, store, progress, store_lock)
    finally:
        if owned:
            store.close()
    return outcome


def _expand(inputs: Sequence[str | Upload]) -> list[str | Upload]:
    sources: list[str | Upload] = []
    for item in inputs:
        if isinstance(item, str):
            sources.extend(digest_paths([item]))
        else:
            sources.append(item)
    return sources


def _parse(sources: list[str | Upload], unreadable: list[str]) -> Iterator[tuple[Digest, str]]:
    """Each source parsed in turn, lazily: the store takes one digest at a time."""
    for source in sources:
        try:
            if isinstance(source, tuple):
                name, data = source
                yield parse_digest_bytes(data, name, PurePath(name).stem)
            else:
                yield read_stdin() if source == "-" else read_digest(source)
        except InputError as exc:
            unreadable.append(str(exc))

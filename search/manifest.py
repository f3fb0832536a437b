"""Where the search index lives in the library, and the manifest that names its current files.

Layout (``<home>/search/``)::

    manifest.json       the current version: model key, encoder, dim, counts, index type, files
    search.sqlite       embedding cache and the search-side paper records (search.db)
    vectors-<v>.faiss   faiss index of version v
    rows-<v>.npy        paper rows of version v (the live set)
    kw-<name>/          keyword segments (immutable; the manifest lists the live ones)
    write.lock          held while the index is being updated

An update writes new files, then replaces ``manifest.json`` atomically (temp
file + ``os.replace``): a crash leaves the previous version whole. Files of
older versions are deleted after the switch (the previous one is kept so a
reader that has just read the old manifest can still open it).
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson

from paperkg.disk_errors import described, entering
from paperkg.diskio import atomic_write_bytes, exclusive_lock
from paperkg.errors import PaperkgError
from paperkg.search.errors import IndexCorrupt

FORMAT = 1


def search_dir(home: Path) -> Path:
    return Path(home) / "search"


@dataclass
class Manifest:
    version: int
    model: str
    dim: int
    papers: int
    vectors: int
    index_type: str
    vectors_file: str
    rows_file: str
    segments: list[str] = field(default_factory=list)
    nprobe: int = 0
    library_generation: int | None = None
    #: How the vectors were made: runtime, precision, the fast build's check (see search.models).
    encoder: dict = field(default_factory=dict)
    #: ``[size, crc32]`` of each file it names (``kw-<name>/<file>`` inside segments), checked on
    #: open (see search.index_files): a damaged file is an error, never a wrong answer.
    checksums: dict = field(default_factory=dict)
    #: The tokenizer that made the keyword segments (:func:`paperkg.search.tokenize.fingerprint`;
    #: empty in an index written before it was recorded, so those segments are rebuilt).
    tokenizer: str = ""
    format: int = FORMAT

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2)


def read_manifest(home: Path) -> Manifest | None:
    path = search_dir(home) / "manifest.json"
    try:
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise IndexCorrupt(path, str(exc)) from exc
    if raw.get("format") != FORMAT:
        raise IndexCorrupt(path, f"format {raw.get('format')} is not {FORMAT}")
    try:
        return Manifest(**raw)
    except TypeError as exc:
        raise IndexCorrupt(path, str(exc)) from exc


def write_manifest(home: Path, manifest: Manifest) -> None:
    """Switch the index to ``manifest``'s files, atomically."""
    atomic_write_bytes(search_dir(home) / "manifest.json", manifest.to_json())


def remove_stale(home: Path, keep: set[str]) -> None:
    """Delete index files and folders not named in ``keep`` (and leftover temp files)."""
    for path in search_dir(home).iterdir():
        name = path.name
        if name in keep or name in ("manifest.json", "write.lock") or name.startswith("search.sqlite"):
            continue
        if name.startswith(("vectors-", "rows-", "kw-", ".")):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


@contextmanager
def write_lock(home: Path, wait: float = 600.0):
    """Only one process updates the index at a time; others wait up to ``wait`` seconds. A
    folder or lock file the machine refuses is one line naming it and the fix."""
    folder = search_dir(home)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PaperkgError(described(exc, folder)) from exc
    lock = exclusive_lock(folder / "write.lock", wait, lambda pid: (
        f"the search index of {home} is being updated by another paperkg process (pid {pid}); "
        "wait for it to finish and run the command again"), poll=0.2)
    with entering(lock, lambda exc: PaperkgError(described(exc, folder / "write.lock"))):
        yield

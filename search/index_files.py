"""Opening the files a manifest names, checked, so that damage is one line and never a wrong answer.

A truncated, emptied or garbled ``rows-*.npy``, ``vectors-*.faiss`` or keyword segment
fails here with :class:`IndexCorrupt` naming the file (``paperkg reindex`` rebuilds it from
the library), instead of an ``EOFError`` traceback or an index that silently answers from
damaged vectors. The manifest records each file's size and CRC-32 when it is written;
checking them reads each file once more (~45 ms per 77 MB, the vectors of 50k papers),
which is the price of never answering from a garbled file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import zlib

import numpy as np

from paperkg.search import keyword
from paperkg.search.errors import IndexCorrupt, first_line
from paperkg.search.manifest import Manifest, search_dir
from paperkg.search.vectors import VectorIndex

#: What numpy, faiss and orjson raise for a file that is not what it should be.
_DAMAGE = (OSError, ValueError, RuntimeError, EOFError, IndexError, KeyError, TypeError)


@dataclass
class IndexFiles:
    vectors: VectorIndex
    rows: np.ndarray
    segments: list[keyword.Segment]


def checksums(folder: Path, names: list[str], known: dict) -> dict:
    """``[size, crc32]`` of each file ``names`` cover (a segment folder: each file in it),
    taking those in ``known`` (files of an earlier version, never rewritten) as they are."""
    found = {}
    for name in names:
        path = folder / name
        for item in sorted(path.iterdir()) if path.is_dir() else [path]:
            key = item.relative_to(folder).as_posix()
            found[key] = known.get(key) or [item.stat().st_size, _crc32(item)]
    return found


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc


def verify(folder: Path, manifest: Manifest) -> None:
    """Raise :class:`IndexCorrupt` for the first file that is not what the manifest recorded."""
    for key, (size, crc) in manifest.checksums.items():
        path = folder / key
        try:
            actual = path.stat().st_size
            if actual != size:
                raise IndexCorrupt(path, f"{actual:,} bytes, the manifest recorded {size:,}")
            if _crc32(path) != crc:
                raise IndexCorrupt(path, "its content differs from what was written (CRC-32)")
        except OSError as exc:
            raise IndexCorrupt(path, exc.strerror or str(exc)) from exc


def load_files(home: Path, manifest: Manifest, nprobe: int) -> IndexFiles:
    folder = search_dir(home)
    verify(folder, manifest)
    vectors = _checked(folder / manifest.vectors_file, lambda p: VectorIndex.load(p, nprobe))
    if len(vectors) != manifest.vectors or vectors.dim != manifest.dim:
        raise IndexCorrupt(folder / manifest.vectors_file, f"{len(vectors)} vectors of {vectors.dim} dimensions, "
                                                           f"the manifest says {manifest.vectors} of {manifest.dim}")
    rows = _checked(folder / manifest.rows_file, lambda p: np.load(p, allow_pickle=False))
    if rows.ndim != 1 or rows.dtype.kind != "i" or len(rows) != manifest.papers or (len(rows) and rows.min() < 0):
        raise IndexCorrupt(folder / manifest.rows_file, f"not the {manifest.papers} paper rows the manifest records")
    segments = [_checked(folder / f"kw-{name}", _segment) for name in manifest.segments]
    return IndexFiles(vectors, rows, segments)


def _checked(path: Path, load):
    try:
        return load(path)
    except _DAMAGE as exc:
        raise IndexCorrupt(path, first_line(exc)) from exc


def _segment(folder: Path) -> keyword.Segment:
    seg = keyword.read_segment(folder)
    n_docs, nnz = len(seg.rows), len(seg.docs)
    consistent = (len(seg.lengths) == n_docs and len(seg.indptr) == len(seg.terms) + 1 and len(seg.tfs) == nnz
                  and (not len(seg.indptr) or int(seg.indptr[-1]) == nnz)
                  and (not nnz or 0 <= int(np.min(seg.docs)) and int(np.max(seg.docs)) < n_docs))
    if not consistent:
        raise ValueError("its arrays do not fit together")
    return seg

"""The faiss vector index: exhaustive while small, IVF with 8-bit scalar quantisation above a size.

Vectors are L2-normalised, so inner product is cosine. Vector ids are chosen by
the caller (``row * SLOT_COUNT + slot``). Both kinds add and remove vectors in
place; the file is written with ``faiss.write_index`` (no pickle) to a temp
name and renamed (:func:`paperkg.diskio.atomic_write_with`).

The small index (``flat-fp16``) scans every vector, stored as float16: the scan
is memory-bound, and halving the bytes halved it (100k vectors: 7.6 -> 4.0 ms
per query on one core) while scores stay within 1e-4 of float32 (top-10
identical on all 80 evaluation queries against a 50k-paper library). The large
one (``ivf-sq8``) is ``IVF{nlist},SQ8`` (384 B of codes + 8 B id per vector)
searched with ``nprobe`` lists; both numbers were chosen with ``bench/bench_ann.py``.

Filters arrive as a set of allowed ids (a faiss bitmap selector), so a
filtered search still returns the best ``k`` allowed vectors: exact for the
flat index; for IVF the probe count grows as the allowed share shrinks, and
if that still finds fewer than ``k``, every list is scanned.
"""
from __future__ import annotations

import errno
import math
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from paperkg.diskio import atomic_write_with

#: From this many vectors on, the index is approximate. Measured (bench/bench_ann.py
#: --sweep-only, one thread, quiet machine): the flat-fp16 scan takes 5.5 ms at 100k
#: vectors, 10.7 ms at 200k, 15.8 ms at 300k; 150k (~75k papers) keeps it near a
#: quarter of the 30 ms hybrid budget, next to ~18 ms of query encoding.
APPROX_MIN_VECTORS = 150_000
#: At 1M vectors, IVF4096,SQ8: nprobe 32 -> recall@10 0.951, 48 -> 0.963 (p50 1.3 ms), 64 -> 0.967.
NPROBE = 48
TRAIN_PER_LIST = 64


def nlist_for(n: int) -> int:
    """About 4 sqrt(n) lists, a power of two."""
    return 1 << max(6, round(math.log2(4 * math.sqrt(max(n, 1)))))


@contextmanager
def _single_thread(n_queries: int):
    """One OpenMP thread for a few queries: a single query is not split across threads
    anyway, and spinning idle threads made flat search ~7x slower whenever the other
    core was busy (100k vectors: 59 ms with 2 threads vs 8.7 ms with 1, on 2 cores)."""
    if n_queries >= 8:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class VectorIndex:
    def __init__(self, index: faiss.Index, nprobe: int = NPROBE):
        self.index = index
        self.nprobe = nprobe

    @property
    def kind(self) -> str:
        return "flat-fp16" if isinstance(self.index, faiss.IndexIDMap2) else "ivf-sq8"

    @property
    def dim(self) -> int:
        return self.index.d

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def flat(cls, dim: int) -> "VectorIndex":
        fp16 = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        return cls(faiss.IndexIDMap2(fp16))

    @classmethod
    def approximate(cls, ids: np.ndarray, vectors: np.ndarray, nlist: int | None = None,
                    nprobe: int = NPROBE, seed: int = 0) -> "VectorIndex":
        """Train IVF-SQ8 on (a sample of) ``vectors`` and add them all."""
        n, dim = vectors.shape
        nlist = nlist or nlist_for(n)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed
        sample = vectors
        if n > nlist * TRAIN_PER_LIST:
            pick = np.random.default_rng(seed).choice(n, nlist * TRAIN_PER_LIST, replace=False)
            sample = vectors[np.sort(pick)]
        index.train(np.ascontiguousarray(sample, np.float32))
        built = cls(index, nprobe)
        built.add(ids, vectors)
        return built

    def add(self, ids: np.ndarray, vectors: np.ndarray, chunk: int = 65536) -> None:
        for start in range(0, len(ids), chunk):
            self.index.add_with_ids(np.ascontiguousarray(vectors[start:start + chunk], np.float32),
                                    np.ascontiguousarray(ids[start:start + chunk], np.int64))

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self.index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(ids, np.int64)))

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, vectors)`` of a flat index (used when it turns approximate)."""
        ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
        return ids, self.index.index.reconstruct_n(0, len(ids))

    def search(self, queries: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and ids (``-1`` pads) of the best ``k`` vectors per query, among ``allowed_ids`` if given."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), np.float32)
        k = max(1, min(k, len(self)))
        if len(self) == 0:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        bitmap = share = None
        if allowed_ids is not None:
            allowed_ids = np.asarray(allowed_ids, np.int64)
            if len(allowed_ids) == 0:
                return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
            bitmap = np.zeros(int(allowed_ids.max()) // 8 + 1, np.uint8)
            np.bitwise_or.at(bitmap, allowed_ids >> 3, (1 << (allowed_ids & 7)).astype(np.uint8))
            share = len(allowed_ids) / len(self)
            k = min(k, len(allowed_ids))
        selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap)) if bitmap is not None else None
        with _single_thread(len(queries)):
            return self._search(queries, k, selector, share)

    def _search(self, queries, k, selector, share):
        if self.kind == "flat-fp16":
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
            return self.index.search(queries, k, params=params)
        nlist = self.index.nlist
        nprobe = self.nprobe if share is None else min(nlist, math.ceil(self.nprobe / max(share, 1e-9)))
        scores, ids = self.index.search(queries, k, params=faiss.SearchParametersIVF(sel=selector, nprobe=nprobe))
        if selector is not None and nprobe < nlist and (ids < 0).any():
            scores, ids = self.index.search(queries, k, params=faiss.SearchParametersIVF(sel=selector, nprobe=nlist))
        return scores, ids

    def save(self, path: Path) -> None:
        atomic_write_with(path, self._write)

    def _write(self, tmp: Path) -> None:
        """faiss reports a failed write (a full disk) as a RuntimeError: say it as an OSError."""
        try:
            faiss.write_index(self.index, str(tmp))
        except RuntimeError as exc:
            full = shutil.disk_usage(tmp.parent).free < (1 << 20) + len(self) * self.dim * 4
            raise OSError(errno.ENOSPC if full else errno.EIO, os.strerror(errno.ENOSPC if full else errno.EIO),
                          str(tmp)) from exc

    @classmethod
    def load(cls, path: Path, nprobe: int = NPROBE) -> "VectorIndex":
        return cls(faiss.read_index(str(path)), nprobe)

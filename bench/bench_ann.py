"""Approximate vector index at 1M vectors (384 dims) against exact search, and the size threshold.

    python -m bench.bench_ann [--n 1000000] [--queries 1000]

Targets: recall@10 >= 0.95 against exact search, p50 <= 5 ms per query
(excluding query encoding), <= 1 KB of memory per vector. Exact search's
latency (float32 ``IndexFlatIP``) is printed beside it (the baseline), and the
latency of the product's exhaustive index at smaller sizes decides
``APPROX_MIN_VECTORS`` (the flat index is used below it).

Vectors are synthetic but shaped like the real ones: a Gaussian fitted to the
e5 vectors of the sample library (its mean direction and top principal
components; e5 vectors are strongly anisotropic) gives 20k topic centres, and
each vector is a centre plus a smaller Gaussian spread, L2-normalised. Queries
are drawn the same way (new points around existing topics). The fit uses the
real vectors in the sample library's embedding cache when present
(``bench/out/sample-library``), else the sample library is built first.
"""
from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import faiss
import numpy as np

from paperkg.search import vectors as vec

OUT = Path(__file__).resolve().parent / "out"


def real_vectors() -> np.ndarray:
    """e5 vectors of the sample library (the six bundled digests)."""
    from paperkg.graph.config import load_settings
    from paperkg.search.db import SearchDB
    from tests.evaluation import sample_library
    from paperkg.search.manifest import search_dir

    home = OUT / "sample-library"
    if not (search_dir(home) / "manifest.json").exists():
        sample_library(home)
    db = SearchDB(search_dir(home) / "search.sqlite")
    model = load_settings(str(home)).model or "multilingual-e5-small"
    rows = db.db.execute("SELECT vector FROM embeddings WHERE model=?", (model,)).fetchall()
    db.close()
    return np.stack([np.frombuffer(blob, np.float32) for (blob,) in rows])


def synthetic(real: np.ndarray, n: int, n_queries: int, topics: int = 20_000, seed: int = 0):
    rng = np.random.default_rng(seed)
    mean = real.mean(axis=0)
    centred = real - mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    scale = s / np.sqrt(len(real))
    floor = float(scale[-1]) * 0.5

    def draw(count: int, spread: float, base: np.ndarray | None, topic: np.ndarray | None) -> np.ndarray:
        out = np.empty((count, real.shape[1]), np.float32)
        for start in range(0, count, 100_000):
            m = min(100_000, count - start)
            z = rng.standard_normal((m, len(scale))).astype(np.float32) * scale * spread
            x = z @ vt + rng.standard_normal((m, real.shape[1])).astype(np.float32) * floor * spread
            x += mean if base is None else base[topic[start:start + m]]
            out[start:start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
        return out

    centres = draw(topics, 1.0, None, None)
    data = draw(n, 0.45, centres, rng.integers(0, topics, n))
    queries = draw(n_queries, 0.45, centres, rng.integers(0, topics, n_queries))
    return data, queries


def latency_ms(search, queries: np.ndarray, repeat: int | None = None) -> np.ndarray:
    times = []
    for q in queries[:repeat]:
        t = time.perf_counter()
        search(q[None, :])
        times.append((time.perf_counter() - t) * 1000)
    return np.array(times)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--sweep-only", action="store_true", help="stop after the size sweep (threshold only)")
    args = parser.parse_args()
    print(f"faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads, {os.cpu_count()} cores")
    real = real_vectors()
    t = time.perf_counter()
    data, queries = synthetic(real, args.n, args.queries)
    ids = np.arange(args.n, dtype=np.int64)
    print(f"{args.n:,} synthetic vectors fitted to {len(real)} real e5 vectors ({time.perf_counter() - t:.0f} s); "
          f"mean cosine of random pairs {float(np.mean(np.sum(data[:2000] * data[2000:4000], axis=1))):.2f} "
          f"(real: {float(np.mean(real[: len(real) // 2] @ real[len(real) // 2:].T)):.2f})")

    exact = faiss.IndexFlatIP(data.shape[1])
    exact.add(data)
    t = time.perf_counter()
    _, truth = exact.search(queries, 10)
    print(f"ground truth: exact top-10 of {len(queries)} queries ({time.perf_counter() - t:.1f} s, batched)")

    faiss.omp_set_num_threads(1)  # single queries, as the product runs them (see search.vectors)
    exact_lat = latency_ms(lambda q: exact.search(q, 10), queries, 100)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    del exact
    print("\nexhaustive search, single query, by size -> APPROX_MIN_VECTORS "
          f"(shipped {vec.APPROX_MIN_VECTORS:,}; load average {os.getloadavg()[0]:.1f}):")
    print(f"{'vectors':>11} {'flat-fp16 p50':>14} {'p99':>8} {'float32 p50':>12}")
    for size in (50_000, 100_000, 200_000, 300_000, 500_000):
        if size > args.n:
            continue
        part = vec.VectorIndex.flat(data.shape[1])
        part.add(ids[:size], data[:size])
        lat = latency_ms(lambda q: part.search(q, 10), queries, 200)
        del part
        fp32 = faiss.IndexFlatIP(data.shape[1])
        fp32.add(data[:size])
        faiss.omp_set_num_threads(1)
        lat32 = latency_ms(lambda q: fp32.search(q, 10), queries, 200)
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        del fp32
        print(f"{size:>11,} {np.percentile(lat, 50):>11.2f} ms {np.percentile(lat, 99):>5.2f} ms "
              f"{np.percentile(lat32, 50):>9.2f} ms")
    if args.sweep_only:
        return 0

    before = rss_mb()
    t = time.perf_counter()
    index = vec.VectorIndex.approximate(ids, data)
    build = time.perf_counter() - t
    grown = rss_mb() - before
    serialized = faiss.serialize_index(index.index).nbytes
    nlist = index.index.nlist
    print(f"\nIVF{nlist},SQ8 built in {build:.0f} s (train on {min(args.n, nlist * vec.TRAIN_PER_LIST):,}, add {args.n:,})")
    print(f"memory: {serialized / args.n:.0f} bytes/vector serialized, {grown * 2**20 / args.n:.0f} bytes/vector RSS growth "
          f"(target <= 1024; exact fp32 needs {4 * data.shape[1]})")

    print(f"\nnprobe sweep (shipped NPROBE = {vec.NPROBE}):")
    print(f"{'nprobe':>7} {'recall@10':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for nprobe in (8, 16, 32, 48, 64, 128):
        index.nprobe = nprobe
        _, found = index.search(queries, 10)
        recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found.tolist(), truth.tolist())])
        lat = latency_ms(lambda q: index.search(q, 10), queries, 500)
        mark = "  <- shipped" if nprobe == vec.NPROBE else ""
        print(f"{nprobe:>7} {recall:>10.3f} {np.percentile(lat, 50):>8.2f} {np.percentile(lat, 99):>8.2f}{mark}")
    index.nprobe = vec.NPROBE
    _, found = index.search(queries, 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found.tolist(), truth.tolist())])
    lat = latency_ms(lambda q: index.search(q, 10), queries, 1000)
    print(f"\nRESULT approximate (IVF{nlist},SQ8, nprobe {vec.NPROBE}): recall@10 {recall:.3f} (target >= 0.95), "
          f"p50 {np.percentile(lat, 50):.2f} ms, p99 {np.percentile(lat, 99):.2f} ms (target p50 <= 5), "
          f"{serialized / args.n:.0f} B/vector (target <= 1024)")
    print(f"BASELINE exact (IndexFlatIP float32, {args.n:,} vectors, 1 thread): recall@10 1.000, p50 {np.percentile(exact_lat, 50):.2f} ms, "
          f"p99 {np.percentile(exact_lat, 99):.2f} ms, {4 * data.shape[1]} B/vector")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

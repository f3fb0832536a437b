"""Keep the search index in sync with the library's papers.

:func:`update_index` takes *all* current papers and makes the index hold
exactly them: new and changed papers are (re-)embedded and indexed, removed
ones dropped, unchanged ones left alone. Texts already in the embedding cache
(same model, same text) are never embedded again. Because it diffs against
the full list, it also heals an index left behind by a crash.

Crash safety: new files first, then the manifest switch (see
:mod:`search.manifest`). Paper records of changed papers are stored with an
empty fingerprint before the switch and get their real one after it, so a
crash in between makes the next sync redo them.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from paperkg.chunks import batched
from paperkg.diskio import atomic_write_with
from paperkg.search import keyword, tokenize
from paperkg.search.db import SearchDB, SearchDBCorrupt, discard_db
from paperkg.search.e5_model import DEFAULT_MODEL_NAME
from paperkg.search.errors import IndexCorrupt, ModelBroken, ModelMismatch, PrecisionMismatch, notice
from paperkg.search.index_files import checksums, load_files
from paperkg.search.manifest import Manifest, read_manifest, remove_stale, search_dir, write_lock, write_manifest
from paperkg.search.models import PassageEncoder, canonical_model, model_key, split_key
from paperkg.search.texts import FILTER_FIELDS, SLOT_COUNT, SLOTS, fingerprint, keyword_text, paper_texts, stored_record, text_sha
from paperkg.search.tokenize import tokens
from paperkg.search.vectors import APPROX_MIN_VECTORS, NPROBE, VectorIndex

#: ``progress(stage, done, total)``: stages "loading the model", "embedding" (texts), "indexing".
Progress = Callable[[str, int, int], None]
#: What the index is synced to, read under the index's write lock: the library's version
#: (``None`` if unknown) and every paper of it.
Snapshot = Callable[[], tuple[int | None, list[dict]]]
EMBED_CHUNK = 256
#: Set by tests and benchmarks to observe or replace the encoder (``name, home -> encoder``).
ENCODER_FACTORY: Callable = PassageEncoder


def choose_model(configured: str | None, manifest: Manifest | None, precision: str | None = None,
                 refuse: bool = True) -> str:
    """The model key: the configured model, else the one that built the index, else the default;
    at the configured precision, else the index's (for the same model), else the default.
    A key that differs from the index's is refused (use :func:`reindex`) unless ``refuse`` is false."""
    indexed = split_key(manifest.model) if manifest is not None else None
    base = canonical_model(configured) if configured else (indexed[0] if indexed else DEFAULT_MODEL_NAME)
    if precision is None:
        precision = indexed[1] if indexed and indexed[0] == base else "default"
    key = model_key(base, precision)
    if refuse and manifest is not None and manifest.model != key:
        if indexed[0] == base:
            raise PrecisionMismatch(base, indexed[1], precision)
        raise ModelMismatch(manifest.model, key)
    return key


def usable(vectors: np.ndarray) -> np.ndarray:
    """Rows that are real embeddings: finite and of unit length (every model's output is
    L2-normalised), so damaged weights or a damaged cache never reach an index."""
    vectors = np.atleast_2d(np.asarray(vectors, np.float32))
    finite = np.isfinite(vectors).all(axis=1)
    norms = np.linalg.norm(np.where(np.isfinite(vectors), vectors, 0), axis=1)
    return finite & (np.abs(norms - 1) < 1e-3)


def vector_ids(rows, slots=range(SLOT_COUNT)) -> np.ndarray:
    rows = np.asarray(list(rows), np.int64)
    return (rows[:, None] * SLOT_COUNT + np.asarray(list(slots), np.int64)[None, :]).ravel()


def embed_missing(db: SearchDB, encoder, texts: list[str], progress: Progress | None = None,
                  stats: dict | None = None) -> dict[bytes, np.ndarray]:
    """Vectors for ``texts`` from the cache, embedding (longest first, in chunks) only what is missing.
    A cached vector that is not a usable embedding (see :func:`usable`) counts as missing; a freshly
    embedded chunk with one raises :class:`ModelBroken` before anything of it is stored."""
    by_sha = {text_sha(t): t for t in texts}
    found = db.vectors(encoder.name, by_sha)
    if found:
        shas = list(found)
        lengths = [len(found[s]) for s in shas]
        dim = max(set(lengths), key=lengths.count)  # a vector of another length is damaged
        stacked = np.stack([found[s] if len(found[s]) == dim else np.full(dim, np.nan, np.float32) for s in shas])
        for sha, ok in zip(shas, usable(stacked)):
            if not ok:
                del found[sha]
    missing = sorted((sha for sha in by_sha if sha not in found), key=lambda s: -len(by_sha[s]))
    if stats is not None:
        stats["embedded"] = len(missing)
    if missing:
        if progress:
            progress("loading the model", 0, 1)
        encoder.model()
        if progress:
            progress("loading the model", 1, 1)
    done = 0
    for chunk in batched(missing, EMBED_CHUNK):
        if progress:
            progress("embedding", done, len(missing))
        vectors = encoder.encode([by_sha[s] for s in chunk])
        bad = int((~usable(vectors)).sum()) if len(vectors) else 0
        if bad or len(vectors) != len(chunk):
            raise ModelBroken(encoder.name, bad or abs(len(chunk) - len(vectors)), len(chunk))
        db.put_vectors(encoder.name, list(zip(chunk, vectors)))
        found.update(zip(chunk, vectors))
        done += len(chunk)
    if progress and missing:
        progress("embedding", done, len(missing))
    return found


def update_index(settings, papers: list[dict], progress: Progress | None = None, *, rebuild: bool = False,
                 generation: int | None = None, wait: float = 600.0) -> dict:
    """Sync the index of ``settings.home`` to ``papers`` (every paper of the library)."""
    return sync_index(settings, lambda: (generation, papers), progress, rebuild=rebuild, wait=wait)


def sync_index(settings, snapshot: Snapshot, progress: Progress | None = None, *, rebuild: bool = False,
               wait: float = 600.0) -> dict:
    """Sync the index of ``settings.home`` to the library as ``snapshot()`` reads it.

    The snapshot is taken under the index's write lock: of two processes that each
    commit to the library and then sync, the one syncing last reads both commits,
    so the index never ends up missing committed papers."""
    home = settings.home
    with write_lock(home, wait):
        generation, papers = snapshot()
        try:
            old = read_manifest(home)
        except IndexCorrupt as exc:
            notice(f"{exc.path}: unreadable search index ({exc.reason}); rebuilding the index from the library")
            old = None
        model = choose_model(settings.model, old, settings.precision, refuse=not rebuild)
        scratch = rebuild or old is None or old.model != model
        for attempt in (1, 2):
            try:
                return _update_with_db(home, old, model, scratch, papers, progress, generation)
            except IndexCorrupt as exc:
                damaged_db = isinstance(exc, SearchDBCorrupt)
                if attempt == 2 or (damaged_db and not rebuild) or (scratch and not damaged_db):
                    raise
                notice(f"{exc.path}: unreadable search index ({exc.reason}); rebuilding "
                       f"{'it (every text is embedded again)' if damaged_db else 'the index from the library'}")
                if damaged_db:
                    discard_db(search_dir(home) / "search.sqlite")
                scratch = True


def _update_with_db(home, old, model, scratch, papers, progress, generation) -> dict:
    db = SearchDB(search_dir(home) / "search.sqlite")
    try:
        return _update(home, db, old, model, scratch, papers, progress, generation)
    finally:
        db.close()


def reindex(settings, papers: list[dict], progress: Progress | None = None, **kw) -> dict:
    """Rebuild vectors and indexes from ``papers`` (with the configured model, else the index's)."""
    return update_index(settings, papers, progress, rebuild=True, **kw)


def _update(home, db: SearchDB, old: Manifest | None, model: str, scratch: bool, papers: list[dict],
            progress: Progress | None, generation: int | None) -> dict:
    folder = search_dir(home)
    remove_stale(home, _files(old))  # leftovers of an update that crashed before its manifest switch
    incoming = {p["id"]: p for p in papers}
    fps = {key: fingerprint(p) for key, p in incoming.items()}
    states = db.paper_states()
    removed = [k for k in states if k not in incoming]
    changed = [k for k in incoming if scratch or k not in states or states[k][1] != fps[k]]
    old_files = load_files(home, old, old.nprobe or NPROBE) if old is not None and not scratch else None
    indexed = set(old_files.rows.tolist()) if old_files is not None else set()
    added = sum(1 for k in changed if k not in states or states[k][0] not in indexed)
    # Segments of another tokenizer are rebuilt from every paper's text; the vectors stay.
    retokenize = old_files is not None and old.tokenizer != tokenize.fingerprint()
    summary = {"papers": len(incoming), "added": added, "updated": len(changed) - added,
               "removed": sum(1 for k in removed if states[k][0] in indexed), "embedded": 0,
               "model": model, "index_type": old.index_type if old else "flat-fp16"}
    if not scratch and not changed and not removed and not retokenize:
        if generation is not None and old.library_generation != generation:
            old.library_generation = generation
            write_manifest(home, old)
        return summary
    if not incoming and old is None:
        return summary

    next_row = db.next_row()
    rows = {k: states[k][0] for k in incoming if k in states}
    for key in changed:
        if key not in rows:
            rows[key] = next_row
            next_row += 1
    db.put_papers([(k, rows[k], "", *_records(incoming[k])) for k in changed], next_row)

    texts = {(k, slot): text for k in changed for slot, text in paper_texts(incoming[k]).items()}
    encoder = ENCODER_FACTORY(model, home)
    stats: dict = {}
    vectors = embed_missing(db, encoder, list(texts.values()), progress, stats)
    summary["embedded"] = stats["embedded"]
    if stats["embedded"]:
        summary["encoder"] = encoder.info

    if progress:
        progress("indexing", 0, 1)
    if vectors:
        dim = len(next(iter(vectors.values())))
    else:
        dim = old.dim if old is not None else encoder.dim
    if scratch:
        vindex = VectorIndex.flat(dim)
    else:
        vindex = old_files.vectors
        vindex.remove(vector_ids([states[k][0] for k in changed + removed if k in states]))
    if texts:
        ids = np.fromiter((rows[k] * SLOT_COUNT + SLOTS.index(slot) for k, slot in texts), np.int64, len(texts))
        vindex.add(ids, np.stack([vectors[text_sha(t)] for t in texts.values()]))
    if vindex.kind == "flat-fp16" and len(vindex) >= APPROX_MIN_VECTORS:
        vindex = VectorIndex.approximate(*vindex.all_vectors())

    version = (old.version + 1) if old else 1
    live_rows = np.sort(np.fromiter(rows.values(), np.int64, len(rows)))
    segments = [] if scratch or retokenize else old_files.segments
    keyed = list(incoming) if retokenize else changed
    if keyed:
        seg = keyword.build_segment(f"{version:06d}", [rows[k] for k in keyed],
                                    [tokens(keyword_text(incoming[k])) for k in keyed])
        keyword.write_segment(seg, folder / f"kw-{seg.name}")
        segments.append(seg)
    kw_index = keyword.KeywordIndex(segments, live_rows)
    if kw_index.needs_merge():
        merged = kw_index.merged(f"{version:06d}m")
        keyword.write_segment(merged, folder / f"kw-{merged.name}")
        segments = [merged]

    manifest = Manifest(version=version, model=model, dim=dim, papers=len(live_rows), vectors=len(vindex),
                        index_type=vindex.kind, vectors_file=f"vectors-{version}.faiss", rows_file=f"rows-{version}.npy",
                        segments=[s.name for s in segments], nprobe=vindex.nprobe if vindex.kind == "ivf-sq8" else 0,
                        library_generation=generation, tokenizer=tokenize.fingerprint(),
                        encoder=summary.get("encoder") or (old.encoder if old is not None and not scratch else {}))
    vindex.save(folder / manifest.vectors_file)
    atomic_write_with(folder / manifest.rows_file, lambda tmp: _save_array(tmp, live_rows))
    manifest.checksums = checksums(folder, [manifest.vectors_file, manifest.rows_file, *_segment_dirs(manifest)],
                                   old.checksums if old is not None and not scratch else {})
    write_manifest(home, manifest)

    db.set_fingerprints([(k, fps[k]) for k in changed])
    db.delete_papers(removed)
    remove_stale(home, _files(manifest) | _files(old))  # the previous version stays for readers opening it now
    summary["index_type"] = vindex.kind
    if progress:
        progress("indexing", 1, 1)
    return summary


def _save_array(path, array: np.ndarray) -> None:
    """``np.save`` through a handle: given a path, it would append ``.npy`` to the temporary name."""
    with open(path, "wb") as handle:
        np.save(handle, array, allow_pickle=False)


def _segment_dirs(manifest: Manifest) -> list[str]:
    return [f"kw-{s}" for s in manifest.segments]


def _files(manifest: Manifest | None) -> set[str]:
    if manifest is None:
        return set()
    return {manifest.vectors_file, manifest.rows_file, *(f"kw-{s}" for s in manifest.segments)}


def _records(paper: dict) -> tuple[dict, dict]:
    """(brief, data) as stored: the result fields; the texts and their embedding keys."""
    record = stored_record(paper)
    brief = {name: record[name] for name in FILTER_FIELDS}
    data = {"abstract": record["abstract"], "summary_zh": record["summary_zh"],
            "shas": {slot: text_sha(text).hex() for slot, text in paper_texts(paper).items()}}
    return brief, data

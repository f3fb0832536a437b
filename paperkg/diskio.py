"""Crash-safe files and inter-process locks, shared by every layer that writes.

A file is written whole or not at all: the bytes go to a temporary name in the
same folder, are flushed to disk, and are renamed over the target
(``os.replace`` is atomic on POSIX); the folder is synced so the rename itself
survives a power cut. A folder is built under a temporary name and renamed the
same way. Never pickle: callers hand in bytes.
"""
from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from paperkg.errors import LibraryBusy


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_with(path: Path, write: Callable[[Path], None], mode: int | None = None) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it over ``path``.
    For writers that insist on a file name (faiss, numpy); see :func:`atomic_write_bytes`."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` crash-safely (``mode``: permission bits of the new file)."""
    return atomic_write_with(path, lambda tmp: tmp.write_bytes(data), mode)


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``final``; on success its files are synced and
    it is renamed to ``final`` (which must not exist, or be an empty folder)."""
    final = Path(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        yield tmp
        for item in tmp.rglob("*"):
            if item.is_file():
                with open(item, "rb") as handle:
                    os.fsync(handle.fileno())
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(final.parent)


@contextmanager
def exclusive_lock(path: Path, wait: float, busy_message: Callable[[str], str], poll: float = 0.1,
                   on_wait: Callable[[], None] | None = None):
    """Hold an exclusive ``flock`` on ``path`` (created if missing), which records the
    holder's pid. Waits up to ``wait`` seconds for another holder (calling ``on_wait`` once
    when the wait begins), then raises :class:`~paperkg.errors.LibraryBusy` with
    ``busy_message(holder_pid)``. The kernel drops the lock when its process dies, so a
    killed writer never leaves it locked."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                    raise LibraryBusy(busy_message(holder)) from None
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

"""What the machine refused, in words: a disk that is full, a read-only or immutable folder, a
path of the wrong kind. Each cause comes with the fix that works, because the usual advice
for a damaged file ("move it aside", "run reindex") is wrong for them: the files are fine.

:func:`cause` reads an :class:`OSError` or a :class:`sqlite3.Error` (SQLite reports the same
conditions in its own words) and returns ``None`` for anything else, which callers report
as damage.
"""
from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

_BY_ERRNO = {
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up; free some space and run the command again",
    errno.EROFS: "the file system is read-only; remount it read-write or choose another --home",
    errno.EACCES: "permission denied; make it writable (chmod u+w) or choose another --home",
    errno.EPERM: "the operation is not permitted (an immutable file? lsattr shows it; chattr -i clears it) "
                 "or choose another --home",
    errno.EISDIR: "it is a folder where a file belongs; remove or rename it and run the command again",
    errno.ENOTDIR: "a file stands where a folder belongs; remove or rename it and run the command again",
    errno.EEXIST: "a file stands where a folder belongs; remove or rename it and run the command again",
}
_BY_SQLITE_MESSAGE = {
    "database or disk is full": _BY_ERRNO[errno.ENOSPC],
    "attempt to write a readonly database": "the library is read-only (a read-only or immutable file or folder, or "
                                            "disk); make it writable or choose another --home",
    "unable to open database file": "it cannot be opened (no permission, a read-only or full disk, or a missing "
                                    "folder); check the folder and the disk, or choose another --home",
    "disk i/o error": "the disk reported an I/O error (full, or failing); free some space or check the disk, and "
                      "run the command again",
}


def cause(exc: BaseException) -> str | None:
    """The environmental cause of ``exc`` and its fix, or ``None`` if it is not one."""
    if isinstance(exc, OSError):
        return _BY_ERRNO.get(exc.errno)
    if isinstance(exc, sqlite3.OperationalError):
        return _BY_SQLITE_MESSAGE.get(str(exc).lower())
    return None


def described(exc: OSError | sqlite3.Error, path: object = None) -> str:
    """One line: the path (the error's own, else ``path``), then the cause and fix, else the
    system's words."""
    where = getattr(exc, "filename", None) or path
    why = cause(exc) or getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"{where}: {why}" if where else why


@contextmanager
def entering(manager, error: Callable[[OSError], Exception]) -> Iterator[None]:
    """Enter ``manager``; an :class:`OSError` while entering it (not in the body) becomes
    ``error(exc)`` — for locks and folders that the machine may refuse."""
    with ExitStack() as stack:
        try:
            stack.enter_context(manager)
        except OSError as exc:
            raise error(exc) from exc
        yield

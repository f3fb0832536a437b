"""Reading digests from disk and stdin: the I/O edge around :func:`parse_digest`."""
from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from paperkg.errors import InputError
from paperkg.ingest.decoding import decode
from paperkg.ingest.limits import MAX_FILE_BYTES
from paperkg.ingest.model import Digest, Problem
from paperkg.ingest.parser import parse_digest

DIGEST_SUFFIXES = (".txt", ".md")


def parse_digest_bytes(data: bytes, file: str, name: str) -> tuple[Digest, str]:
    """Parse raw bytes; returns the digest and the decoded text kept in the library."""
    if len(data) > MAX_FILE_BYTES:
        return _rejected(file, name, _too_big(len(data))), ""
    decoded = decode(data)
    if decoded.text is None:
        return _rejected(file, name, decoded.reason), ""
    digest = parse_digest(decoded.text, file=file, name=name, sha256=hashlib.sha256(data).hexdigest(),
                          damaged=decoded.damaged)
    return digest, decoded.text


def _rejected(file: str, name: str, reason: str) -> Digest:
    return Digest(name=name, file=file, categories={}, entries=[], problems=[Problem(file, 0, f"{reason}; file rejected")])


def _too_big(size: int) -> str:
    return (f"{size / 2**20:,.1f} MiB is over the limit of {MAX_FILE_BYTES // 2**20} MiB for one digest file; "
            "split it into daily digests")


def display_path(path: str | Path) -> str:
    """``path`` as text that can always be printed and stored: bytes of a file name that are
    not UTF-8 are written as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_digest(path: str | Path) -> tuple[Digest, str]:
    """Read and parse one digest file. Raises :class:`InputError` if unreadable."""
    path = Path(path)
    shown = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _rejected(shown, display_path(path.stem), _too_big(size)), ""
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)  # a file growing since stat() stays bounded
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from exc
    return parse_digest_bytes(data, shown, display_path(path.stem))


def read_stdin() -> tuple[Digest, str]:
    """Read a digest from standard input, named by its content hash."""
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    name = "stdin-" + hashlib.sha256(data).hexdigest()[:12]
    return parse_digest_bytes(data, "<stdin>", name)


def digest_paths(paths: Iterable[str]) -> Iterator[str]:
    """Expand arguments: files as given, folders recursively (``*.txt``, ``*.md``), ``-`` kept.

    Raises :class:`InputError` for a path that does not exist.
    """
    for arg in paths:
        if arg == "-":
            yield arg
            continue
        path = Path(arg)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DIGEST_SUFFIXES)
            yield from (str(p) for p in found)
        elif path.exists():
            yield str(path)
        else:
            raise InputError(f"{display_path(arg)}: no such file or folder")


def read_inputs(paths: Iterable[str]) -> Iterator[tuple[Digest, str]]:
    """Parse every digest named by ``paths`` (see :func:`digest_paths`)."""
    for path in digest_paths(paths):
        yield read_stdin() if path == "-" else read_digest(path)

"""Reading digests from disk and stdin: the I/O edge around :func:`parse_digest`."""
from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from paperkg.errors import InputError
from paperkg.ingest.model import Digest, Problem
from paperkg.ingest.parser import parse_digest

DIGEST_SUFFIXES = (".txt", ".md")


def decode_digest_bytes(data: bytes) -> str | None:
    """Text of a digest file, or ``None`` for binary data.

    UTF-8 (with or without BOM) first, then GB18030, which Chinese Windows
    tools still write; NUL bytes mark a binary file whatever decodes.
    """
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def parse_digest_bytes(data: bytes, file: str, name: str) -> tuple[Digest, str]:
    """Parse raw bytes; returns the digest and the decoded text kept in the library."""
    text = decode_digest_bytes(data)
    if text is None:
        digest = Digest(name=name, file=file, categories={}, entries=[],
                        problems=[Problem(file, 0, "not a text file (binary or unknown encoding); file rejected")])
        return digest, ""
    return parse_digest(text, file=file, name=name, sha256=hashlib.sha256(data).hexdigest()), text


def read_digest(path: str | Path) -> tuple[Digest, str]:
    """Read and parse one digest file. Raises :class:`InputError` if unreadable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return parse_digest_bytes(data, str(path), path.stem)


def read_stdin() -> tuple[Digest, str]:
    """Read a digest from standard input, named by its content hash."""
    data = sys.stdin.buffer.read()
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
            raise InputError(f"{arg}: no such file or folder")


def read_inputs(paths: Iterable[str]) -> Iterator[tuple[Digest, str]]:
    """Parse every digest named by ``paths`` (see :func:`digest_paths`)."""
    for path in digest_paths(paths):
        yield read_stdin() if path == "-" else read_digest(path)

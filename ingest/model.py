"""The parsed form of a digest: plain data, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """Something wrong in an input file, reported as ``FILE:LINE: message``.

    ``line`` 0 means the whole file (``FILE: message``).
    """

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Entry:
    """One paper as listed in one digest.

    ``section`` is ``"main"`` for numbered entries and ``"other"`` for the short
    entries after ``另外几篇值得关注的论文``; ``rank`` is the 1-based position within
    that section; ``line`` is the line of the title in the file.
    """

    section: str
    rank: int
    line: int
    category: str
    title: str
    authors: list[str]
    institutions: list[str] = field(default_factory=list)
    title_zh: str = ""
    summary_zh: str = ""
    abstract: str = ""
    url: str = ""
    posted_at: str | None = None
    starred: bool = False


@dataclass
class Digest:
    """A parsed digest file.

    ``name`` identifies the digest in the library (the file's stem); ingesting a
    digest with the same name again replaces what that digest listed.
    """

    name: str
    file: str
    categories: dict[str, str]
    entries: list[Entry]
    problems: list[Problem]
    sha256: str = ""

    @property
    def posted_at(self) -> str | None:
        """The digest's post date: the date of its earliest dated entry."""
        times = sorted(e.posted_at for e in self.entries if e.posted_at)
        return times[0][:10] if times else None

"""What one line of a digest is, decided in time linear in its length.

Digest text is untrusted, and a backtracking regex with adjacent or nested
quantifiers over overlapping classes (``\\s*\\*?\\s*``, ``(?:[\\w.]*?\\.png)+``)
takes quadratic or exponential time on a crafted line. So lines are read with
plain string scans: a cursor that only moves forward, plus regexes made of a
single character-class run (``\\s*``, ``[\\w.()-]+``), which cannot backtrack.
"""
from __future__ import annotations

import re
from typing import NamedTuple

_SPACES = re.compile(r"\s*")
_NAME_CHARS = re.compile(r"[\w\-.()]+")
_NOT_CLOSE = re.compile(r"[^)）]*")
_LEGEND_NAME = re.compile(r"[^\s()（）*]*")
_ASCII_DIGITS = frozenset("0123456789")
_ASCII_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LETTERS = _ASCII_UPPER | frozenset("abcdefghijklmnopqrstuvwxyz")
_NUMBER_MARKS = frozenset("、.．")
_DASHES = frozenset("-–—")
_OPEN = frozenset("(（")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg")
OTHER_SECTION_TITLES = frozenset({"另外篇值得关注的论文", "另外几篇值得关注的论文", "另外数篇值得关注的论文"})
#: First characters a header line (entry title, number, section marker) can start with.
HEADER_START = frozenset("0123456789[*另")


class Header(NamedTuple):
    """A header line: ``kind`` is ``main`` (``N、[CODE] Title``), ``short`` (``[CODE] Title``),
    ``orphan`` (``N、`` with no category) or ``other-section`` (``另外几篇值得关注的论文:``)."""

    kind: str
    code: str = ""
    title: str = ""
    starred: bool = False
    number: str = ""


def _skip(line: str, pos: int) -> int:
    if pos >= len(line) or not line[pos].isspace():
        return pos  # the common case, without a regex call
    return _SPACES.match(line, pos).end()


def _star(line: str, pos: int) -> tuple[bool, int]:
    """An optional ``*`` at ``pos``, then spaces."""
    if pos < len(line) and line[pos] == "*":
        return True, _skip(line, pos + 1)
    return False, pos


def _run(line: str, pos: int, chars: frozenset, most: int) -> int:
    """End of the run of ``chars`` starting at ``pos``, looking at ``most + 1`` characters at most."""
    end = pos
    while end < len(line) and end - pos <= most and line[end] in chars:
        end += 1
    return end


def _code(line: str, pos: int) -> tuple[str, int] | None:
    """``[ CODE ]`` at ``pos`` (1-8 ASCII letters): the code and the position after ``]``."""
    if pos >= len(line) or line[pos] != "[":
        return None
    start = _skip(line, pos + 1)
    end = _run(line, start, _ASCII_LETTERS, 8)
    if not 1 <= end - start <= 8:
        return None
    close = _skip(line, end)
    if close >= len(line) or line[close] != "]":
        return None
    return line[start:end].upper(), close + 1


def header(line: str) -> Header | None:
    """The header this line is (``line``: stripped, full-width structure already ASCII), or ``None``."""
    if not line or line[0] not in HEADER_START:
        return None
    if line[0] == "另":
        return Header("other-section") if line.removesuffix(":").rstrip() in OTHER_SECTION_TITLES else None
    s1, pos = _star(line, 0)
    digits_end = _run(line, pos, _ASCII_DIGITS, 5)
    if digits_end > pos:
        if digits_end - pos > 5:
            return None
        number, mark = line[pos:digits_end], _skip(line, digits_end)
        if mark >= len(line) or line[mark] not in _NUMBER_MARKS:
            return None
        if line[mark] != "、" and mark + 1 < len(line) and line[mark + 1] in _ASCII_DIGITS:
            return None  # "1.5 times", not an entry number
        s2, pos = _star(line, _skip(line, mark + 1))
        found = _code(line, pos)
        if found is None:
            return Header("orphan", number=number)
        code, pos = found
        s3, pos = _star(line, _skip(line, pos))
        return _titled("main", code, line[pos:], s1 or s2 or s3, number)
    if is_bracketed(line):
        return None
    found = _code(line, pos)
    if found is None:
        return None
    code, pos = found
    s3, pos = _star(line, _skip(line, pos))
    if pos >= len(line):
        return None
    return _titled("short", code, line[pos:], s1 or s3)


def _titled(kind: str, code: str, title: str, starred: bool, number: str = "") -> Header:
    title = title.strip()
    if title.endswith("*"):
        title, starred = title.rstrip("*").rstrip(), True
    return Header(kind, code, title, starred, number)


def is_bracketed(line: str) -> bool:
    """``[…]``: an institutions line (``line`` stripped, structure ASCII)."""
    return len(line) >= 2 and line[0] == "[" and line[-1] == "]"


def is_attachment(line: str) -> bool:
    """Image file names, possibly run together (``image.png``, ``f01.png.jpgf02.png.jpg``)."""
    return line.lower().endswith(IMAGE_SUFFIXES) and _NAME_CHARS.fullmatch(line) is not None


def legend(line: str) -> dict[str, str]:
    """``CODE - 名称`` pairs of a legend line, which holds nothing else but the ``(*…)`` note;
    ``{}`` for any other line."""
    pairs: dict[str, str] = {}
    pos, n = 0, len(line)
    while True:
        pos = _skip(line, pos)
        if pos >= n:
            return pairs
        if line[pos] in _OPEN:
            star = _skip(line, pos + 1)
            if star >= n or line[star] != "*":
                return {}
            close = _NOT_CLOSE.match(line, star + 1).end()
            if close >= n:
                return {}
            pos = close + 1
            continue
        if pos > 0 and line[pos - 1] in _ASCII_LETTERS:
            return {}
        end = _run(line, pos, _ASCII_UPPER, 8)
        if not 1 <= end - pos <= 8:
            return {}
        code, dash = line[pos:end], _skip(line, end)
        if dash >= n or line[dash] not in _DASHES:
            return {}
        start = _skip(line, dash + 1)
        name_end = _LEGEND_NAME.match(line, start).end()
        if name_end == start:
            return {}
        pairs[code] = line[start:name_end]
        pos = name_end

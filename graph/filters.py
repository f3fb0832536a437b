"""Paper filters shared by every store and by search: one definition of "matches"."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


def parse_date(text: str | None) -> str | None:
    """Validate ``YYYY-MM-DD`` (or ``YYYY-MM`` / ``YYYY``); ``ValueError`` names the fix."""
    if text is None or text == "":
        return None
    for fmt_len, pad in ((10, ""), (7, "-01"), (4, "-01-01")):
        if len(text) == fmt_len:
            try:
                date.fromisoformat(text + pad)
                return text
            except ValueError:
                break
    raise ValueError(f"not a date: {text!r}; use YYYY-MM-DD, e.g. 2021-03-09")


def _word_pattern(text: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(text.strip()) + r"(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class PaperFilter:
    """Category code (any case), institution and author (a whole-word, case-insensitive
    part of a name: ``Berkeley`` matches ``UC Berkeley``, ``MIT`` not ``MITRE``) and
    an inclusive date range on the paper's post date."""

    category: str | None = None
    institution: str | None = None
    author: str | None = None
    since: str | None = None
    until: str | None = None

    def __post_init__(self):
        parse_date(self.since)
        parse_date(self.until)

    def __bool__(self) -> bool:
        return any((self.category, self.institution, self.author, self.since, self.until))

    def matches(self, paper: dict) -> bool:
        if self.category and paper.get("category", "").upper() != self.category.upper():
            return False
        if self.institution:
            pattern = _word_pattern(self.institution)
            if not any(pattern.search(name) for name in paper.get("institutions", ())):
                return False
        if self.author:
            pattern = _word_pattern(self.author)
            if not any(pattern.search(name) for name in paper.get("authors", ())):
                return False
        if self.since or self.until:
            posted = (paper.get("posted_at") or "")[:10]
            if not posted:
                return False
            if self.since and posted < self.since[:10]:
                return False
            if self.until and posted[: len(self.until)] > self.until:
                return False
        return True

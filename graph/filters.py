"""Paper filters shared by every store and by search: one definition of "matches"."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from paperkg.errors import UsageError
from paperkg.graph.names import suggestions


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
    """Category code (any case), institution and author, and an inclusive date range on the
    paper's post date.

    An institution or author is a whole-word, case-insensitive part of a name
    (``Berkeley`` matches ``UC Berkeley``, ``MIT`` not ``MITRE``), or an id
    (``institution:uc-berkeley``, ``author:Y Li~3fa1c2``). An institution matches a
    paper of its sub-units too: a paper's ``institution_names`` and
    ``institution_lineage`` (when the store or index provides them) hold the names and
    ids of its institutions and of every organisation they are part of. An author name
    matches every person written that way."""

    category: str | None = None
    institution: str | None = None
    author: str | None = None
    since: str | None = None
    until: str | None = None

    def __post_init__(self):
        parse_date(self.since)
        parse_date(self.until)

    @classmethod
    def asked(cls, **values) -> "PaperFilter":
        """A filter as a person typed it: also refuses a start date after the end date
        (which would match nothing) with a line saying so."""
        found = cls(**values)
        if found.since and found.until and found.since[: len(found.until)] > found.until:
            raise ValueError(f"the start date {found.since} is after the end date {found.until}; swap them")
        return found

    def __bool__(self) -> bool:
        return any((self.category, self.institution, self.author, self.since, self.until))

    def matches(self, paper: dict) -> bool:
        if self.category and paper.get("category", "").upper() != self.category.upper():
            return False
        if self.institution:
            if self.institution.startswith("institution:"):
                key = self.institution.split(":", 1)[1]
                if key not in (paper.get("institution_lineage") or paper.get("institution_ids") or ()):
                    return False
            else:
                pattern = _word_pattern(self.institution)
                names = paper.get("institution_names") or paper.get("institutions", ())
                if not any(pattern.search(name) for name in names):
                    return False
        if self.author:
            if self.author.startswith("author:"):
                if self.author.split(":", 1)[1] not in (paper.get("author_ids") or ()):
                    return False
            else:
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


#: The option that sets each name field, as the CLI spells it.
NAME_OPTIONS = {"category": "--category", "institution": "--institution", "author": "--author"}


def check_names(filters: PaperFilter | None, known: Callable[[str], Iterable[str]]) -> None:
    """Refuse a category, institution or author value that matches nothing in the library
    (a typo would otherwise give a silently empty result): one line with close names.

    ``known(field)`` gives every name of that field in the library (category codes,
    institution names, author names) and every node id of it."""
    if not filters:
        return
    for field, option in NAME_OPTIONS.items():
        value = getattr(filters, field)
        if not value:
            continue
        names = list(dict.fromkeys(known(field)))
        if value.startswith(field + ":"):
            if value in names:
                continue
            raise UsageError(f"{option} {value!r}: no {field} has this id; give a name, or an id that "
                             f"`paperkg show` prints")
        if field == "category":
            names = [n for n in names if n.isascii() and ":" not in n]  # the codes, not ids or Chinese names
            if any(n.upper() == value.upper() for n in names):
                continue
        elif any(_word_pattern(value).search(n) for n in names):
            continue
        hint = suggestions(value, [n for n in names if not n.startswith(field + ":")])
        kind = {"category": "category code", "institution": "institution", "author": "author"}[field]
        choices = f"; did you mean: {', '.join(hint)}" if hint else (
            f"; known codes: {', '.join(sorted(names))}" if field == "category" else "")
        raise UsageError(f"{option} {value!r} matches no {kind} in the library{choices}")


def matching_people(value: str, people: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """The ids of the people (``(id, names)``) an author filter value written as a name covers."""
    pattern = _word_pattern(value)
    return [person for person, names in people if any(pattern.search(n) for n in names)]

"""The errors a user can act on: one line each, naming the bad value and the fix.

Every layer raises a subclass of :class:`PaperkgError`; the CLI prints its
message as one line and exits with its ``exit_code`` (0 ok, 1 some input
rejected, 2 usage error or unreadable input), the app shows it in a box.
Anything else escaping is a bug.
"""
from __future__ import annotations


class PaperkgError(Exception):
    """A problem the user can fix, reported as one line (never a traceback)."""

    exit_code = 2


class UsageError(PaperkgError):
    """Bad arguments or settings."""


class InputError(PaperkgError):
    """A path that cannot be read at all (missing, unreadable)."""


class StoreError(PaperkgError):
    """The graph store cannot do what was asked (unreadable library, server down, …)."""


class LibraryBusy(StoreError):
    """Another process is writing the library."""


class UnknownNode(StoreError):
    def __init__(self, name: str, suggestions: list[str], what: str = "paper, author, institution or category"):
        hint = f"; did you mean: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"no {what} named {name!r}{hint}")
        self.name, self.suggestions = name, suggestions


class AmbiguousName(StoreError):
    def __init__(self, name: str, candidates: list[str]):
        super().__init__(f"{name!r} matches {len(candidates)} nodes: {', '.join(candidates[:8])}; "
                         "be more specific or use an id")
        self.name, self.candidates = name, candidates

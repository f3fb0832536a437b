"""Export errors: one line for the user, with the exit code the CLI returns."""
from __future__ import annotations

from paperkg.errors import StoreError


class ExportError(StoreError):
    """A bad export request (format, options, output file): exit 2."""


class EmptySelection(StoreError):
    """The selection holds nothing to export: exit 1, and no file is written."""

    exit_code = 1

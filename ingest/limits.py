"""Size limits on what one digest may hold (README, "Limits and failure behaviour").

A real digest is tens of kilobytes; its abstracts are a few thousand characters.
Anything far larger is broken or hostile, and left unbounded it costs minutes
and gigabytes downstream (embedding tokenises the whole text, ``show`` prints
it). Over a limit: the file is rejected in one line, an entry skipped, or a
field truncated, always reported as ``FILE:LINE``.
"""
from __future__ import annotations

#: A digest file larger than this is rejected whole (``FILE: … file rejected``).
MAX_FILE_BYTES = 32 * 1024 * 1024
#: An English title longer than this is no title (the paper's id is made from it): entry skipped.
#: A longer Chinese title is truncated to it.
MAX_TITLE_CHARS = 1_000
#: A Chinese summary or English abstract is truncated to this many characters.
MAX_TEXT_CHARS = 20_000
#: One author or institution name longer than this means the line is no list of names: entry skipped.
MAX_NAME_CHARS = 300
#: Authors (or institutions) of one entry beyond this many are dropped.
MAX_NAMES = 500

"""Cutting work into batches: by count (SQL ``IN`` lists) and by count and size (transactions)."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence


def batched(items: Sequence, size: int) -> Iterator[Sequence]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def sized_chunks(items: list, size_of: Callable[[object], int], max_count: int, max_bytes: int) -> list[list]:
    """``items`` cut into runs of at most ``max_count`` and about ``max_bytes`` (never empty):
    a Bolt message has a size limit (16 MiB on ArcadeDB), and so has a transaction's memory."""
    parts, current, size = [], [], 0
    for item in items:
        item_size = size_of(item)
        if current and (len(current) >= max_count or size + item_size > max_bytes):
            parts.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        parts.append(current)
    return parts

"""Progress bars on stderr for the services' ``progress(stage, done, total)`` (terminals only)."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

_UNITS = {"ingesting": "digest", "embedding": "text", "copying": "step"}


@contextmanager
def bars() -> Iterator:
    """A progress callback drawing one tqdm bar per stage, each closed when the next starts."""
    current: dict = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = current.get("bar")
        if current.get("stage") != stage:
            if bar is not None:
                bar.close()
            bar = tqdm(total=total, desc=stage, unit=_UNITS.get(stage, "step"), file=sys.stderr, disable=None,
                       leave=False)
            current.update(stage=stage, bar=bar)
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        if current.get("bar") is not None:
            current["bar"].close()

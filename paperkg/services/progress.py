"""How long work reports what it is doing: ``progress(stage, done, total)``.

Stages, in the order an ingest goes through them: ``waiting`` (only while
another process holds the library's write lock), ``ingesting`` (digests read
and written into the store), ``loading the model``, ``embedding`` (texts),
``indexing``; a sync starts with ``copying``. The CLI draws one bar per
stage, the app one ``st.progress`` whose text names the stage.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None: ...


#: The stage reported (``progress(WAITING, 0, 0)``) while another process holds the write lock.
WAITING = "waiting"
STAGES = (WAITING, "copying", "ingesting", "loading the model", "embedding", "indexing")


def counter(progress: Progress | None, stage: str, total: int) -> Callable[[int], None] | None:
    """A ``tick(n)`` callback (what stores report: n more digests done) that reports
    ``stage`` as done out of ``total``."""
    if progress is None:
        return None
    done = 0
    progress(stage, 0, total)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(stage, min(done, total), total)
    return tick

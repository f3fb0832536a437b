"""The cyclic garbage collector around bulk work.

Building a 50k-paper graph, an export or an ingest batch allocates millions of
dicts and lists, none of them garbage; the collector's repeated full passes over
them tripled the load time of the embedded store and cost several times an
export's own work. Reference counting still frees everything as usual.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off for the duration (re-enabled only if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def keep_out_of_gc() -> None:
    """Exempt everything alive now (a loaded graph, an index) from future collections.

    A long-lived process holding a 50k-paper graph (the app) has ~10 million objects;
    each full collection walks them all (4 s on the bench machine). Frozen objects are
    still freed by reference counting when dropped."""
    gc.freeze()

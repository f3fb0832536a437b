"""Values made once on a worker thread, so pages draw at once and wait only where they need them."""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="paperkg-load")


class Background:
    """A value made once on a worker thread; callers wait only when they need it."""

    def __init__(self, make: Callable[[], object]):
        self._future: Future = _WORKERS.submit(make)

    def ready(self) -> bool:
        return self._future.done()

    def failed(self) -> bool:
        return self._future.done() and self._future.exception() is not None

    def result(self):
        return self._future.result()

    def wait(self, message: str) -> None:
        """Block until ready, saying so on the page; each update lets a rerun interrupt the wait."""
        if self.ready():
            return
        note = st.empty()
        started = time.monotonic()
        while not self.ready():
            note.caption(f"{message} {time.monotonic() - started:.0f} s")
            time.sleep(0.2)
        note.empty()

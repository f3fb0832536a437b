"""Writing the library from a page: on a worker thread, with a progress line that names the
step (or the stage the write reports), counts its seconds and says when it waits for another
writer.

Writers take the library's write lock, which ``paperkg ingest`` and the other CLI writers
take too: a page waits up to ``PAPERKG_UI_WAIT`` seconds (default 60) for another writer,
then says the library is busy and unchanged.
"""
from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

import streamlit as st

from paperkg.disk_errors import described
from paperkg.errors import LibraryBusy, PaperkgError
from paperkg.services import Progress
from paperkg.services.progress import WAITING
from paperkg.ui.i18n import t
from paperkg.ui.safe import md


def wait_seconds(default: float = 60.0) -> float:
    """``PAPERKG_UI_WAIT`` (read at each write, so a changed setting applies at once), else ``default``."""
    text = os.environ.get("PAPERKG_UI_WAIT")
    try:
        return max(float(text), 0.0) if text else default
    except ValueError:
        return default


def run_write(step: str, write: Callable[[float, Progress], object],
              shares: Mapping[str, tuple[float, float]] | None = None):
    """``write(wait_seconds, progress)`` on a worker thread under a progress line; returns its
    result, or ``None`` after an error box saying why nothing changed.

    The line says ``step`` and its seconds until the write reports a stage through
    ``progress(stage, done, total)``; then the stage, its count and the seconds in it, the
    bar at the stage's share (``shares``: where each stage sits, from 0 to 1). While the
    write reports :data:`WAITING`, the line says it waits for another writer."""
    bar = st.progress(0.0, text=step)
    wait = wait_seconds()
    latest: dict = {"stage": None, "done": 0, "total": 0}

    def progress(stage: str, done: int, total: int) -> None:  # on the worker: only record
        latest.update(stage=stage, done=done, total=total)

    started = time.monotonic()
    shown = {"stage": None, "at": started, "fraction": 0.0}
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(write, wait, progress)
            while not future.done():
                now = time.monotonic()
                stage, done, total = latest["stage"], latest["done"], latest["total"]
                if stage != shown["stage"]:
                    shown.update(stage=stage, at=now)
                seconds = int(now - shown["at"])  # ticking, so a long step never looks hung
                if stage == WAITING:
                    text = t("waiting_writer", step=step, s=seconds)
                elif stage is not None and shares and stage in shares:
                    low, high = shares[stage]
                    shown["fraction"] = min(low + (high - low) * done / max(total, 1), 1.0)
                    text = t("stage_" + stage.replace(" ", "_"), done=done, total=total) + " · " + t("seconds", s=seconds)
                else:
                    shown["fraction"] = min((now - started) / max(wait, 1.0), 0.95)
                    text = f"{step} · {t('seconds', s=int(now - started))}"
                bar.progress(shown["fraction"], text=text)
                time.sleep(0.25)
            return future.result()
    except LibraryBusy:
        st.error(t("busy", s=int(wait)))
    except PaperkgError as exc:
        st.error(t("write_failed", why=md(str(exc))))
    except (OSError, sqlite3.Error) as exc:  # what the machine refused: a full disk, a read-only folder
        st.error(t("write_failed", why=md(described(exc))))
    finally:
        bar.empty()
    return None

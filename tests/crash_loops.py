"""kill -9 during ingest, and concurrent ingests: the trials behind tests/test_crash_loops.py and
bench/bench_crash_loops.py (which runs 30+ of each and prints the figures in the README).

Every trial runs real ``paperkg ingest`` processes on a library of its own, seeded from an
indexed library of ``data/digests`` so that only what a trial is about costs time: the
embedding cache of the seed holds the vectors of every digest except those a kill trial
must embed (so it can be killed while embedding).
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from paperkg.graph.config import load_settings
from paperkg.graph.embedded import EmbeddedStore
from paperkg.search.texts import paper_texts, text_sha

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = sorted((ROOT / "data" / "digests").glob("*.txt"))
BASE, ADDED = DIGESTS[:1], DIGESTS[1:3]  # a trial's library holds BASE; the ingest adds ADDED


def paperkg(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "paperkg", "--home", str(home), *args]


def seed(source: Path, home: Path, uncached: list[Path] = ()) -> None:
    """``home``: a library of BASE with its index, whose embedding cache (from the indexed
    library ``source``) lacks the vectors of the papers of ``uncached``."""
    (home / "search").mkdir(parents=True)
    shutil.copy(source / "search" / "search.sqlite", home / "search" / "search.sqlite")
    with EmbeddedStore(source) as store:
        names = {path.stem for path in uncached}
        shas = [text_sha(text) for paper in store.papers() if {s["digest"] for s in paper["sources"]} & names
                for text in paper_texts(paper).values()]
    db = sqlite3.connect(home / "search" / "search.sqlite")
    with db:
        db.execute("DELETE FROM papers")
        db.execute("DELETE FROM meta")
        db.executemany("DELETE FROM embeddings WHERE sha=?", [(sha,) for sha in shas])
    db.close()
    run = subprocess.run(paperkg(home, "ingest", *map(str, BASE)), capture_output=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr.decode()


def library_state(home: Path) -> tuple[str, set[str], int]:
    """``("ok" | what is wrong, digest names, generation)`` read straight from the SQLite file."""
    db = sqlite3.connect(f"file:{home / 'library.sqlite'}?mode=ro", uri=True)
    try:
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        names = {name for (name,) in db.execute("SELECT name FROM digests")}
        generation = int(db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
    finally:
        db.close()
    return check, names, generation


def index_gap(home: Path) -> tuple[int, bool]:
    """Papers of the library missing from the search index, and whether search says it is behind."""
    from paperkg.services import open_search

    settings = load_settings(str(home), environ={})
    with EmbeddedStore(home) as store:
        papers = {p["id"] for p in store.papers()}
    try:
        with open_search(settings) as opened:
            indexed = set(opened.engine.rows_by_key)
            behind = opened.behind is not None
    except Exception:  # noqa: BLE001 - an index that cannot open lacks everything; the CLI says why
        return len(papers), True
    return len(papers - indexed), behind


@dataclass
class KillFigures:
    trials: int = 0
    killed: int = 0  # still running when the kill came
    old_state: int = 0
    new_state: int = 0
    corrupt: int = 0  # integrity check failed, or neither the old nor the new digests
    silent_lag: int = 0  # index missing library papers with no "behind" line
    missing_after_next: int = 0  # library papers missing from the index after the next ingest
    full_run: float = 0.0  # seconds of one unkilled run: the kill moments are drawn up to it
    delays: list[float] = field(default_factory=list)


def kill_trials(source: Path, work: Path, trials: int, rng: random.Random, full_run: float | None = None) -> KillFigures:
    """Each trial: kill -9 ``paperkg ingest ADDED`` at a random moment (up to the length of a
    whole run), check the library, then run the same ingest again and check the index."""
    figures = KillFigures()
    template = work / "template"
    seed(source, template, uncached=ADDED[1:])
    old_names = {p.stem for p in BASE}
    new_names = old_names | {p.stem for p in ADDED}
    for trial in range(trials):
        home = work / f"kill-{trial:03d}"
        shutil.copytree(template, home)
        command = paperkg(home, "ingest", "--wait", "60", *map(str, ADDED))
        if full_run is None:
            start = time.monotonic()
            subprocess.run(command, capture_output=True, cwd=ROOT, timeout=900)
            full_run = time.monotonic() - start
            shutil.rmtree(home)
            shutil.copytree(template, home)
        figures.full_run = full_run
        delay = rng.uniform(0.1, full_run)
        figures.delays.append(delay)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            figures.killed += 1
        process.wait()
        figures.trials += 1
        check, names, _ = library_state(home)
        if check != "ok" or names not in (old_names, new_names):
            figures.corrupt += 1
        figures.old_state += names == old_names
        figures.new_state += names == new_names
        missing, behind = index_gap(home)
        figures.silent_lag += bool(missing and not behind)
        again = subprocess.run(command, capture_output=True, cwd=ROOT, timeout=900)
        missing, _ = index_gap(home) if again.returncode in (0, 1) else (10**6, True)
        figures.missing_after_next += missing
        shutil.rmtree(home)
    return figures


@dataclass
class RaceFigures:
    trials: int = 0
    failed_runs: int = 0  # an ingest that did not exit 0
    lost_digests: int = 0  # a digest missing from the library
    missing_from_index: int = 0  # library papers missing from the index once both are done
    stale_generation: int = 0  # manifest recording another library generation than the library's


def race_trials(source: Path, work: Path, trials: int) -> RaceFigures:
    """Each trial: two ``paperkg ingest --wait`` of different digests started together."""
    from paperkg.search.manifest import read_manifest

    figures = RaceFigures()
    template = work / "race-template"
    seed(source, template)
    for trial in range(trials):
        home = work / f"race-{trial:03d}"
        shutil.copytree(template, home)
        processes = [subprocess.Popen(paperkg(home, "ingest", "--wait", "300", str(path)), stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, cwd=ROOT) for path in ADDED]
        figures.failed_runs += sum(p.wait(timeout=900) != 0 for p in processes)
        for p in processes:
            p.stderr.close()
        figures.trials += 1
        _, names, generation = library_state(home)
        figures.lost_digests += len({p.stem for p in BASE + ADDED} - names)
        figures.missing_from_index += index_gap(home)[0]
        figures.stale_generation += read_manifest(home).library_generation != generation
        shutil.rmtree(home)
    return figures

"""kill -9 and concurrency loops over real ``paperkg ingest`` processes (the README's
"Limits and failure behaviour" figures).

    python -m bench.bench_crash_loops [--kills 34] [--races 25] [--seed 13]

Kill loop: each trial starts ``paperkg ingest`` of two digests (one of them must be
embedded) on a library that holds a third, indexed, and kill -9s it at a random moment up
to the length of a whole run (measured first, as the baseline). It then checks the library
(SQLite integrity, exactly the old or the new digests), whether search either has every
library paper or says it is behind, and, after running the same ingest again, that no
library paper is missing from the index. Race loop: two ``paperkg ingest --wait`` of
different digests started together; both must succeed and the index must hold every paper.
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from tests.crash_loops import kill_trials, race_trials
from tests.evaluation import sample_library

os.environ.setdefault("PAPERKG_CACHE", str(Path.home() / ".cache" / "paperkg"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=34)
    parser.add_argument("--races", type=int, default=25)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="paperkg-crash-") as tmp:
        work = Path(tmp)
        source = sample_library(work / "source")
        start = time.monotonic()
        kills = kill_trials(source, work, args.kills, random.Random(args.seed))
        took = time.monotonic() - start
        delays = sorted(kills.delays)
        print(f"kill -9 loop: {kills.trials} trials in {took:.0f} s; kill moments {delays[0]:.1f}-{delays[-1]:.1f} s "
              f"after start (baseline: one unkilled run took {kills.full_run:.1f} s)")
        print("  " + ", ".join(f"{k}={v}" for k, v in asdict(kills).items() if k not in ("delays", "full_run")))
        start = time.monotonic()
        races = race_trials(source, work, args.races)
        print(f"concurrent-ingest loop: {races.trials} trials in {time.monotonic() - start:.0f} s")
        print("  " + ", ".join(f"{k}={v}" for k, v in asdict(races).items()))
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    bad = kills.corrupt + kills.silent_lag + kills.missing_after_next + races.failed_runs + races.lost_digests \
        + races.missing_from_index + races.stale_generation
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

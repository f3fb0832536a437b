"""Ingest benchmark: parse rate, ingest rate, library load time and peak memory.

    python -m bench.bench_ingest [--papers 50000]

Targets (2-core machine): parse >= 20,000 entries/s; ingest 50k papers <= 60 s
(no embeddings); load a 50k-paper library <= 3 s; peak memory <= 1.5 GB.
Each figure is printed beside its baseline from the same run: reading and
splitting the files into lines (parse), parsing alone (ingest), and reading the
stored rows without building the graph (load).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.synth import synthetic_digests

_CHILD_INGEST = """
import json, resource, sys, time
from paperkg.graph.config import load_settings
from paperkg.services import ingest
t = time.perf_counter()
settings = load_settings(home=sys.argv[1], environ={})
outcome = ingest(settings, [sys.argv[2]], index=False)
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "papers": len(outcome.report.added),
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_CHILD_LOAD = """
import json, resource, sys, time
t = time.perf_counter()
from paperkg.graph.embedded import EmbeddedStore
store = EmbeddedStore(sys.argv[1])
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "papers": store.stats()["papers"],
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_CHILD_ROWS = """
import json, sys, time
t = time.perf_counter()
from paperkg.graph.library import Library
generation, papers, digests, *_ = Library(sys.argv[1]).snapshot()
print(json.dumps({"seconds": time.perf_counter() - t, "papers": len(papers)}))
"""


def _child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=50000)
    args = parser.parse_args()
    folder = synthetic_digests(args.papers)
    files = sorted(folder.glob("*.txt"))
    texts = [f.read_text(encoding="utf-8") for f in files]

    from paperkg.ingest.parser import parse_digest

    t = time.perf_counter()
    lines = sum(len(t_.splitlines()) for t_ in texts)
    split_s = time.perf_counter() - t
    t = time.perf_counter()
    entries = sum(len(parse_digest(text, str(f), f.stem).entries) for f, text in zip(files, texts))
    parse_s = time.perf_counter() - t

    home = Path(tempfile.mkdtemp(prefix="paperkg-bench-"))
    try:
        ingest = _child(_CHILD_INGEST, str(home), str(folder))
        load = _child(_CHILD_LOAD, str(home))
        rows = _child(_CHILD_ROWS, str(home))
    finally:
        shutil.rmtree(home, ignore_errors=True)

    rows_out = [
        ("parse rate", f"{entries / parse_s:,.0f} entries/s", ">= 20,000 entries/s",
         f"baseline: split {lines:,} lines at {entries / split_s:,.0f} entries/s"),
        ("ingest", f"{ingest['seconds']:.1f} s for {ingest['papers']:,} papers ({ingest['papers'] / ingest['seconds']:,.0f}/s)",
         "<= 60 s", f"baseline: parsing alone {parse_s:.1f} s"),
        ("load library", f"{load['seconds']:.2f} s", "<= 3 s", f"baseline: reading the rows alone {rows['seconds']:.2f} s"),
        ("peak memory (ingest)", f"{ingest['maxrss_mb']:,.0f} MB", "<= 1,536 MB", ""),
        ("peak memory (load)", f"{load['maxrss_mb']:,.0f} MB", "<= 1,536 MB", ""),
    ]
    print(f"paperkg ingest benchmark, {args.papers:,} synthetic papers in {len(files):,} digests")
    print(f"| {'what':<22} | {'measured':<38} | {'target':<20} | comparison")
    print(f"|{'-' * 24}|{'-' * 40}|{'-' * 22}|{'-' * 40}")
    for what, measured, target, baseline in rows_out:
        print(f"| {what:<22} | {measured:<38} | {target:<20} | {baseline}")


if __name__ == "__main__":
    main()

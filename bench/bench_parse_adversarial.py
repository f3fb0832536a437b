"""Parsing adversarial lines: the parser's time beside a plain ``str.split`` of the same text.

    python -m bench.bench_parse_adversarial [--mb 1] [--fuzz 1000]

Each case is the real sample digest plus one line of ``--mb`` megabytes made of one run
(spaces, ``[``, ``.png``, ``*``, digits, CJK, …) after a header-like prefix. A linear parser
stays a constant factor from ``str.split``; the old regexes took minutes (a 600k-space line)
or forever (a truncated line of image names). Then ``--fuzz`` mutated digests (the mutations
of tests/test_hardening_input.py): how many are rejected whole, how many entries are kept,
beside the entries of the unmutated digests they were made from.
"""
from __future__ import annotations

import argparse
import os
import random
import time

from paperkg.ingest.parser import parse_digest

from paperkg.ingest.files import parse_digest_bytes

from tests.conftest import DIGESTS, SAMPLE_DIGEST
from tests.test_hardening_input import ADVERSARIAL_RUNS, PREFIXES, _mutate


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--fuzz", type=int, default=1000)
    args = parser.parse_args(argv)
    size = int(args.mb * 1_000_000)
    text = SAMPLE_DIGEST.read_text(encoding="utf-8")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; lines of {size:,} characters")
    print(f"{'run':<12} {'prefix':<16} {'parse ms':>9} {'split ms':>9} {'ratio':>6}")
    worst = 0.0
    for name, unit in ADVERSARIAL_RUNS.items():
        body = unit * (size // len(unit))
        for prefix in PREFIXES:
            case = text + "\n" + prefix + body + "x\n"
            parse = _best(lambda: parse_digest(case, "f.txt"))
            split = _best(case.split)
            worst = max(worst, parse / split)
            print(f"{name:<12} {prefix[:16]!s:<16} {parse * 1000:9.1f} {split * 1000:9.2f} {parse / split:6.0f}")
    print(f"worst ratio parse / str.split: {worst:.0f}x")
    _fuzz(args.fuzz)
    return 0


def _fuzz(count: int) -> None:
    rng = random.Random(13)
    originals = [path.read_bytes() for path in sorted(DIGESTS.glob("*.txt"))]
    rejected = kept = problems = baseline = 0
    start = time.perf_counter()
    for k in range(count):
        source = rng.choice(originals)
        digest, _ = parse_digest_bytes(_mutate(rng, source), "f.txt", f"fuzz-{k}")
        baseline += len(parse_digest_bytes(source, "f.txt", "f")[0].entries)
        rejected += not digest.entries
        kept += len(digest.entries)
        problems += len(digest.problems)
    print(f"{count:,} mutated digests in {time.perf_counter() - start:.1f} s (each also parsed unmutated): "
          f"{rejected} rejected whole, {kept:,} entries kept of {baseline:,} in the unmutated digests, "
          f"{problems:,} problems, 0 exceptions")


if __name__ == "__main__":
    raise SystemExit(main())

"""Entity resolution: quality on the evaluation sets, cost on a 50k-paper library.

    python -m bench.bench_entities [--papers 50000] [--fit]

Prints, in one run:

* authors (``data/eval/authors``: real papers, real people sharing written names,
  people who moved): pairwise precision and recall over slots of one written name,
  for paperkg beside the name-only baseline (every slot of a name one person);
  targets precision >= 0.95, recall >= 0.85;
* institutions (``data/eval/institutions``): spelling-variant pair recall (target
  >= 0.9), look-alike pairs merged (target 0), sub-units linked to their parents;
* the synthetic library (``tests/synth.py``: surnames by real frequency, people in
  groups with stable co-authors, institutions and topics, one in ten moving): a full
  resolution pass (target <= 30 s and <= 500 MB more memory), adding one day's
  digest (<= 2 s), precision/recall against the generator's truth, and the largest
  co-author degree by written name (the baseline) and by person;
* with ``--fit``: the logistic weights refitted on the author set, with a
  five-fold cross-validation grouped by written name (held-out figures).
"""
from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from paperkg.graph.config import load_settings
from paperkg.graph.embedded import EmbeddedStore
from paperkg.graph.entities import Resolver, resolve_papers
from paperkg.graph.people import author_key
from paperkg.ingest import read_digest
from paperkg.services import ingest
from tests.synth import synthetic_digests

ROOT = Path(__file__).resolve().parent.parent
AUTHORS = ROOT / "data" / "eval" / "authors"
INSTITUTIONS = ROOT / "data" / "eval" / "institutions"


def pairwise(slots_by_name: dict[str, list], truth: dict, predicted: dict) -> tuple[float, float]:
    """Precision and recall over pairs of slots of one written name."""
    tp = fp = fn = 0
    for slots in slots_by_name.values():
        for a, b in itertools.combinations(slots, 2):
            same, ours = truth[a] == truth[b], predicted[a] == predicted[b]
            tp += same and ours
            fp += ours and not same
            fn += same and not ours
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def truth_of(folder: Path, key_of_file) -> dict:
    """(file stem, section, rank, position) -> person."""
    found = {}
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        t = json.loads(line)
        found[key_of_file(t)] = t["person"]
    return found


def author_quality(home: Path, folder: Path, truth: dict, digest_key) -> dict:
    """Pairwise figures of a library built from ``folder`` against ``truth``."""
    slots_by_name: dict[str, list] = defaultdict(list)
    ours, expected = {}, {}
    with EmbeddedStore(home) as store:
        papers = {p["id"]: p for p in store.papers()}
    for path in sorted(folder.glob("*.txt")):
        digest, _ = read_digest(path)
        for entry in digest.entries:
            paper = papers[_key(entry.title)]
            for position, (written, person) in enumerate(zip(paper["authors"], paper["author_ids"]), start=1):
                slot = (paper["id"], position)
                expected_person = truth.get(digest_key(path, entry, position))
                if expected_person is None or slot in ours:
                    continue
                slots_by_name[author_key(written)].append(slot)
                ours[slot], expected[slot] = person, expected_person
    baseline = {slot: name for name, slots in slots_by_name.items() for slot in slots}
    p, r = pairwise(slots_by_name, expected, ours)
    bp, br = pairwise(slots_by_name, expected, baseline)
    return {"precision": p, "recall": r, "baseline_precision": bp, "baseline_recall": br,
            "slots": len(ours), "names": sum(1 for s in slots_by_name.values() if len(s) > 1)}


def _key(title: str) -> str:
    from paperkg.graph.model import paper_key

    return paper_key(title)


def institution_quality() -> dict:
    resolver = Resolver().institutions
    registry = resolver.registry
    variants = list(csv.DictReader((INSTITUTIONS / "variants.tsv").open(encoding="utf-8"), delimiter="\t"))
    same = sum(resolver.key(v["written_a"]) == resolver.key(v["written_b"]) for v in variants)
    lookalikes = list(csv.DictReader((INSTITUTIONS / "lookalikes.tsv").open(encoding="utf-8"), delimiter="\t"))
    merged = [(x["written_a"], x["written_b"]) for x in lookalikes if resolver.key(x["written_a"]) == resolver.key(x["written_b"])]
    part_of = [x for x in lookalikes if x["relation"] == "part_of"]
    linked = 0
    for x in part_of:
        a = resolver.resolve(x["written_a"])
        chain = registry.ancestors(a.key) if a.key in registry.by_id else (
            [a.parent, *registry.ancestors(a.parent)] if a.parent else [])
        linked += resolver.key(x["written_b"]) in chain
    base_same = sum(v["written_a"].strip().casefold() == v["written_b"].strip().casefold() for v in variants)
    return {"variant_recall": same / len(variants), "variants": len(variants), "baseline_recall": base_same / len(variants),
            "lookalike_merges": merged, "lookalikes": len(lookalikes), "part_of_linked": linked, "part_of": len(part_of)}


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> float:
    """Reset the process's peak resident memory (Linux: clear_refs 5) and return the current one."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def synthetic(n_papers: int) -> dict:
    """Resolution cost and quality on the synthetic library."""
    folder = synthetic_digests(n_papers, seed=1, distinct_topics=True)  # its own: the other benches use seed 0
    files = sorted(folder.glob("*.txt"))
    scratch = Path(tempfile.mkdtemp(prefix="bench-entities-"))
    try:
        home = scratch / "library"
        ingest(load_settings(home=str(home), environ={}), [str(f) for f in files[:-1]], index=False)
        with EmbeddedStore(home) as store:
            records = {p["id"]: {**p} for p in store.papers()}
        started = time.perf_counter()
        by_name: dict[str, int] = defaultdict(int)
        for record in records.values():
            for name in record["authors"]:
                by_name[author_key(name)] += 1
        name_only = time.perf_counter() - started
        pending = {k: dict(v) for k, v in records.items()}
        rss_before = reset_peak_rss()
        started = time.perf_counter()
        resolved = resolve_papers(pending, [], Resolver(), lambda keys: {})
        full_pass = time.perf_counter() - started
        rss_after = peak_rss_mb()
        started = time.perf_counter()
        store = EmbeddedStore(home)
        started_day = time.perf_counter()
        store.ingest([read_digest(files[-1])])
        one_day = time.perf_counter() - started_day
        open_seconds = started_day - started
        truth = truth_of(folder, lambda t: (t["file"], t["section"], t["rank"], t["position"]))
        slots_by_name: dict[str, list] = defaultdict(list)
        ours, expected = {}, {}
        by_title = {}
        for path in files:
            digest, _ = read_digest(path)
            for entry in digest.entries:
                by_title[_key(entry.title)] = (path.stem, entry.section, entry.rank)
        for paper in store.papers():
            where = by_title[paper["id"]]
            for position, (written, person) in enumerate(zip(paper["authors"], paper["author_ids"]), start=1):
                slot = (paper["id"], position)
                slots_by_name[author_key(written)].append(slot)
                ours[slot], expected[slot] = person, truth[(*where, position)]
        baseline = {slot: name for name, slots in slots_by_name.items() for slot in slots}
        p, r = pairwise(slots_by_name, expected, ours)
        bp, br = pairwise(slots_by_name, expected, baseline)
        degree_by_name, degree_by_person = defaultdict(set), defaultdict(set)
        for paper in store.papers():
            keys = [author_key(a) for a in paper["authors"]]
            for k in keys:
                degree_by_name[k].update(x for x in keys if x != k)
            for i in paper["author_ids"]:
                degree_by_person[i].update(x for x in paper["author_ids"] if x != i)
        top_name = max(degree_by_name.items(), key=lambda kv: len(kv[1]))
        top_person = max(degree_by_person.items(), key=lambda kv: len(kv[1]))
        store.close()
        return {"papers": len(records), "full_pass_s": full_pass, "name_only_s": name_only, "extra_mb": rss_after - rss_before,
                "one_day_s": one_day, "open_s": open_seconds, "changed": len(resolved),
                "precision": p, "recall": r, "baseline_precision": bp, "baseline_recall": br,
                "top_name": (top_name[0], len(top_name[1])), "top_person": (top_person[0], len(top_person[1]))}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def fit() -> None:
    """Refit the logistic weights on the author set; five-fold name-grouped cross-validation."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from paperkg.graph import people

    scratch = Path(tempfile.mkdtemp(prefix="bench-entities-fit-"))
    try:
        home = scratch / "library"
        ingest(load_settings(home=str(home), environ={}), [str(AUTHORS)], index=False)
        with EmbeddedStore(home) as store:
            records = {p["id"]: p for p in store.papers()}
        resolver = Resolver()
        resolver.prime(records.values())
        truth = truth_of(AUTHORS, lambda t: (t["file"].removesuffix(".txt"), t["rank"], t["position"]))
        where = {}
        for path in sorted(AUTHORS.glob("*.txt")):
            digest, _ = read_digest(path)
            for entry in digest.entries:
                where[_key(entry.title)] = (path.stem, entry.rank)
        groups = defaultdict(list)
        person = {}
        for record in records.values():
            for facts in people.slot_facts(record, resolver.organisation_of):
                groups[author_key(facts.written)].append(facts)
                person[facts.slot] = truth[(*where[record["id"]], facts.slot[1])]
        names = sorted(groups)
        fold = {n: i % 5 for i, n in enumerate(names)}
        rows, labels, owner = [], [], []
        for name, slots in groups.items():
            for a, b in itertools.combinations(slots, 2):
                if a.slot[0] != b.slot[0]:
                    rows.append(people.pair_features(a, b))
                    labels.append(person[a.slot] == person[b.slot])
                    owner.append(name)
        X, y, owner = np.array(rows, float), np.array(labels), np.array(owner)
        model = LogisticRegression(max_iter=2000).fit(X, y)
        print(f"fitted on {len(y)} pairs: WEIGHTS = {tuple(round(float(w), 3) for w in model.coef_[0])}, "
              f"INTERCEPT = {round(float(model.intercept_[0]), 3)}  (shipped: {people.WEIGHTS}, {people.INTERCEPT})")
        tp = fp = fn = 0
        saved = people.WEIGHTS, people.INTERCEPT
        try:
            for k in range(5):
                train = np.array([fold[n] != k for n in owner])
                held = LogisticRegression(max_iter=2000).fit(X[train], y[train])
                people.WEIGHTS, people.INTERCEPT = tuple(held.coef_[0]), float(held.intercept_[0])
                for name in names:
                    if fold[name] != k:
                        continue
                    predicted = {f.slot: n for n, person_ in enumerate(people.cluster(groups[name])) for f in person_}
                    for a, b in itertools.combinations([f.slot for f in groups[name]], 2):
                        same, ours = person[a] == person[b], predicted[a] == predicted[b]
                        tp += same and ours
                        fp += ours and not same
                        fn += same and not ours
        finally:
            people.WEIGHTS, people.INTERCEPT = saved
        print(f"five-fold cross-validation by written name (held-out names): precision {tp / max(tp + fp, 1):.3f}, "
              f"recall {tp / max(tp + fn, 1):.3f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=50_000, help="size of the synthetic library (default 50000)")
    parser.add_argument("--fit", action="store_true", help="refit the weights and cross-validate them")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")

    scratch = Path(tempfile.mkdtemp(prefix="bench-entities-eval-"))
    try:
        home = scratch / "authors"
        ingest(load_settings(home=str(home), environ={}), [str(AUTHORS)], index=False)
        truth = truth_of(AUTHORS, lambda t: (t["file"].removesuffix(".txt"), t["rank"], t["position"]))
        found = author_quality(home, AUTHORS, truth, lambda path, entry, position: (path.stem, entry.rank, position))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\nauthors (data/eval/authors: {found['slots']} slots, {found['names']} written names on 2+ papers):")
    print(f"  paperkg:   precision {found['precision']:.3f}  recall {found['recall']:.3f}   (targets 0.95 / 0.85)")
    print(f"  baseline (one person per written name): precision {found['baseline_precision']:.3f}  "
          f"recall {found['baseline_recall']:.3f}")

    inst = institution_quality()
    print("\ninstitutions (data/eval/institutions):")
    print(f"  spelling variants resolved as one: {inst['variant_recall']:.3f} of {inst['variants']} pairs (target 0.9); "
          f"baseline (same name any case): {inst['baseline_recall']:.3f}")
    print(f"  look-alike pairs merged: {len(inst['lookalike_merges'])} of {inst['lookalikes']} (target 0) "
          f"{inst['lookalike_merges'][:5]}")
    print(f"  sub-units linked to the organisation they are part of: {inst['part_of_linked']} of {inst['part_of']}")

    if args.fit:
        print()
        fit()

    found = synthetic(args.papers)
    print(f"\nsynthetic library ({found['papers']:,} papers, tests/synth.py):")
    print(f"  full resolution pass: {found['full_pass_s']:.1f} s (target 30 s), +{found['extra_mb']:.0f} MB peak "
          f"memory (target 500 MB); {found['changed']:,} records resolved; baseline (grouping by written name "
          f"only) {found['name_only_s']:.2f} s")
    print(f"  one more day's digest: {found['one_day_s']:.2f} s to ingest and resolve (target 2 s); "
          f"opening the library {found['open_s']:.1f} s")
    print(f"  against the generator's truth: precision {found['precision']:.3f}  recall {found['recall']:.3f}; "
          f"baseline precision {found['baseline_precision']:.3f}  recall {found['baseline_recall']:.3f}")
    print(f"  largest co-author degree: by written name {found['top_name'][0]!r} {found['top_name'][1]}, "
          f"by person {found['top_person'][0]!r} {found['top_person'][1]}")


if __name__ == "__main__":
    main()

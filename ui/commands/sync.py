"""``sync``: copy a library between the embedded store (``--home``) and Neo4j.

``paperkg sync --to neo4j`` moves a one-laptop library up to the team's
database, ``--from neo4j`` brings the database down into ``--home`` (see
:mod:`paperkg.services.syncing`).
"""
from __future__ import annotations

from paperkg.errors import PaperkgError
from paperkg.services import sync
from paperkg.ui.output import plural, print_json, say
from paperkg.ui.progress import bars


def register(sub, shared) -> None:
    p = sub.add_parser("sync", parents=[shared],
                       help="copy the library in --home to a Neo4j database (--to neo4j) or back (--from neo4j)")
    direction = p.add_mutually_exclusive_group(required=True)
    direction.add_argument("--to", choices=["neo4j"], help="copy the embedded library in --home into Neo4j")
    direction.add_argument("--from", dest="source", choices=["neo4j"], help="copy the Neo4j database into --home")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another writer to finish (default: fail at once)")
    p.set_defaults(run=cmd_sync)


def cmd_sync(args) -> int:
    with bars() as progress:
        outcome = sync(args.settings, to_neo4j=args.to == "neo4j", wait=args.wait, progress=progress)
    report = outcome.report
    statuses: dict[str, int] = {}
    for d in report.digests:
        statuses[d.status] = statuses.get(d.status, 0) + 1
    if args.json:
        print_json({"direction": outcome.direction,
                    "digests": [{"name": d.name, "status": d.status, "added": d.added, "updated": d.updated}
                                for d in report.digests],
                    "statuses": statuses, "added": len(report.added), "updated": len(report.updated)})
    else:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) or "nothing to copy"
        say(f"synced {plural(len(report.digests), 'digest')} {outcome.direction} ({counts}): "
            f"{plural(len(report.added), 'paper')} added, {len(report.updated)} updated")
    if outcome.index_error:
        raise PaperkgError(outcome.index_error)
    return 0

"""``sync``: copy a library between the embedded store (``--home``) and Neo4j.

``paperkg sync --to neo4j`` moves a one-laptop library up to the team's
database, ``--from neo4j`` brings the database down into ``--home``. Digests
travel with their text and what they said about each paper, and go through the
target store's own ingest, so running it again changes nothing and digests
already in the target are kept (a digest of the same name is replaced). The
search index of ``--home`` is updated as after an ingest.
"""
from __future__ import annotations

import dataclasses
import sys

from tqdm import tqdm

from graph.base import StoreError
from ui.output import print_json


def register(sub) -> None:
    p = sub.add_parser("sync", help="copy the library in --home to a Neo4j database (--to neo4j) or back (--from neo4j)")
    direction = p.add_mutually_exclusive_group(required=True)
    direction.add_argument("--to", choices=["neo4j"], help="copy the embedded library in --home into Neo4j")
    direction.add_argument("--from", dest="source", choices=["neo4j"], help="copy the Neo4j database into --home")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another writer to finish (default: fail at once)")
    p.set_defaults(run=cmd_sync)


def cmd_sync(args) -> int:
    from graph.embedded import EmbeddedStore
    from graph.neo4j_store import Neo4jStore
    from graph.sync import library_digests
    from ui.commands.library import AFTER_INGEST

    settings = args.settings
    to_neo4j = args.to == "neo4j"
    if to_neo4j and not (settings.home / "library.sqlite").is_file():
        raise StoreError(f"no library in {settings.home} to copy; ingest digests first, or point --home "
                         "(or PAPERKG_HOME) at the library folder")
    if to_neo4j:
        source = EmbeddedStore(settings.home)
        with source:
            pairs = library_digests(source.library)
        target = Neo4jStore(settings.neo4j, home=settings.home, wait=args.wait)
    else:
        with Neo4jStore(settings.neo4j, home=settings.home) as source:
            pairs = source.export_digests()
        target = EmbeddedStore(settings.home, wait=args.wait)
    with target, tqdm(total=len(pairs), desc="copying", unit="digest", file=sys.stderr, disable=None, leave=False) as bar:
        report = target.ingest(pairs, progress=bar.update)
        target_settings = dataclasses.replace(settings, backend=target.backend)
        for hook in AFTER_INGEST:
            hook(target_settings, target, report)
    statuses = {}
    for d in report.digests:
        statuses[d.status] = statuses.get(d.status, 0) + 1
    added = sorted({p for d in report.digests for p in d.added})
    updated = sorted({p for d in report.digests for p in d.updated} - set(added))
    where = "to neo4j" if to_neo4j else "from neo4j"
    if args.json:
        print_json({"direction": where, "digests": [{"name": d.name, "status": d.status, "added": d.added, "updated": d.updated}
                                                    for d in report.digests],
                    "statuses": statuses, "added": len(added), "updated": len(updated)})
    else:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) or "nothing to copy"
        print(f"synced {len(report.digests)} digests {where} ({counts}): {len(added)} papers added, {len(updated)} updated")
    return 0

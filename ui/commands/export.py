"""``export``: write a subgraph for Gephi, Cytoscape, VOSviewer, Neo4j or a reference manager."""
from __future__ import annotations

import sys

from paperkg.graph.export import FORMATS, check_format, format_for_path
from paperkg.graph.export.errors import ExportError
from paperkg.graph.export.references import BIB_CHINESE
from paperkg.graph.model import KINDS, kind_of
from paperkg.search import MODES
from paperkg.services import ExportRequest, export
from paperkg.ui.commands.library import add_filter_options, filters_from
from paperkg.ui.output import note, plural
from paperkg.ui.progress import bars

EPILOG = ("formats: " + "; ".join(f"{name} ({f.suffix}): {f.description}" for name, f in FORMATS.items())
          + ". Without --format the suffix of -o decides. Without -o (or with -o -) the export goes to stdout.")


def register(sub, shared) -> None:
    p = sub.add_parser("export", parents=[shared],
                       help="export a subgraph (GraphML, GEXF, JSON, Cytoscape, CSV, Cypher, VOSviewer, BibTeX, RIS)",
                       epilog=EPILOG)
    what = p.add_argument_group("what to export (one of)")
    what.add_argument("--around", nargs="+", action="extend", metavar="NAME_OR_ID",
                      help="the neighbourhood of these papers, authors, institutions or categories")
    what.add_argument("--query", metavar="TEXT", help="the papers a search finds, with their authors, institutions, categories")
    what.add_argument("--institution-links", action="store_true", help="institutions linked by shared papers (weighted)")
    what.add_argument("--coauthors", action="store_true",
                      help="authors linked by shared papers (weighted); with --around AUTHOR, that author's coauthors")
    shape = p.add_argument_group("shape")
    shape.add_argument("--hops", type=int, metavar="N", help="neighbourhood radius for --around/--query (default 1)")
    shape.add_argument("-k", type=int, default=None, metavar="N", help="how many search results for --query (default 10)")
    shape.add_argument("--mode", choices=MODES, default=None,
                       help="search ranking for --query (default hybrid)")
    shape.add_argument("--kinds", metavar="LIST", help=f"keep only these node kinds, comma-separated: {','.join(KINDS)}")
    shape.add_argument("--min-weight", type=int, metavar="W",
                       help="for --institution-links/--coauthors: links of at least W shared papers (default 1)")
    add_filter_options(p.add_argument_group("filters (narrow any selection by its papers)"))
    out = p.add_argument_group("output")
    out.add_argument("--format", choices=list(FORMATS), help="file format (default: from the suffix of -o)")
    out.add_argument("-o", "--output", metavar="FILE", help="file to write, - for stdout (default: stdout)")
    out.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    out.add_argument("--bib-chinese", choices=BIB_CHINESE, default=None,
                     help="BibTeX: where the Chinese title and summary go: field (default; title_zh/summary_zh, "
                          "which no style prints, so pdflatex compiles), note (printed: needs xelatex/lualatex "
                          "with a CJK font; Zotero keeps it as a child note) or none")
    p.set_defaults(run=cmd_export)


def _check_options(args) -> None:
    derived = args.institution_links or args.coauthors
    if args.hops is not None and derived:
        raise ExportError("--hops applies to --around and --query, not to --institution-links/--coauthors")
    if args.min_weight is not None and not derived:
        raise ExportError("--min-weight applies to --institution-links and --coauthors")
    if (args.k is not None or args.mode is not None) and args.query is None:
        raise ExportError("-k and --mode apply to --query")


def _output_format(args) -> tuple[str, str | None]:
    """(format, path or None for stdout)."""
    path = None if args.output in (None, "-") else args.output
    if args.format:
        return check_format(args.format), path
    if path is None:
        raise ExportError("writing to stdout: say which format with --format "
                          f"({', '.join(FORMATS)}), or write a file with -o FILE")
    return format_for_path(path), path


def _title(args) -> str:
    if args.around and not args.coauthors:
        what = f"{args.hops or 1}-hop neighbourhood of {', '.join(args.around)}"
    elif args.query is not None:
        what = f"search {args.query!r} (top {args.k or 10})"
    elif args.institution_links:
        what = f"institution links (min weight {args.min_weight or 1})"
    else:
        what = "coauthors" + (f" of {args.around[0]}" if args.around else "") + f" (min weight {args.min_weight or 1})"
    return "paperkg export: " + what


def cmd_export(args) -> int:
    _check_options(args)
    fmt, path = _output_format(args)
    if path is None and FORMATS[fmt].binary and sys.stdout.isatty():
        raise ExportError(f"{fmt} is a binary file ({FORMATS[fmt].suffix}); write it with -o FILE{FORMATS[fmt].suffix}")
    request = ExportRequest(around=args.around or [], hops=1 if args.hops is None else args.hops,
                            kinds=args.kinds.split(",") if args.kinds is not None else None, query=args.query,
                            k=10 if args.k is None else args.k, mode=args.mode or "hybrid",
                            institution_links=args.institution_links, coauthors=args.coauthors,
                            min_weight=1 if args.min_weight is None else args.min_weight, filters=filters_from(args))
    with bars() as progress:
        result = export(args.settings, request, fmt, path, force=args.force, title=_title(args), progress=progress,
                        options={"bib_chinese": args.bib_chinese})
    if result.path is None:
        sys.stdout.buffer.write(result.data)
        sys.stdout.flush()
        return 0
    note(f"wrote {_holds(result.subgraph, fmt)} as {fmt} to {result.path}")
    return 0


def _holds(sub, fmt: str) -> str:
    """What the file holds: references for BibTeX/RIS (papers only), else nodes and edges."""
    if FORMATS[fmt].papers_only:
        return plural(sum(1 for n in sub.nodes if kind_of(n) == "paper"), "reference")
    return f"{plural(len(sub.nodes), 'node')} and {plural(len(sub.edges), 'edge')}"

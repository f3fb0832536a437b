"""The export formats: their file suffixes, media types, and :func:`render`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from paperkg.graph.export.cypher import render_cypher
from paperkg.graph.export.errors import EmptySelection, ExportError
from paperkg.graph.export.json_formats import render_cytoscape, render_node_link
from paperkg.graph.export.references import render_bibtex, render_ris
from paperkg.graph.export.tables import render_csv_zip
from paperkg.graph.export.vosviewer import render_vosviewer
from paperkg.graph.export.xml_formats import render_gexf, render_graphml
from paperkg.graph.model import Subgraph
from paperkg.memory import paused_gc


@dataclass(frozen=True)
class Format:
    suffix: str  # the file suffix written by default, e.g. ".graphml"
    mime: str
    description: str
    binary: bool  # not text: refused on a terminal
    write: Callable[..., bytes]
    papers_only: bool = False  # a reference list: holds the selection's papers and nothing else
    options: tuple[str, ...] = ()  # keyword options its writer takes (``bib_chinese``)


FORMATS: dict[str, Format] = {
    "graphml": Format(".graphml", "application/graphml+xml", "GraphML for Gephi, yEd, Cytoscape, igraph", False, render_graphml),
    "gexf": Format(".gexf", "application/gexf+xml", "GEXF 1.2 for Gephi", False, render_gexf),
    "json": Format(".json", "application/json", "node-link JSON for D3 and networkx", False, render_node_link),
    "cytoscape": Format(".cyjs", "application/json", "Cytoscape.js elements JSON for Cytoscape", False, render_cytoscape),
    "csv": Format(".zip", "application/zip", "zip of nodes.csv and edges.csv (UTF-8 with BOM) for Excel, pandas, R", True,
                  render_csv_zip),
    "cypher": Format(".cypher", "application/x-cypher-query", "Cypher MERGE script for Neo4j (cypher-shell -f)", False,
                     render_cypher),
    "vosviewer": Format(".vosviewer.json", "application/json", "VOSviewer JSON for VOSviewer and VOSviewer Online", False,
                        render_vosviewer),
    "bibtex": Format(".bib", "application/x-bibtex", "BibTeX of the papers for LaTeX, pandoc, JabRef, Zotero", False, render_bibtex,
                     papers_only=True, options=("bib_chinese",)),
    "ris": Format(".ris", "application/x-research-info-systems", "RIS of the papers for EndNote, Zotero, Mendeley", False,
                  render_ris, papers_only=True),
}

#: Suffixes read as a format besides each format's own (longest match wins).
_EXTRA_SUFFIXES = {".cytoscape.json": "cytoscape", ".vos.json": "vosviewer", ".cql": "cypher", ".bibtex": "bibtex"}


def _suffix_table() -> dict[str, str]:
    table = {f.suffix: name for name, f in FORMATS.items()}
    table.update(_EXTRA_SUFFIXES)
    return table


def format_for_path(path) -> str:
    """The format a file name asks for by its suffix; :class:`ExportError` when it names none."""
    name = PurePath(str(path)).name.lower()
    for suffix, fmt in sorted(_suffix_table().items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix) and len(name) > len(suffix):
            return fmt
    if name.endswith(".csv"):
        raise ExportError(f"{path}: csv export is a zip of nodes.csv and edges.csv; name the file .zip "
                          "(or give --format)")
    raise ExportError(f"{path}: cannot tell the format from the file name; give --format "
                      f"({', '.join(FORMATS)}) or a suffix such as .graphml, .gexf, .json, .cyjs, .zip, .cypher, "
                      ".vosviewer.json, .bib, .ris")


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return fmt


def render(subgraph: Subgraph, fmt: str, title: str = "paperkg export", **options) -> bytes:
    """The subgraph as a file of format ``fmt`` (a key of :data:`FORMATS`); ``options`` are the
    format's own (``bib_chinese`` for BibTeX; ``None`` means the default).
    :class:`EmptySelection` when there is nothing to write (no nodes; for BibTeX/RIS, no papers)."""
    check_format(fmt)
    options = {k: v for k, v in options.items() if v is not None}
    for option in options:
        if option not in FORMATS[fmt].options:
            raise ExportError(f"--{option.replace('_', '-')} applies to "
                              + (", ".join(n for n, f in FORMATS.items() if option in f.options) or "no format")
                              + f", not to {fmt}")
    if not subgraph.nodes:
        raise EmptySelection("the selection is empty; nothing to export")
    with paused_gc():
        return FORMATS[fmt].write(subgraph, title=title, **options)

"""Export a subgraph for Gephi, Cytoscape, VOSviewer, Neo4j and reference managers.

    sub = select_subgraph(store, around=["Google"], hops=2, filters=PaperFilter(since="2021"))
    data = render(sub, "graphml")            # bytes
    write_file(data, "google.graphml", force=False)

The rules are in README.md, "Exporting a subgraph".
"""
from paperkg.graph.export.errors import EmptySelection, ExportError
from paperkg.graph.export.files import write_file
from paperkg.graph.export.formats import FORMATS, Format, check_format, format_for_path, render
from paperkg.graph.export.select import QUERY_KINDS, select_subgraph

__all__ = ["FORMATS", "QUERY_KINDS", "EmptySelection", "ExportError", "Format", "check_format", "format_for_path",
           "render", "select_subgraph", "write_file"]

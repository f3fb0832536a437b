"""BibTeX and RIS for the papers of a selection (Zotero, EndNote, JabRef, Mendeley).

Only paper nodes are written; a selection without papers is an
:class:`~graph.export.errors.EmptySelection`. Both files are UTF-8. Field
choices, for reference managers to show them where analysts look:

* BibTeX ``@misc``: ``title``, ``author`` (``A and B``), ``year``, ``month``,
  ``date``, ``url``, ``abstract``, ``keywords`` (category code and arXiv
  class), ``affiliation`` (institutions), ``note`` = the Chinese title (Zotero
  and JabRef show notes), ``annote`` = the Chinese summary, ``title_zh`` = the
  Chinese title again for scripts. LaTeX specials are escaped (``\\&``,
  ``\\textbackslash{}``…; braces as ``\\textbraceleft{}``, because BibTeX counts
  a ``\\{`` as an opening brace and a lone one would break the entry) and LaTeX
  ligatures broken with ``{}`` (``-{}-``), so that LaTeX prints, and a LaTeX
  decoder reads back, the original text; line breaks become spaces.
* RIS ``UNPB`` (unpublished work: the papers are preprints): ``TI`` title,
  ``TT`` translated title = the Chinese title, ``AU`` one per author as
  ``Last, First``, ``PY``, ``DA``, ``AB``, ``N1`` the Chinese summary, ``KW``,
  ``AD`` institutions, ``UR``; line breaks become spaces.
"""
from __future__ import annotations

import re
import unicodedata

from paperkg.graph.export.clean import native, utf8
from paperkg.graph.export.errors import EmptySelection
from paperkg.graph.model import ARXIV, Subgraph, kind_of

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "%": r"\%", "&": r"\&", "$": r"\$",
                  "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_PATTERN = re.compile(r"[\\{}%&$#_~^]")
_LIGATURES = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)|(?<=<)(?=<)|(?<=>)(?=>)")
_LIGATURE_PAIRS = ("--", "``", "''", "!`", "?`", "<<", ">>")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def papers_of(subgraph: Subgraph) -> list[dict]:
    papers = [attrs for node_id, attrs in subgraph.nodes.items() if (attrs.get("kind") or kind_of(node_id)) == "paper"]
    if not papers:
        raise EmptySelection("the selection has no papers; BibTeX and RIS hold papers only "
                             "(select papers, e.g. --around NAME --kinds paper,author)")
    return papers


def one_line(value) -> str:
    """Text on one line: line breaks and control characters become spaces, runs of spaces one.
    (Lone surrogates are removed from the finished file.)"""
    if value.__class__ is not str:
        value = native(value)
        if value is None:
            return ""
        if isinstance(value, list):
            value = "; ".join(one_line(v) for v in value)
        value = str(value)
    if not value.isprintable():
        value = _CONTROL.sub(" ", value)
    return " ".join(value.split())


def _latex_special(match: re.Match) -> str:
    return _LATEX_SPECIAL[match.group()]


def latex(value) -> str:
    """``value`` as BibTeX field text that LaTeX prints as the original characters."""
    text = one_line(value)
    if _LATEX_PATTERN.search(text):
        text = _LATEX_PATTERN.sub(_latex_special, text)
    if any(pair in text for pair in _LIGATURE_PAIRS):
        text = _LIGATURES.sub("{}", text)
    return text


def _url(value) -> str:
    url = one_line(value)
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", folded).lower()


def _cite_key(paper: dict, taken: set[str]) -> str:
    authors = paper.get("authors") or []
    surname = _ascii_word(authors[0].split()[-1]) if authors and authors[0].split() else ""
    year = (paper.get("posted_at") or "")[:4]
    word = next((w for w in map(_ascii_word, str(paper.get("title") or "").split()) if len(w) > 3), "")
    base = (surname + year + word) or "paper" + str(paper.get("id", ""))[:8]
    key, n = base, 0
    while key in taken:
        n += 1
        key = base + _suffix(n)
    taken.add(key)
    return key


def _suffix(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _bib_name(name: str) -> str:
    """A name for ``author``: braced (one unit, never split or reordered) when it holds an
    ``and``, a comma or anything LaTeX needed escaped, so every BibTeX reader keeps it whole."""
    plain = one_line(name)
    escaped = latex(plain)
    if escaped != plain or "," in plain or re.search(r"\band\b", plain, re.IGNORECASE):
        return "{" + escaped + "}"
    return escaped


def _keywords(paper: dict) -> list[str]:
    code = one_line(paper.get("category"))
    return [k for k in (code, ARXIV.get(code, "")) if k]


def render_bibtex(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    taken: set[str] = set()
    papers = papers_of(subgraph)
    out = [f"% {one_line(title)}\n% {len(papers)} paper{'s' if len(papers) != 1 else ''}, UTF-8\n"]
    for paper in papers:
        posted = one_line(paper.get("posted_at"))
        fields = [("title", latex(paper.get("title"))),
                  ("author", " and ".join(_bib_name(a) for a in paper.get("authors") or [] if one_line(a))),
                  ("year", posted[:4]),
                  ("date", posted[:10]),
                  ("url", _url(paper.get("url"))),
                  ("abstract", latex(paper.get("abstract"))),
                  ("keywords", latex(", ".join(_keywords(paper)))),
                  ("affiliation", latex("; ".join(one_line(i) for i in paper.get("institutions") or []))),
                  ("note", latex(paper.get("title_zh"))),
                  ("annote", latex(paper.get("summary_zh"))),
                  ("title_zh", latex(paper.get("title_zh")))]
        body = [f"  {key} = {{{value}}}" for key, value in fields if value]
        month = posted[5:7]
        if month.isdigit() and 1 <= int(month) <= 12:
            body.insert(3, f"  month = {_MONTHS[int(month) - 1]}")
        out.append(f"@misc{{{_cite_key(paper, taken)},\n" + ",\n".join(body) + "\n}\n")
    return utf8("\n".join(out))


def ris_name(name: str) -> str:
    """``Y Dong`` -> ``Dong, Y``: RIS wants the surname first; one-word and comma names stay."""
    name = one_line(name)
    parts = name.split(" ")
    if "," in name or len(parts) < 2:
        return name
    return parts[-1] + ", " + " ".join(parts[:-1])


def render_ris(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    records = []
    for paper in papers_of(subgraph):
        posted = one_line(paper.get("posted_at"))
        tags = [("TY", "UNPB"), ("ID", one_line(paper.get("id"))), ("TI", one_line(paper.get("title"))),
                ("TT", one_line(paper.get("title_zh")))]
        tags += [("AU", ris_name(a)) for a in paper.get("authors") or [] if one_line(a)]
        tags += [("PY", posted[:4]), ("DA", posted[:10].replace("-", "/") + ("/" if posted else "")),
                 ("AB", one_line(paper.get("abstract"))), ("N1", one_line(paper.get("summary_zh")))]
        tags += [("KW", k) for k in _keywords(paper)]
        tags += [("AD", "; ".join(one_line(i) for i in paper.get("institutions") or [])),
                 ("UR", one_line(paper.get("url"))), ("DB", "paperkg")]
        lines = [f"{tag}  - {value}" for tag, value in tags if value]
        records.append("\r\n".join(lines) + "\r\nER  - \r\n")
    return utf8("\r\n".join(records))

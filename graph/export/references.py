"""BibTeX and RIS for the papers of a selection (Zotero, EndNote, JabRef, Mendeley, LaTeX, pandoc).

Only paper nodes are written; a selection without papers is an
:class:`~graph.export.errors.EmptySelection`. Both files are UTF-8 and share one
citation key per paper (:func:`cite_keys`: ``dong2021attention``). A paper's
``url`` is the digest's post that listed it; a paper link (``paper_url``), when
the digest gives one, takes its place and the post is still named as such.

* BibTeX ``@unpublished`` (Zotero: Manuscript; pandoc/citeproc: ``manuscript``)
  with ``type = {Preprint}``; the title in double braces so that no style, pandoc
  or citeproc changes its case; ``note`` labels the URL as the digest post.
  Chinese text goes where :data:`BIB_CHINESE` says (``--bib-chinese``): ``field``
  (the default) keeps it in ``title_zh``/``summary_zh``, fields no style prints, so
  a pdflatex document citing the entries compiles; ``note`` puts the Chinese title
  in the printed ``note`` and the summary in ``annote`` (Zotero keeps both as child
  notes; needs xelatex or lualatex with a CJK font); ``none`` leaves it out. LaTeX
  specials are escaped (``\\&``, ``\\textbackslash{}``…; braces as
  ``\\textbraceleft{}``) and ligatures broken with ``{}``; line breaks become spaces.
* RIS ``MANSCPT`` with ``M3 Preprint``: the tags Zotero's RIS translator keeps with
  its default settings (``TI AU PY DA AB M3 KW UR N1 DP``; ``M2`` lines go to Zotero's
  Extra: ``Citation Key``, ``Chinese title``, ``Institutions``, ``Digest post``), plus
  ``ID``, ``TT`` and ``AD`` for EndNote (Zotero drops those three by default).
"""
from __future__ import annotations

import re
import unicodedata

from paperkg.graph.export.clean import native, utf8
from paperkg.graph.export.errors import EmptySelection, ExportError
from paperkg.graph.model import ARXIV, Subgraph, kind_of

#: Where BibTeX puts the Chinese title and summary (see the module docstring).
BIB_CHINESE = ("field", "note", "none")
DIGEST_POST = "Digest post"

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "%": r"\%", "&": r"\&",
                  "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_PATTERN = re.compile(r"[\\{}%&$#_~^]")
_LIGATURES = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)|(?<=<)(?=<)|(?<=>)(?=>)")
_LIGATURE_PAIRS = ("--", "``", "''", "!`", "?`", "<<", ">>")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
#: Title words a citation key skips (articles, prepositions, conjunctions).
_SKIPPED_WORDS = frozenset("a an the on of in for to and or with via from by at is are as into".split())


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


def protected_title(value) -> str:
    """The title as it must be printed: braced once more, so every BibTeX style, biblatex, pandoc
    and citeproc keep its case (``{{Syntax-BERT: …}}`` stays ``Syntax-BERT``). A brace group that
    starts with a backslash is a BibTeX "special character", so ``{}`` goes first there."""
    text = latex(value)
    if not text:
        return ""
    return "{" + ("{}" if text.startswith("\\") else "") + text + "}"


def _url(value) -> str:
    url = one_line(value)
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", folded).lower()


def _base_key(paper: dict) -> str:
    """First author's surname, year, first title word that says something: ``dong2021attention``."""
    authors = paper.get("authors") or []
    first = one_line(authors[0]) if authors else ""
    surname = _ascii_word(first.split()[-1]) if first.split() else ""
    year = one_line(paper.get("posted_at"))[:4]
    words = [_ascii_word(w) for w in one_line(paper.get("title")).split()]
    word = next((w for w in words if w and w not in _SKIPPED_WORDS), "")
    return (surname + (year if year.isdigit() else "") + word) or "paper" + _ascii_word(str(paper.get("id", "")))[:8]


def cite_keys(papers: list[dict]) -> dict[int, str]:
    """``id(paper)`` -> its citation key, unique in the file: papers sharing a base key are told
    apart in posting order (then by paper id), the first keeping the bare key and the next ones
    getting ``b``, ``c``… — so a key depends on the paper and its older namesakes only, not on
    the order of the selection."""
    by_base: dict[str, list[dict]] = {}
    for paper in papers:
        by_base.setdefault(_base_key(paper), []).append(paper)
    keys: dict[int, str] = {}
    taken = set(by_base)
    for base, group in by_base.items():
        group.sort(key=lambda p: (one_line(p.get("posted_at")), one_line(p.get("id"))))
        keys[id(group[0])] = base
        n = 1
        for paper in group[1:]:
            while True:
                n += 1
                candidate = base + _suffix(n)
                if candidate not in taken:
                    break
            taken.add(candidate)
            keys[id(paper)] = candidate
    return keys


def _suffix(n: int) -> str:
    """2 -> ``b``, 26 -> ``z``, 27 -> ``aa``…"""
    letters = ""
    n -= 1
    while n >= 0:
        n, rest = divmod(n, 26)
        letters = chr(ord("a") + rest) + letters
        n -= 1
    return letters


def links(paper: dict) -> tuple[str, str]:
    """(the URL to cite, the digest post): the paper link when the digest gave one, else the post."""
    post = one_line(paper.get("url"))
    link = one_line(paper.get("paper_url"))
    return (link or post), post


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


def _institutions(paper: dict) -> str:
    return "; ".join(one_line(i) for i in paper.get("institutions") or [] if one_line(i))


def check_bib_chinese(value: str) -> str:
    if value not in BIB_CHINESE:
        raise ExportError(f"--bib-chinese must be one of {', '.join(BIB_CHINESE)}, not {value!r}")
    return value


def render_bibtex(subgraph: Subgraph, title: str = "paperkg export", bib_chinese: str = "field") -> bytes:
    check_bib_chinese(bib_chinese)
    papers = papers_of(subgraph)
    keys = cite_keys(papers)
    out = [f"% {one_line(title)}\n% {len(papers)} paper{'s' if len(papers) != 1 else ''}, UTF-8; "
           f"Chinese text: {bib_chinese} (--bib-chinese)\n"]
    for paper in papers:
        posted = one_line(paper.get("posted_at"))
        url, post = links(paper)
        label = DIGEST_POST if url == post else f"{DIGEST_POST}: {post}" if post else ""
        title_zh, summary_zh = one_line(paper.get("title_zh")), one_line(paper.get("summary_zh"))
        note = ". ".join(part for part in (title_zh if bib_chinese == "note" else "", label) if part)
        fields = [("title", protected_title(paper.get("title"))),
                  ("author", " and ".join(_bib_name(a) for a in paper.get("authors") or [] if one_line(a))),
                  ("year", posted[:4]),
                  ("month", ""),
                  ("date", posted[:10]),
                  ("type", "Preprint"),
                  ("note", latex(note)),
                  ("url", _url(url)),
                  ("abstract", latex(paper.get("abstract"))),
                  ("keywords", latex(", ".join(_keywords(paper)))),
                  ("affiliation", latex(_institutions(paper)))]
        if bib_chinese == "note":
            fields += [("annote", latex(summary_zh)), ("title_zh", latex(title_zh))]
        elif bib_chinese == "field":
            fields += [("title_zh", latex(title_zh)), ("summary_zh", latex(summary_zh))]
        month = posted[5:7]
        body = []
        for key, value in fields:
            if key == "month":
                if month.isdigit() and 1 <= int(month) <= 12:
                    body.append(f"  month = {_MONTHS[int(month) - 1]}")
            elif value:
                body.append(f"  {key} = {{{value}}}")
        out.append(f"@unpublished{{{keys[id(paper)]},\n" + ",\n".join(body) + "\n}\n")
    return utf8("\n".join(out))


def ris_name(name: str) -> str:
    """``Y Dong`` -> ``Dong, Y``: RIS wants the surname first; one-word and comma names stay."""
    name = one_line(name)
    parts = name.split(" ")
    if "," in name or len(parts) < 2:
        return name
    return parts[-1] + ", " + " ".join(parts[:-1])


def render_ris(subgraph: Subgraph, title: str = "paperkg export") -> bytes:
    papers = papers_of(subgraph)
    keys = cite_keys(papers)
    records = []
    for paper in papers:
        posted = one_line(paper.get("posted_at"))
        url, post = links(paper)
        title_zh, institutions = one_line(paper.get("title_zh")), _institutions(paper)
        tags = [("TY", "MANSCPT"), ("ID", keys[id(paper)]), ("TI", one_line(paper.get("title"))), ("TT", title_zh)]
        tags += [("AU", ris_name(a)) for a in paper.get("authors") or [] if one_line(a)]
        tags += [("PY", posted[:4]), ("DA", posted[:10].replace("-", "/") + ("/" if posted else "")),
                 ("AB", one_line(paper.get("abstract"))), ("M3", "Preprint")]
        tags += [("KW", k) for k in _keywords(paper)]
        tags += [("AD", institutions), ("UR", url),
                 ("M2", f"Citation Key: {keys[id(paper)]}"),
                 ("M2", f"Chinese title: {title_zh}" if title_zh else ""),
                 ("M2", f"Institutions: {institutions}" if institutions else ""),
                 ("M2", f"{DIGEST_POST}: {post}" if post else ""),
                 ("N1", one_line(paper.get("summary_zh"))), ("DP", "paperkg")]
        lines = [f"{tag}  - {value}" for tag, value in tags if value]
        records.append("\r\n".join(lines) + "\r\nER  - \r\n")
    return utf8("\r\n".join(records))

"""Library text shaped for the page: cut at a word with "…", and a query's words marked.

Both return text for Markdown built only from :func:`paperkg.ui.safe.md`-escaped pieces
of library text and the app's own ``**`` (bold), so the only markup is the marking.
"""
from __future__ import annotations

import re

from paperkg.search.tokenize import fold, stem, tokens
from paperkg.ui.safe import CONTROL, md

_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _flat(text: str | None) -> str:
    """One line, control characters dropped (as :func:`md` does), spaces collapsed."""
    return " ".join(CONTROL.sub("", text or "").split())


def cut(text: str | None, width: int) -> str:
    """``text`` on one line, at most ``width`` characters: cut at the last space before the
    limit (Chinese, which has none: at the limit) with "…" after it."""
    flat = _flat(text)
    if len(flat) <= width:
        return flat
    head = flat[:width - 1]
    space = head.rfind(" ")
    if space > width // 2 and not _HAN.search(head[space:]):
        head = head[:space]
    return head.rstrip(" ,;:-–—") + "…"


def _marked_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Where ``text`` holds the query's words: Latin words whose folded, stemmed form is a
    query term, and the query's Chinese terms (bigrams) wherever they occur; merged."""
    terms = set(tokens(query))
    spans = [m.span() for m in _LATIN_WORD.finditer(text) if stem(fold(m.group())) in terms]
    folded = fold(text)
    if len(folded) == len(text):  # positions line up (NFKC left the lengths alone)
        for term in (t for t in terms if _HAN.match(t)):
            start = folded.find(term)
            while start >= 0:
                spans.append((start, start + len(term)))
                start = folded.find(term, start + 1)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _escaped(piece: str) -> str:
    """:func:`md` of a piece of a line, keeping the space at either end (md strips it)."""
    return (" " if piece[:1] == " " else "") + md(piece) + (" " if piece[-1:] == " " and piece.strip() else "")


def highlighted(text: str | None, query: str) -> str:
    """``text`` as escaped Markdown with the query's words in bold."""
    flat = _flat(text)
    out, at = [], 0
    for start, end in _marked_spans(flat, query):
        out.append(_escaped(flat[at:start]))
        out.append(f"**{md(flat[start:end])}**")
        at = end
    out.append(_escaped(flat[at:]))
    return "".join(out)

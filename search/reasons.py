"""The reasons shown for a related paper (``why``), in words a reader recognises. Pure.

Shared terms come from the keyword index as folded, stemmed tokens and Chinese character bigrams
("zero", "辐射"); shown, they are grown back into the phrase both papers write ("zero-shot",
"神经辐射场"). The shape of each reason is listed in the README ("Related work").
"""
from __future__ import annotations

import re

from paperkg.search.ranking import Evidence
from paperkg.search.tokenize import HAN_RUN, STOPWORDS, fold, stem

#: At most this many terms per reason, and "close in meaning" from this centred cosine on.
WHY_TERMS = 4
MEANING_SHOWN = 0.3
#: Longest English phrase shown as one reason.
PHRASE_WORDS = 3
#: Characters that do not start or end a phrase shown as a reason (particles, prepositions).
_EDGE_CHARS = "的了和与及在是对为等于以其并而或从中上下之所将把被让使得地着"

_WORD = re.compile(r"[a-z0-9]+")


def _is_cjk(term: str) -> bool:
    return bool(HAN_RUN.fullmatch(term))


def shared_phrase(bigram: str, mine: str, theirs: str) -> str:
    """The longest run of Chinese text around ``bigram`` in ``mine`` that ``theirs`` also holds
    (神经 -> 神经辐射场), without function characters at its ends; ``""`` if nothing is left."""
    best = ""
    start = mine.find(bigram) if bigram in theirs else -1
    while start >= 0:
        i, j = start, start + len(bigram)
        while i > 0 and _is_cjk(mine[i - 1]) and mine[i - 1:j] in theirs:
            i -= 1
        while j < len(mine) and _is_cjk(mine[j]) and mine[i:j + 1] in theirs:
            j += 1
        if j - i > len(best):
            best = mine[i:j]
        start = mine.find(bigram, start + 1)
    best = max(re.split("[的了]", best), key=len).strip(_EDGE_CHARS)
    return best if len(best) >= 2 else ""


def shared_words(term: str, mine: str, theirs: str) -> str:
    """The longest run of up to ``PHRASE_WORDS`` words around a Latin ``term`` (a folded, stemmed
    token) in ``mine`` that ``theirs`` also holds (zero -> zero-shot), not starting or ending with
    a stop word; the word as written if it grows no further."""
    words = list(_WORD.finditer(mine))
    best = ""
    for at, word in enumerate(words):
        if stem(word.group()) != term:
            continue
        i = j = at
        while True:
            for a, b in ((i - 1, j), (i, j + 1)):
                if a < 0 or b >= len(words) or b - a + 1 > PHRASE_WORDS:
                    continue
                added = words[a] if a < i else words[b]
                gap = mine[words[a].end():words[a + 1].start()] if a < i else mine[words[j].end():words[b].start()]
                if added.group() not in STOPWORDS and gap in (" ", "-") and mine[words[a].start():words[b].end()] in theirs:
                    i, j = a, b
                    break
            else:
                break
        phrase = mine[words[i].start():words[j].end()]
        if len(phrase) > len(best):
            best = phrase
    return best or term


def readable_terms(terms: list[str], mine: str, theirs: str, limit: int = WHY_TERMS) -> list[str]:
    """Shared ``terms`` (best first) as a reader writes them: Latin words as they are, Chinese
    bigrams grown into the phrase both papers' Chinese text share (:func:`shared_phrase`);
    a phrase inside a longer one already shown is left out, and so is a lone letter or digit
    that grows into no phrase ("e" and "n" of "E(n)": evidence, but no reason a reader can use)."""
    mine, theirs = fold(mine), fold(theirs)
    out: list[str] = []
    for term in terms:
        shown = shared_phrase(term, mine, theirs) if _is_cjk(term) else shared_words(term, mine, theirs)
        if len(shown) == 1 and shown.isascii():
            continue
        if shown and not any(shown in other for other in out):
            out = [other for other in out if other not in shown] + [shown]
        if len(out) == limit:
            break
    return out


def _text(record: dict) -> str:
    return "\n".join(record.get(f) or "" for f in ("title", "title_zh", "abstract", "summary_zh"))


def why(ev: Evidence, terms: list[str], paper: dict, other: dict, nearest: dict | None) -> list[dict]:
    """The reasons shown for ``other`` as related to ``paper`` (README "Related work" gives the
    shape): ``terms`` are the shared terms worth showing, best first."""
    reasons: list[dict] = []
    terms = readable_terms(terms, _text(paper), _text(other))
    if terms:
        reasons.append({"kind": "terms", "terms": terms})
    if ev.shared_authors:
        reasons.append({"kind": "authors", "names": list(ev.shared_authors)})
    if ev.same_category:
        reasons.append({"kind": "category", "code": paper.get("category")})
    if ev.meaning >= MEANING_SHOWN:
        reasons.append({"kind": "meaning", "similarity": round(ev.meaning, 2)})
    if nearest is not None:
        reasons.append({"kind": "nearest", "id": nearest.get("id"), "title": nearest.get("title")})
    return reasons

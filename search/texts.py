"""What gets embedded and indexed for a paper, and the snippet shown for a hit. Pure.

Each paper gets one vector per language it has text in (slot ``en``: title and
abstract; slot ``zh``: Chinese title and summary); a paper's semantic score is
the best of its vectors (max-pooling). On the evaluation set (semantic mode,
MRR@10) this scored 0.944 against 0.930 for one vector over all four fields
and 0.925 with an extra titles-only vector (bench/bench_search_quality.py): a
single vector mixes two languages and is cut at 512 tokens, and a query in
one language matches text in the same language more sharply.
"""
from __future__ import annotations

import hashlib
import re

import orjson

from paperkg.search.tokenize import HAN_RUN, fold, tokens, word_bigrams

#: Vector slots; a vector id is ``row * SLOT_COUNT + slot``.
SLOTS = ("en", "zh")
SLOT_COUNT = 4  # room for more slots without renumbering stored ids

#: Paper fields the search side keeps (the CLI contract plus the texts for snippets).
STORED_FIELDS = ("id", "title", "title_zh", "category", "authors", "author_ids", "institutions", "institution_ids",
                 "institution_names", "institution_lineage", "posted_at", "abstract", "summary_zh")
RESULT_FIELDS = ("id", "title", "title_zh", "category", "authors", "author_ids", "institutions", "institution_ids",
                 "posted_at")
#: What filters read (see :class:`paperkg.graph.filters.PaperFilter`): the result fields, and the names
#: and ids of the organisations each institution is part of.
FILTER_FIELDS = (*RESULT_FIELDS, "institution_names", "institution_lineage")
_LISTS = frozenset({"authors", "author_ids", "institutions", "institution_ids", "institution_names",
                    "institution_lineage"})

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+(?=[A-Z0-9\"“(])")


def _join(title: str, body: str, stop: str) -> str:
    title, body = (title or "").strip(), (body or "").strip()
    if title and body:
        return title + ("" if title[-1] in ".。!?！？:：" else stop) + " " + body
    return title or body


def paper_texts(paper: dict) -> dict[str, str]:
    """The text embedded in each slot; a slot with no text is left out."""
    texts = {"en": _join(paper.get("title", ""), paper.get("abstract", ""), "."),
             "zh": _join(paper.get("title_zh", ""), paper.get("summary_zh", ""), "。")}
    return {slot: text for slot, text in texts.items() if text}


def keyword_text(paper: dict) -> str:
    """Everything the keyword index sees (titles count twice: they are the densest text)."""
    parts = [paper.get("title", ""), paper.get("title", ""), paper.get("title_zh", ""), paper.get("title_zh", ""),
             paper.get("abstract", ""), paper.get("summary_zh", "")]
    return "\n".join(p for p in parts if p)


def text_sha(text: str) -> bytes:
    """Cache key of one embedded text (with the model name, see :mod:`search.db`)."""
    return hashlib.sha1(text.encode("utf-8")).digest()


def stored_record(paper: dict) -> dict:
    return {name: paper.get(name) or ([] if name in _LISTS else "") for name in STORED_FIELDS}


def fingerprint(paper: dict) -> str:
    """Changes whenever anything search shows, filters on or indexes changes."""
    return hashlib.sha1(orjson.dumps(stored_record(paper), option=orjson.OPT_SORT_KEYS)).hexdigest()


def has_cjk(text: str) -> bool:
    return bool(HAN_RUN.search(text or ""))


def snippet(record: dict, query_terms: set[str], query_is_chinese: bool, width: int = 160) -> str:
    """The sentence of the abstract or summary sharing most terms with the query
    (ties: the first sentence in the query's language), cut to ``width`` characters."""
    zh, en = record.get("summary_zh") or "", record.get("abstract") or ""
    bodies = [zh, en] if query_is_chinese else [en, zh]
    # Sentences are tokenised only where a query term could be (10 results' abstracts and summaries
    # took ~3 ms of a 20 ms query): a Chinese token is a piece of its run, an English one its
    # word or the word less a plural ending, so a term's text (the stem less its last letter,
    # which "ies" -> "y" replaces) is in the folded sentence wherever the term is one of its tokens.
    han_terms = [t for t in query_terms if HAN_RUN.search(t)]
    clues = [*han_terms, *(t[:-1] or t for t in query_terms if not HAN_RUN.search(t))]

    def chinese(run: str) -> list[str]:
        """A run's tokens, or none where no Chinese query term is in it (it would add no hit;
        not segmenting it saves the costly part)."""
        return word_bigrams(run) if any(t in run for t in han_terms) else []

    best, best_hits = "", -1
    for body in bodies:
        for sentence in (part.strip() for part in _SENTENCE_END.split(body)):
            if not sentence:
                continue
            folded = fold(sentence)
            hits = len(query_terms & set(tokens(sentence, chinese))) if any(c in folded for c in clues) else 0
            if hits > best_hits:
                best, best_hits = sentence, hits
    if not best:
        best = record.get("title_zh") if query_is_chinese and record.get("title_zh") else record.get("title", "")
    return best if len(best) <= width else best[: width - 1] + "…"

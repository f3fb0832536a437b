"""Keyword tokens for Chinese and English text. Pure.

English (and any Latin-script run, also inside Chinese text): case- and
width-folded words, stop words dropped, plurals folded (``networks`` ->
``network``). Chinese runs: overlapping character bigrams, except a bigram
that straddles two words (each a word of two or more characters), plus each
character of runs of one. So 强化学习 gives 强化, 学习 and not the 化学 across
its two words, and 量子化学 ("quantum chemistry") no longer matches papers on
reinforcement learning; a run of unknown words (量子, 扩散) keeps every bigram.

Words come from :data:`WORDS_FILE`, the Chinese pieces of multilingual-e5's
SentencePiece vocabulary with their log-probabilities (:func:`word_table`
makes it from the model's ``tokenizer.json``), and a run is cut where the most
likely sequence of pieces cuts it (Viterbi, as SentencePiece does). The table
loads in milliseconds, so a query is still tokenised at once in a fresh process
(jieba's dictionary takes ~0.7 s to load, the e5 ``tokenizer.json`` ~0.3 s
to parse and seconds to build). On the evaluation set this kept keyword and
hybrid quality (bench/bench_search_quality.py; it passes its own segmenters as
``chinese`` for the comparison with plain bigrams and jieba's words).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path

#: A run of Chinese characters (CJK unified ideographs, extension A, compatibility ideographs).
HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_RUNS = re.compile(rf"({HAN_RUN.pattern})|([a-z0-9]+)")
STOPWORDS = frozenset("""
a an and are as at be by for from has have in into is it its of on or that the this to was were which with we our
their these those via using based can than then there they also not no but how what when where who why will would
""".split())


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def stem(word: str) -> str:
    """Light English stemming: plural and possessive forms only (safe for titles and terms)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def bigrams(run: str) -> list[str]:
    """Overlapping character bigrams of a run of Chinese characters (the run itself if one long)."""
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


WORDS_FILE = Path(__file__).with_name("zh_words.tsv")
#: Raise it whenever :func:`tokens` changes what it makes of a text (the word table is hashed apart).
TOKENIZER_VERSION = 1
#: The score of a character the vocabulary does not have (below its rarest piece, -20.4).
UNKNOWN_CHARACTER = -21.0


@cache
def _table() -> tuple[dict[str, float], dict[str, float], dict[str, tuple[int, ...]]]:
    """Single characters and words (two or more characters) with their scores, and for each
    character the lengths of the words ending with it."""
    chars: dict[str, float] = {}
    words: dict[str, float] = {}
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        piece, _, score = line.partition("\t")
        (chars if len(piece) == 1 else words)[piece] = float(score)
    endings: dict[str, set[int]] = {}
    for word in words:
        endings.setdefault(word[-1], set()).add(len(word))
    return chars, words, {c: tuple(sorted(lengths)) for c, lengths in endings.items()}


@cache
def fingerprint() -> str:
    """What made a keyword segment's tokens: :data:`TOKENIZER_VERSION` and :data:`WORDS_FILE`'s
    hash. The index records it, and segments of another tokenizer are rebuilt (a query tokenised
    one way would not find terms stored the other way)."""
    digest = hashlib.sha256(WORDS_FILE.read_bytes()).hexdigest()[:12]
    return f"{TOKENIZER_VERSION}-{digest}"


def segment(run: str) -> list[str]:
    """The most likely pieces of a run of Chinese characters (each a vocabulary word or one character)."""
    chars, words, endings = _table()
    best = [0.0] * (len(run) + 1)
    start = [0] * (len(run) + 1)
    for end in range(1, len(run) + 1):
        last = run[end - 1]
        best[end], start[end] = best[end - 1] + chars.get(last, UNKNOWN_CHARACTER), end - 1
        for length in endings.get(last, ()):
            begin = end - length
            if begin >= 0 and (score := words.get(run[begin:end])) is not None and best[begin] + score > best[end]:
                best[end], start[end] = best[begin] + score, begin
    pieces, end = [], len(run)
    while end:
        pieces.append(run[start[end]:end])
        end = start[end]
    return pieces[::-1]


def word_bigrams(run: str) -> list[str]:
    """The bigrams of a run (see :func:`bigrams`) but those across the cut between two words."""
    if len(run) < 3:
        return bigrams(run)
    cuts, at = set(), 0
    pieces = segment(run)
    for left, right in zip(pieces, pieces[1:]):
        at += len(left)
        if len(left) > 1 and len(right) > 1:
            cuts.add(at)
    return [run[i:i + 2] for i in range(len(run) - 1) if i + 1 not in cuts]


def word_table(vocabulary: list[tuple[str, float]]) -> str:
    """:data:`WORDS_FILE`'s text from a SentencePiece vocabulary (``tokenizer.json``'s
    ``model.vocab``): every piece of one to eight Chinese characters (a leading ``▁`` dropped,
    the better score kept), best first."""
    scores: dict[str, float] = {}
    for piece, score in vocabulary:
        text = piece.removeprefix("\u2581")
        if 0 < len(text) <= 8 and HAN_RUN.fullmatch(text):
            scores[text] = max(score, scores.get(text, score))
    return "".join(f"{p}\t{s:.2f}\n" for p, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))


def tokens(text: str, chinese: Callable[[str], list[str]] = word_bigrams) -> list[str]:
    """Keyword tokens of ``text`` in order (duplicates kept: they are term frequencies).
    ``chinese`` splits each run of Chinese characters."""
    out: list[str] = []
    for match in _RUNS.finditer(fold(text)):
        han, latin = match.groups()
        if han:
            out.extend(chinese(han))
        elif latin not in STOPWORDS:
            out.append(stem(latin))
    return out

"""Parse the text of a daily paper digest into a :class:`Digest`.

A digest has a legend line (``LG - 机器学习 CV - 计算机视觉 … (*表示值得重点关注)``),
numbered main entries::

    1、[LG] English title

    Y Dong, J Cordonnier
    [Google & EPFL]
    中文标题。中文摘要… English abstract… https://weibo.com/1402400261/K5tUA2l2c
    image.png

and, after ``另外几篇值得关注的论文:``, short entries (title, Chinese title line,
authors, institutions, URL). Entries are cut at header lines first (an entry
number without a category too), so a broken entry never swallows its
neighbour; an entry whose lines before its post URL include one that belongs to
something else (an institutions, attachment, legend or second author line) is
skipped rather than glued; each problem names its line. Every line is read in
time linear in its length (:mod:`paperkg.ingest.scan`), and fields are bounded
(:mod:`paperkg.ingest.limits`).
"""
from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata

from paperkg.ingest import scan
from paperkg.ingest.limits import MAX_NAME_CHARS, MAX_NAMES, MAX_TEXT_CHARS, MAX_TITLE_CHARS
from paperkg.ingest.model import Digest, Entry, Problem
from paperkg.ingest.weibo import post_time

# Full-width forms of the characters that carry structure; content keeps its own.
_FULL_WIDTH = {"［": "[", "］": "]", "【": "[", "】": "]", "：": ":", "＊": "*"}
_FULL_WIDTH_RE = re.compile("[" + "".join(_FULL_WIDTH) + "]")
_FULL_WIDTH_START = frozenset("［【＊")
# Each of these regexes is one run of one character class, or is anchored with disjoint
# neighbouring classes: none can backtrack, so each is linear in the line's length.
_URL = re.compile(r"https?://\S+")
_WEIBO = re.compile(r"^https?://(?:www\.|m\.)?weibo\.(?:com|cn)/(?:\d+|status)/(?P<id>[0-9A-Za-z]{1,16})/?$")
_AUTHOR_SEPARATOR = re.compile(r"[,，]")
_NON_SPACE = re.compile(r"\S*")
_SENTENCE_END = re.compile(r"[。？！?!]")
#: East Asian text: CJK punctuation and ideographs, kana, Hangul, full-width forms.
_CJK = re.compile(r"[\u1100-\u11ff\u3000-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                  r"\uf900-\ufaff\uff00-\uffef]")

#: A span of parsed lines: the entry, its title line and the line of its post URL (0-based).
_Span = tuple[Entry, int, int]


def _structural(line: str) -> str:
    """Full-width brackets, colon and star as ASCII (regex, not str.translate: much
    faster on the long paragraph lines)."""
    return _FULL_WIDTH_RE.sub(lambda m: _FULL_WIDTH[m.group(0)], line)


def parse_digest(text: str, file: str = "<digest>", name: str | None = None, sha256: str | None = None,
                 damaged: dict[int, str] | None = None) -> Digest:
    """Parse digest text. Never raises: problems are collected with line numbers.

    ``sha256`` identifies the content (callers holding the raw bytes pass their
    hash); by default it is the hash of ``text`` as UTF-8. ``damaged``: line
    number (1-based) -> what was wrong with its bytes (see
    :mod:`paperkg.ingest.decoding`); an entry holding such a line is skipped.
    """
    lines = _lines(text)
    problems: list[Problem] = []
    categories: dict[str, str] = {}
    headers = _find_headers(lines)
    spans: list[_Span] = []
    section = "main"
    ranks = {"main": 0, "other": 0}
    first_header = headers[0][0] if headers else len(lines)
    for idx in range(first_header):
        line = lines[idx].strip()
        if not line:
            continue
        legend = scan.legend(_structural(line))
        if legend:
            categories.update(legend)
        elif not scan.is_attachment(line):
            problems.append(Problem(file, idx + 1, f"text before the first entry ignored: {_clip(line)}"))
    for pos, (start, head) in enumerate(headers):
        end = headers[pos + 1][0] if pos + 1 < len(headers) else len(lines)
        if head.kind == "other-section":
            section = "other"
            _check_trailing(_content(lines, start + 1, end), file, problems)
            continue
        ranks[section] += 1
        if head.kind == "orphan":
            problems.append(Problem(file, start + 1, f"entry number '{head.number}、' has no category "
                                    f"(expected '{head.number}、[CODE] Title'): {_clip(lines[start])}; entry skipped"))
            continue
        parse = _parse_main if head.kind == "main" else _parse_short
        parsed = parse(lines, start, end, head, file, problems)
        if parsed is not None:
            parsed[0].section, parsed[0].rank = section, ranks[section]
            spans.append(parsed)
    spans = _drop_damaged(spans, damaged or {}, file, problems)
    spans = _drop_shared_posts(spans, file, problems)
    if not spans and not headers:
        problems = [Problem(file, 0, "no digest entries found (expected lines like '1、[LG] Title'); file rejected")]
    problems.sort(key=lambda p: p.line)
    sha = sha256 or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return Digest(name=name or file, file=file, categories=categories, entries=[s[0] for s in spans],
                  problems=problems, sha256=sha)


def _lines(text: str) -> list[str]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return [line.rstrip() for line in text.split("\n")]


def _find_headers(lines: list[str]) -> list[tuple[int, scan.Header]]:
    headers = []
    for idx, raw in enumerate(lines):
        line = raw.lstrip()
        if not line or (line[0] not in scan.HEADER_START and line[0] not in _FULL_WIDTH_START):
            continue
        if line[0] == "[" and line[-1] == "]":
            continue  # an institutions line (scan.header says so too, after converting the line)
        head = scan.header(_structural(line))
        if head is not None:
            headers.append((idx, head))
    return headers


def _content(lines: list[str], start: int, end: int) -> list[tuple[int, str]]:
    return [(i, text) for i in range(start, end) if (text := lines[i].strip())]


def _url_index(content: list[tuple[int, str]]) -> int | None:
    return next((k for k, (_, text) in enumerate(content) if _URL.search(text)), None)


def _parse_main(lines, start, end, head: scan.Header, file, problems) -> _Span | None:
    where = start + 1
    title = _title(head, where, file, problems)
    if title is None:
        return None
    content = _content(lines, start + 1, end)
    url_at = _url_index(content)
    if url_at is None:
        problems.append(Problem(file, where, f"entry '{_clip(title)}' has no post URL (https://weibo.com/…); entry skipped"))
        return None
    before = content[:url_at]
    if not before or _looks_like(before[0][1]) or _CJK.search(before[0][1]):
        problems.append(Problem(file, where, f"entry '{_clip(title)}' has no author line; entry skipped"))
        return None
    authors = _names(_AUTHOR_SEPARATOR.split(_structural(before[0][1])), "authors", title, before[0][0], file, problems)
    rest = before[1:]
    institutions: list[str] = []
    if rest and scan.is_bracketed(_structural(rest[0][1])):
        institutions = _institutions(rest[0], title, file, problems)
        rest = rest[1:]
    if authors is None or institutions is None or _foreign_line(rest, title, where, file, problems):
        return None
    url_line_no, url_line = content[url_at]
    url_match = _last_url(url_line)
    paragraph = " ".join([text for _, text in rest] + [url_line[: url_match.start()].strip()]).strip()
    zh, abstract = split_chinese_english(paragraph)
    title_zh, summary_zh = split_chinese_title(zh)
    para_line = (rest[0][0] if rest else url_line_no) + 1
    title_zh = _bounded(title_zh, MAX_TITLE_CHARS, "Chinese title", title, para_line, file, problems)
    summary_zh = _bounded(summary_zh, MAX_TEXT_CHARS, "Chinese summary", title, para_line, file, problems)
    abstract = _bounded(abstract, MAX_TEXT_CHARS, "abstract", title, para_line, file, problems)
    url, posted_at = _url_and_time(url_match.group(0), url_line_no + 1, file, problems)
    _check_trailing(content[url_at + 1:], file, problems)
    entry = Entry(section="main", rank=0, line=where, category=head.code, title=title, authors=authors,
                  institutions=institutions, title_zh=title_zh, summary_zh=summary_zh, abstract=abstract,
                  url=url, posted_at=posted_at, starred=head.starred)
    return entry, start, url_line_no


def _parse_short(lines, start, end, head: scan.Header, file, problems) -> _Span | None:
    where = start + 1
    title = _title(head, where, file, problems)
    if title is None:
        return None
    content = _content(lines, start + 1, end)
    url_at = _url_index(content)
    if url_at is None:
        problems.append(Problem(file, where, f"entry '{_clip(title)}' has no post URL (https://weibo.com/…); entry skipped"))
        return None
    title_zh, authors, institutions = "", None, None
    for line_no, text in content[:url_at]:
        structural = _structural(text)
        if scan.is_bracketed(structural) and institutions is None:
            institutions = _institutions((line_no, text), title, file, problems)
            if institutions is None:
                return None
        elif _CJK.search(text) and not title_zh and authors is None and not _looks_like(text):
            title_zh = _bounded(_clean(text), MAX_TITLE_CHARS, "Chinese title", title, line_no + 1, file, problems)
        elif authors is None and institutions is None and not _looks_like(text):
            authors = _names(_AUTHOR_SEPARATOR.split(structural), "authors", title, line_no, file, problems)
            if authors is None:
                return None
        else:
            problems.append(Problem(file, line_no + 1, f"line {_clip(text)!r} does not belong in entry '{_clip(title)}' "
                                    f"(line {where}): a line of it is missing or another entry lost its header; entry skipped"))
            return None
    if not authors:
        problems.append(Problem(file, where, f"entry '{_clip(title)}' has no author line; entry skipped"))
        return None
    url_line_no, url_line = content[url_at]
    url, posted_at = _url_and_time(_last_url(url_line).group(0), url_line_no + 1, file, problems)
    _check_trailing(content[url_at + 1:], file, problems)
    entry = Entry(section="other", rank=0, line=where, category=head.code, title=title, authors=authors,
                  institutions=institutions or [], title_zh=title_zh, url=url, posted_at=posted_at, starred=head.starred)
    return entry, start, url_line_no


def _title(head: scan.Header, where: int, file: str, problems: list[Problem]) -> str | None:
    title = _clean(head.title)
    if not title:
        problems.append(Problem(file, where, "entry has no English title after the category; entry skipped"))
        return None
    if len(title) > MAX_TITLE_CHARS:
        problems.append(Problem(file, where, f"entry title is {len(title):,} characters long, over the limit of "
                                f"{MAX_TITLE_CHARS:,}: {_clip(title)}; entry skipped"))
        return None
    return title


def _looks_like(text: str) -> str | None:
    """What a line that cannot be part of a paragraph or an author list looks like, if it is one."""
    structural = _structural(text)
    if scan.is_bracketed(structural):
        return "an institutions line"
    if scan.is_attachment(text):
        return "an attachment line"
    if scan.legend(structural):
        return "a legend line"
    return None


def _looks_like_authors(text: str) -> bool:
    """A list of at least two capitalised names of a few words each, and no Chinese."""
    if len(text) > 400 or _CJK.search(text):
        return False
    names = [n.strip() for n in _AUTHOR_SEPARATOR.split(text)]
    return len(names) >= 2 and all(n and n[0].isupper() and len(n) <= 40 and len(n.split()) <= 4 for n in names)


def _foreign_line(rest: list[tuple[int, str]], title: str, where: int, file: str, problems: list[Problem]) -> bool:
    """Whether a line between the author (or institutions) line and the post URL belongs to
    something else; if so the entry is reported and skipped, never glued to it."""
    for line_no, text in rest:
        what = _looks_like(text) or ("an author line" if _looks_like_authors(text) else None)
        if what:
            problems.append(Problem(file, where, f"entry '{_clip(title)}' is broken: line {line_no + 1} ({_clip(text)}) "
                                    f"looks like {what}, not like its paragraph (the paragraph is missing, or the next "
                                    "entry lost its header); entry skipped"))
            return True
    return False


def _names(parts: list[str], what: str, title: str, line_no: int, file: str, problems: list[Problem]) -> list[str] | None:
    names = [name for name in map(_clean, parts) if name]
    if any(len(name) > MAX_NAME_CHARS for name in names):
        problems.append(Problem(file, line_no + 1, f"the {what} line of entry '{_clip(title)}' holds a name over "
                                f"{MAX_NAME_CHARS} characters, so it is no list of names; entry skipped"))
        return None
    if len(names) > MAX_NAMES:
        problems.append(Problem(file, line_no + 1, f"entry '{_clip(title)}' lists {len(names):,} {what}; "
                                f"only the first {MAX_NAMES} are kept"))
        names = names[:MAX_NAMES]
    return names


def _institutions(item: tuple[int, str], title: str, file: str, problems: list[Problem]) -> list[str] | None:
    line_no, text = item
    return _names(_structural(text)[1:-1].split("&"), "institutions", title, line_no, file, problems)


def _bounded(text: str, limit: int, what: str, title: str, line: int, file: str, problems: list[Problem]) -> str:
    if len(text) <= limit:
        return text
    problems.append(Problem(file, line, f"the {what} of entry '{_clip(title)}' is {len(text):,} characters long; "
                            f"truncated to the limit of {limit:,}"))
    return text[: limit - 1].rstrip() + "…"


def _drop_damaged(spans: list[_Span], damaged: dict[int, str], file: str, problems: list[Problem]) -> list[_Span]:
    """Skip the entries holding a line whose bytes could not be decoded; that line's problem
    replaces any other problem reported for it."""
    if not damaged:
        return spans
    problems[:] = [p for p in problems if p.line not in damaged]
    starts = [first for _, first, _ in spans]  # in file order, so sorted
    hit: dict[int, int] = {}  # damaged line -> index of the entry holding it
    for line in damaged:
        k = bisect.bisect_left(starts, line) - 1  # the last entry starting before the line
        if k >= 0 and line <= spans[k][2] + 1:
            hit[line] = k
    for line, reason in sorted(damaged.items()):
        if line in hit:
            problems.append(Problem(file, line, f"{reason} in entry '{_clip(spans[hit[line]][0].title)}'; entry skipped"))
        else:
            problems.append(Problem(file, line, f"{reason}; line ignored"))
    dropped = set(hit.values())
    return [span for k, span in enumerate(spans) if k not in dropped]


def _drop_shared_posts(spans: list[_Span], file: str, problems: list[Problem]) -> list[_Span]:
    """Two entries of one digest with one post: a repeat of the same entry keeps the first;
    two different entries mean one took the other's URL, and neither can be trusted."""
    first: dict[str, int] = {}
    dropped: set[int] = set()
    for k, (entry, _, _) in enumerate(spans):
        post = _post_key(entry.url)
        if post not in first:
            first[post] = k
            continue
        other = spans[first[post]][0]
        if other.title == entry.title:
            problems.append(Problem(file, entry.line, f"entry '{_clip(entry.title)}' repeats the entry at line "
                                    f"{other.line} (same post {entry.url}); repeat skipped"))
            dropped.add(k)
        else:
            problems.append(Problem(file, entry.line, f"entries at lines {other.line} ('{_clip(other.title, 30)}') and "
                                    f"{entry.line} ('{_clip(entry.title, 30)}') have the same post {entry.url}; one of "
                                    "them is broken; both skipped"))
            dropped.update((k, first[post]))
    return [span for k, span in enumerate(spans) if k not in dropped]


def _post_key(url: str) -> str:
    m = _WEIBO.match(url)
    return "weibo:" + m.group("id") if m else url


def split_chinese_english(paragraph: str) -> tuple[str, str]:
    """Split ``中文标题。中文摘要… English abstract`` where the Chinese text ends.

    The Chinese part runs to the last CJK character and on to the next space,
    so a summary ending in a Latin word (``…称为SEER``) keeps it.
    """
    from_end = _CJK.search(paragraph[::-1])
    if from_end is None:
        return "", paragraph.strip()
    end = len(paragraph) - from_end.start()
    space = _NON_SPACE.match(paragraph, end).end()
    return paragraph[:space].strip(), paragraph[space:].strip()


def split_chinese_title(zh: str) -> tuple[str, str]:
    """The Chinese title runs to the first sentence end; ``。`` is dropped, ``?``/``!`` kept."""
    m = _SENTENCE_END.search(zh)
    if not m:
        return zh.strip(), ""
    title = zh[: m.start()] if m.group(0) == "。" else zh[: m.end()]
    return title.strip(), zh[m.end():].strip()


def _clean(text: str) -> str:
    """Collapse whitespace (the text is already NFC, see :func:`_lines`)."""
    return " ".join(text.split())


def _last_url(line: str) -> re.Match:
    last = None
    for last in _URL.finditer(line):
        pass
    return last


def _url_and_time(url: str, line_no: int, file: str, problems: list[Problem]) -> tuple[str, str | None]:
    url = url.rstrip(".,;)")
    m = _WEIBO.match(url)
    if not m:
        return url, None
    try:
        return url, post_time(m.group("id"))
    except ValueError as exc:
        problems.append(Problem(file, line_no, f"cannot read the post time from {_clip(url, 80)}: {exc}"))
        return url, None


def _check_trailing(content: list[tuple[int, str]], file: str, problems: list[Problem]) -> None:
    for line_no, text in content:
        if not scan.is_attachment(text) and not scan.legend(_structural(text)):
            problems.append(Problem(file, line_no + 1, f"unexpected text after the post URL ignored: {_clip(text)}"))


def _clip(text: str, width: int = 50) -> str:
    text = text.strip()
    return text if len(text) <= width else text[: width - 1] + "…"

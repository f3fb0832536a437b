"""Parse the text of a daily paper digest into a :class:`Digest`.

A digest has a legend line (``LG - 机器学习 CV - 计算机视觉 … (*表示值得重点关注)``),
numbered main entries::

    1、[LG] English title

    Y Dong, J Cordonnier
    [Google & EPFL]
    中文标题。中文摘要… English abstract… https://weibo.com/1402400261/K5tUA2l2c
    image.png

and, after ``另外几篇值得关注的论文:``, short entries (title, Chinese title line,
authors, institutions, URL). Entries are cut at header lines first, so a broken
entry never swallows its neighbour; each problem names its line.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from paperkg.ingest.model import Digest, Entry, Problem
from paperkg.ingest.weibo import post_time

# Full-width forms of the characters that carry structure; content keeps its own.
_FULL_WIDTH = {"［": "[", "］": "]", "【": "[", "】": "]", "：": ":", "＊": "*"}
_FULL_WIDTH_RE = re.compile("[" + "".join(_FULL_WIDTH) + "]")


def _structural(line: str) -> str:
    """Full-width brackets, colon and star as ASCII (regex, not str.translate: much
    faster on the long paragraph lines)."""
    return _FULL_WIDTH_RE.sub(lambda m: _FULL_WIDTH[m.group(0)], line)
_CODE = r"\[\s*(?P<code>[A-Za-z]{1,8})\s*\]"
_MAIN_TITLE = re.compile(r"^(?P<s1>\*?)\s*(?P<num>\d{1,5})\s*[、.．]\s*(?P<s2>\*?)\s*" + _CODE + r"\s*(?P<s3>\*?)\s*(?P<title>.*)$")
_SHORT_TITLE = re.compile(r"^(?P<s1>\*?)\s*" + _CODE + r"\s*(?P<s3>\*?)\s*(?P<title>\S.*)$")
_OTHER_SECTION = re.compile(r"^\s*另外(?:几|数)?篇值得关注的论文\s*:?\s*$")
_LEGEND_PAIR = re.compile(r"(?<![A-Za-z])([A-Z]{1,8})\s*[-–—]\s*([^\s()（）*]+)")
_LEGEND_NOTE = re.compile(r"[(（]\s*\*[^)）]*[)）]")
_URL = re.compile(r"https?://\S+")
_WEIBO = re.compile(r"^https?://(?:www\.|m\.)?weibo\.(?:com|cn)/(?:\d+|status)/(?P<id>[0-9A-Za-z]+)/?$")
_ATTACHMENT = re.compile(r"^(?:[\w\-.()]*?\.(?:png|jpe?g|gif|webp|bmp|svg))+$", re.IGNORECASE)
_BRACKETED = re.compile(r"^\[(?P<inner>.*)\]$")
_AUTHOR_SEPARATOR = re.compile(r"[,，]")
#: First characters a header line (entry title or section marker) can start with.
_HEADER_START = frozenset("0123456789[［【*＊另")
_SENTENCE_END = re.compile(r"[。？！?!]")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def parse_digest(text: str, file: str = "<digest>", name: str | None = None, sha256: str | None = None) -> Digest:
    """Parse digest text. Never raises: problems are collected with line numbers.

    ``sha256`` identifies the content (callers holding the raw bytes pass their
    hash); by default it is the hash of ``text`` as UTF-8.
    """
    lines = _lines(text)
    problems: list[Problem] = []
    categories: dict[str, str] = {}
    headers = _find_headers(lines)
    entries: list[Entry] = []
    section = "main"
    ranks = {"main": 0, "other": 0}
    first_header = headers[0][0] if headers else len(lines)
    for idx in range(first_header):
        line = lines[idx]
        if not line.strip():
            continue
        legend = _parse_legend(line)
        if legend:
            categories.update(legend)
        elif not _ATTACHMENT.match(line.strip()):
            problems.append(Problem(file, idx + 1, f"text before the first entry ignored: {_clip(line)}"))
    for pos, (start, kind, match) in enumerate(headers):
        end = headers[pos + 1][0] if pos + 1 < len(headers) else len(lines)
        if kind == "other-section":
            section = "other"
            _check_trailing(lines, start + 1, end, file, problems)
            continue
        ranks[section] += 1
        parse = _parse_main if kind == "main" else _parse_short
        entry = parse(lines, start, end, match, file, problems)
        if entry is not None:
            entry.section, entry.rank = section, ranks[section]
            entries.append(entry)
    if not entries and not headers:
        problems = [Problem(file, 0, "no digest entries found (expected lines like '1、[LG] Title'); file rejected")]
    sha = sha256 or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return Digest(name=name or file, file=file, categories=categories, entries=entries, problems=problems, sha256=sha)


def _lines(text: str) -> list[str]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return [line.rstrip() for line in text.split("\n")]


def _find_headers(lines: list[str]) -> list[tuple[int, str, re.Match | None]]:
    headers = []
    for idx, raw in enumerate(lines):
        line = raw.lstrip()
        if not line or line[0] not in _HEADER_START:
            continue
        line = _structural(line)
        if _OTHER_SECTION.match(line):
            headers.append((idx, "other-section", None))
        elif m := _MAIN_TITLE.match(line):
            headers.append((idx, "main", m))
        elif (m := _SHORT_TITLE.match(line)) and not _BRACKETED.match(line):
            headers.append((idx, "short", m))
    return headers


def _parse_legend(line: str) -> dict[str, str]:
    """A legend line is only ``CODE - 名称`` pairs and the ``(*…)`` note."""
    stripped = _LEGEND_NOTE.sub("", _structural(line))
    pairs = _LEGEND_PAIR.findall(stripped)
    if not pairs or _LEGEND_PAIR.sub("", stripped).strip():
        return {}
    return {code: name for code, name in pairs}


def _title_parts(match: re.Match) -> tuple[str, str, bool]:
    title = match.group("title").strip()
    groups = match.groupdict()
    starred = bool(groups.get("s1") or groups.get("s2") or groups.get("s3"))
    if title.endswith("*"):
        title, starred = title.rstrip("*").rstrip(), True
    return match.group("code").upper(), _clean(title), starred


def _content(lines: list[str], start: int, end: int) -> list[tuple[int, str]]:
    return [(i, lines[i].strip()) for i in range(start, end) if lines[i].strip()]


def _parse_main(lines, start, end, match, file, problems) -> Entry | None:
    code, title, starred = _title_parts(match)
    where = start + 1
    if not title:
        problems.append(Problem(file, where, "entry has no English title after the category; entry skipped"))
        return None
    content = _content(lines, start + 1, end)
    url_at = next((k for k, (_, text) in enumerate(content) if _URL.search(text)), None)
    if url_at is None:
        problems.append(Problem(file, where, f"entry '{_clip(title)}' has no post URL (https://weibo.com/…); entry skipped"))
        return None
    before = content[:url_at]
    if not before or _BRACKETED.match(_structural(before[0][1])) or _CJK.search(before[0][1]):
        problems.append(Problem(file, where, f"entry '{_clip(title)}' has no author line; entry skipped"))
        return None
    authors = _split_authors(before[0][1])
    rest = before[1:]
    institutions: list[str] = []
    if rest and (m := _BRACKETED.match(_structural(rest[0][1]))):
        institutions = _split_institutions(m.group("inner"))
        rest = rest[1:]
    url_line_no, url_line = content[url_at]
    url_match = _last_url(url_line)
    paragraph = " ".join([text for _, text in rest] + [url_line[: url_match.start()].strip()]).strip()
    zh, abstract = split_chinese_english(paragraph)
    title_zh, summary_zh = split_chinese_title(zh)
    url, posted_at = _url_and_time(url_match.group(0), url_line_no + 1, file, problems)
    _check_trailing_after(content[url_at + 1:], file, problems)
    return Entry(section="main", rank=0, line=where, category=code, title=title, authors=authors,
                 institutions=institutions, title_zh=title_zh, summary_zh=summary_zh, abstract=abstract,
                 url=url, posted_at=posted_at, starred=starred)


def _parse_short(lines, start, end, match, file, problems) -> Entry | None:
    code, title, starred = _title_parts(match)
    where = start + 1
    content = _content(lines, start + 1, end)
    url_at = next((k for k, (_, text) in enumerate(content) if _URL.search(text)), None)
    if url_at is None:
        problems.append(Problem(file, where, f"entry '{_clip(title)}' has no post URL (https://weibo.com/…); entry skipped"))
        return None
    title_zh, authors, institutions = "", None, []
    for line_no, text in content[:url_at]:
        structural = _structural(text)
        if m := _BRACKETED.match(structural):
            institutions = _split_institutions(m.group("inner"))
        elif _CJK.search(text) and not title_zh and authors is None:
            title_zh = _clean(text)
        elif authors is None:
            authors = _split_authors(text)
        else:
            problems.append(Problem(file, line_no + 1, f"unexpected line in entry '{_clip(title)}' ignored: {_clip(text)}"))
    if not authors:
        problems.append(Problem(file, where, f"entry '{_clip(title)}' has no author line; entry skipped"))
        return None
    url_line_no, url_line = content[url_at]
    url_match = _last_url(url_line)
    url, posted_at = _url_and_time(url_match.group(0), url_line_no + 1, file, problems)
    _check_trailing_after(content[url_at + 1:], file, problems)
    return Entry(section="other", rank=0, line=where, category=code, title=title, authors=authors,
                 institutions=institutions, title_zh=title_zh, url=url, posted_at=posted_at, starred=starred)


def split_chinese_english(paragraph: str) -> tuple[str, str]:
    """Split ``中文标题。中文摘要… English abstract`` where the Chinese text ends.

    The Chinese part runs to the last CJK character and on to the next space,
    so a summary ending in a Latin word (``…称为SEER``) keeps it.
    """
    from_end = _CJK.search(paragraph[::-1])
    if from_end is None:
        return "", paragraph.strip()
    end = len(paragraph) - from_end.start()
    while end < len(paragraph) and not paragraph[end].isspace():
        end += 1
    return paragraph[:end].strip(), paragraph[end:].strip()


def split_chinese_title(zh: str) -> tuple[str, str]:
    """The Chinese title runs to the first sentence end; ``。`` is dropped, ``?``/``!`` kept."""
    m = _SENTENCE_END.search(zh)
    if not m:
        return zh.strip(), ""
    title = zh[: m.start()] if m.group(0) == "。" else zh[: m.end()]
    return title.strip(), zh[m.end():].strip()


def _split_authors(line: str) -> list[str]:
    return [name for name in map(_clean, _AUTHOR_SEPARATOR.split(_structural(line))) if name]


def _split_institutions(inner: str) -> list[str]:
    return [name for name in map(_clean, inner.split("&")) if name]


def _clean(text: str) -> str:
    """Collapse whitespace (the text is already NFC, see :func:`_lines`)."""
    return " ".join(text.split())


def _last_url(line: str) -> re.Match:
    return list(_URL.finditer(line))[-1]


def _url_and_time(url: str, line_no: int, file: str, problems: list[Problem]) -> tuple[str, str | None]:
    url = url.rstrip(".,;)")
    m = _WEIBO.match(url)
    if not m:
        return url, None
    try:
        return url, post_time(m.group("id"))
    except ValueError as exc:
        problems.append(Problem(file, line_no, f"cannot read the post time from {url}: {exc}"))
        return url, None


def _check_trailing_after(content: list[tuple[int, str]], file: str, problems: list[Problem]) -> None:
    for line_no, text in content:
        if not _ATTACHMENT.match(text) and not _parse_legend(text):
            problems.append(Problem(file, line_no + 1, f"unexpected text after the post URL ignored: {_clip(text)}"))


def _check_trailing(lines: list[str], start: int, end: int, file: str, problems: list[Problem]) -> None:
    _check_trailing_after(_content(lines, start, end), file, problems)


def _clip(text: str, width: int = 50) -> str:
    text = text.strip()
    return text if len(text) <= width else text[: width - 1] + "…"

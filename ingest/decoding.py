"""Bytes of a digest file to text: which encoding, and which lines are damaged.

Lines are decoded one by one, so one bad byte costs one line, not the file. A line is
UTF-8 when it decodes as UTF-8. The lines that do not are tried with the legacy CJK
encodings (GB18030, Big5, Shift-JIS, EUC-KR), which are told apart by decoding with each
and scoring the result: text in the right encoding uses the common characters of that
encoding, while a wrong decoding of the same bytes (Big5 or Shift-JIS read as GB18030,
UTF-8 read as anything) lands in the rare ones. Korean and Chinese EUC bytes overlap in
their common rows, so there the run length decides: Chinese prose runs on without spaces,
Korean separates words. What is left (a flipped byte, a character cut at the end, a NUL)
is a damaged line, named ``FILE:LINE: invalid UTF-8 …`` so the parser skips what it held.
A file is rejected, in one line, only when most of its lines are no text.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

#: Legacy encodings tried, in order of preference on a tie.
LEGACY = ("gb18030", "big5", "shift_jis", "euc_kr")
NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030", "big5": "Big5", "shift_jis": "Shift-JIS", "euc_kr": "EUC-KR"}
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
#: Line ends as the parser counts them (so a damaged line's number is the parser's).
_NEWLINE = re.compile(rb"\r\n|\r|\n")
#: A decoding is plausible when this share of its non-ASCII characters is common in that encoding.
_COMMON_SHARE = 0.85
#: A file is text when at least this share of its non-blank lines is.
_TEXT_LINES = 0.5
#: Fewer non-ASCII characters than this are too little evidence for a legacy encoding (a
#: flipped byte can make a pair that happens to decode).
_EVIDENCE = 8


@dataclass
class Decoded:
    """The text (``None``: rejected, see ``reason``), the encoding of its non-UTF-8 lines (or
    ``utf-8``), and the damaged lines: line number (1-based) -> what was wrong with its bytes."""

    text: str | None
    encoding: str = "utf-8"
    damaged: dict[int, str] = field(default_factory=dict)
    reason: str = ""


def decode(data: bytes) -> Decoded:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            return Decoded(None, "utf-16", reason="not a text file (a UTF-16 mark, but no valid UTF-16 text)")
    try:
        text = data.decode("utf-8-sig")
        if "\x00" not in text:
            return Decoded(text)
    except UnicodeDecodeError:
        pass
    raw = _NEWLINE.split(data.removeprefix(codecs.BOM_UTF8))
    lines: list[str | None] = [_utf8(line) for line in raw]
    failing = [k for k, line in enumerate(lines) if line is None and b"\x00" not in raw[k]]
    encoding = _best_legacy([raw[k] for k in failing]) if failing else None
    if encoding is not None:
        for k in failing:
            try:
                lines[k] = raw[k].decode(encoding)
            except UnicodeDecodeError:
                continue
    damaged = {k + 1: _damage(raw[k], encoding) for k, line in enumerate(lines) if line is None}
    written = [k for k, line in enumerate(raw) if line.strip()]
    if len([k for k in written if k + 1 not in damaged]) < _TEXT_LINES * len(written):
        return Decoded(None, reason=f"not a text file ({len(damaged):,} of its {len(written):,} lines are neither "
                                    "UTF-8 nor GB18030, Big5, Shift-JIS or EUC-KR text); save it as UTF-8")
    text = "\n".join(line if line is not None else raw[k].decode("utf-8", "replace").replace("\x00", "\ufffd")
                     for k, line in enumerate(lines))
    return Decoded(text, encoding or "utf-8", damaged)


def _utf8(line: bytes) -> str | None:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _damage(raw: bytes, legacy: str | None) -> str:
    """What is wrong with a line that decodes in no encoding of the file."""
    if b"\x00" in raw:
        return f"NUL byte in the text (at byte {raw.index(0) + 1})"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        spots = raw.decode("utf-8", "replace").count("\ufffd")
        if exc.end >= len(raw) and exc.reason == "unexpected end of data":
            what = "a character cut short at the end of the line"
        else:
            what = f"byte 0x{raw[exc.start]:02X} at byte {exc.start + 1}"
        also = f" nor {NAMES[legacy]}" if legacy else ""
        return f"invalid UTF-8{also} ({what}{f', {spots} bad spots' if spots > 1 else ''})"
    return "invalid text"


def _best_legacy(lines: list[bytes]) -> str | None:
    """The legacy encoding that decodes the most of ``lines`` into text made of its common
    characters (``None``: none does)."""
    scored = []
    for encoding in LEGACY:
        decoded = []
        for line in lines:
            try:
                decoded.append(line.decode(encoding))
            except UnicodeDecodeError:
                continue
        text = "\n".join(decoded)
        share = _common_share(text, encoding)
        if sum(map(len, _NON_ASCII_RUN.findall(text))) >= _EVIDENCE and share >= _COMMON_SHARE:
            scored.append((len(decoded), share, encoding, text))
    if not scored:
        return None
    scored.sort(key=lambda s: (-s[0], -s[1]))
    best = [s for s in scored if s[0] == scored[0][0]]
    by_name = {encoding: text for _, _, encoding, text in best}
    if "gb18030" in by_name and "euc_kr" in by_name:
        return "gb18030" if _mean_run(by_name["gb18030"]) >= 6 else "euc_kr"
    return best[0][2]


def _mean_run(text: str) -> float:
    runs = _NON_ASCII_RUN.findall(text)
    return sum(map(len, runs)) / len(runs) if runs else 0.0


def _common_share(text: str, encoding: str) -> float:
    """The share of the non-ASCII characters of ``text`` that are in the common rows of ``encoding``."""
    counts: dict[str, int] = {}
    for run in _NON_ASCII_RUN.findall(text):
        for ch in run:
            counts[ch] = counts.get(ch, 0) + 1
    total = sum(counts.values())
    if not total:
        return 0.0
    common = sum(n for ch, n in counts.items() if _is_common(ch.encode(encoding), encoding))
    return common / total


def _is_common(code: bytes, encoding: str) -> bool:
    """Whether a character's two bytes lie in the rows where ordinary text of that encoding
    lives: punctuation and the frequent characters (see :data:`_COMMON_ROWS`)."""
    if len(code) != 2:
        return False
    lead, trail = code
    return any(lo <= lead <= hi and any(a <= trail <= b for a, b in trails) for lo, hi, trails in _COMMON_ROWS[encoding])


_GB_TRAIL = ((0xA1, 0xFE),)
_BIG5_TRAIL = ((0x40, 0x7E), (0xA1, 0xFE))
_SJIS_TRAIL = ((0x40, 0x7E), (0x80, 0xFC))
#: (first lead byte, last lead byte, trail byte ranges) of the common rows: GB2312's symbol rows
#: and level 1; Big5's symbols and level 1; Shift-JIS punctuation, kana and JIS level 1;
#: EUC-KR's symbols, jamo and Hangul syllables.
_COMMON_ROWS = {
    "gb18030": ((0xA1, 0xA9, _GB_TRAIL), (0xB0, 0xD7, _GB_TRAIL)),
    "big5": ((0xA1, 0xC6, _BIG5_TRAIL),),
    "shift_jis": ((0x81, 0x83, _SJIS_TRAIL), (0x88, 0x98, _SJIS_TRAIL)),
    "euc_kr": ((0xA1, 0xA4, _GB_TRAIL), (0xB0, 0xC8, _GB_TRAIL)),
}

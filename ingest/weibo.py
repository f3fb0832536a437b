"""Weibo post ids: base62 text for the post's numeric mid, which encodes its time."""
from __future__ import annotations

import time

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
#: Weibo mids carry a timestamp in their high bits, offset from this epoch (seconds).
MID_EPOCH_OFFSET = 515483463


def _base62(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 62 + _INDEX[ch]
    return value


def decode_mid(post_id: str) -> int:
    """Decode a post id such as ``K5tUA2l2c`` to its mid.

    The id is read in 4-character groups from the right; each group is a base62
    number written as 7 decimal digits (the leftmost group unpadded).
    Raises ``ValueError`` for characters outside base62.
    """
    if not post_id or any(c not in _INDEX for c in post_id):
        raise ValueError(f"not a base62 Weibo post id: {post_id!r}")
    groups = []
    while post_id:
        groups.insert(0, post_id[-4:])
        post_id = post_id[:-4]
    digits = str(_base62(groups[0])) + "".join(str(_base62(g)).zfill(7) for g in groups[1:])
    return int(digits)


def post_time(post_id: str) -> str:
    """The post's time as ISO 8601 UTC (``2021-03-09T21:09:21Z``)."""
    seconds = (decode_mid(post_id) >> 22) + MID_EPOCH_OFFSET
    if not 0 <= seconds < 253402300800:  # up to year 9999
        raise ValueError(f"post id {post_id!r} encodes no valid time")
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def encode_mid(mid: int) -> str:
    """Inverse of :func:`decode_mid`: the post id for a mid."""
    if mid < 0:
        raise ValueError("a mid is not negative")
    digits = str(mid)
    groups = []
    while digits:
        groups.insert(0, digits[-7:])
        digits = digits[:-7]
    out = []
    for pos, group in enumerate(groups):
        value, chars = int(group), ""
        while value:
            value, rem = divmod(value, 62)
            chars = ALPHABET[rem] + chars
        out.append(chars.rjust(4, "0") if pos else (chars or "0"))
    return "".join(out)


def post_id_for_time(unix_seconds: int, sequence: int = 0) -> str:
    """A post id whose time is ``unix_seconds`` (``sequence`` < 2**22 keeps ids distinct)."""
    return encode_mid(((unix_seconds - MID_EPOCH_OFFSET) << 22) + sequence)

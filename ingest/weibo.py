"""Weibo post ids: base62 text for the post's numeric mid, which encodes its time."""
from __future__ import annotations

from datetime import datetime, timezone

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
    try:
        moment = datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"post id {post_id!r} encodes no valid time") from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

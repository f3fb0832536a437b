"""Library text is untrusted: how it reaches the page as plain text.

Titles, names and summaries come from digests anyone can write. Where
Streamlit parses Markdown (st.markdown, captions, link labels), every ASCII
punctuation mark is backslash-escaped — CommonMark renders an escaped mark
literally, so ``<script>``, ``[x](javascript:…)``, ``**``, ``$…$`` (LaTeX) and
``:red[…]`` (Streamlit directives) all show as typed. Long text goes through
``st.text``, which parses nothing. Only http(s) URLs become links.
"""
from __future__ import annotations

import re
import string
from urllib.parse import urlsplit

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def md(text: object) -> str:
    """``text`` as Markdown that renders exactly as ``text`` (on one line, control characters dropped)."""
    flat = _SPACE.sub(" ", _CONTROL.sub("", str(text or ""))).strip()
    return _PUNCTUATION.sub(r"\\\1", flat)


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL without spaces or Markdown breakers, else ``None``."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if any(c in url for c in " \t\n<>()[]\"'`\\"):
        return None
    return url.strip()


def md_link(label: str, url: str | None) -> str:
    """A Markdown link to an http(s) ``url`` with an escaped label, or just the escaped label."""
    target = safe_url(url)
    return f"[{md(label)}]({target})" if target else md(label)


def short(text: str | None, width: int) -> str:
    text = _SPACE.sub(" ", text or "").strip()
    return text if len(text) <= width else text[: width - 1] + "…"

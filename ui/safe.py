"""Library text is untrusted: how it reaches the page as plain text.

Titles, names and summaries come from digests anyone can write. Where
Streamlit parses Markdown (st.markdown, captions, link labels), every ASCII
punctuation mark is backslash-escaped — CommonMark renders an escaped mark
literally, so ``<script>``, ``[x](javascript:…)``, ``**``, ``$…$`` (LaTeX) and
``:red[…]`` (Streamlit directives) all show as typed. Escaping is not enough
for Streamlit's GFM autolinks, which are found in the text after escapes are
resolved (``https://…``, ``www.…``, ``name@host.org``): a WORD JOINER (U+2060,
invisible) goes before the ``:``, the ``.`` after ``www`` and the ``@``, so no
such pattern survives and library text never becomes a link. Long text goes
through ``st.text``, which parses nothing. Only the project's own checked
http(s) URLs become links (:func:`md_link`).
"""
from __future__ import annotations

import re
import string
from urllib.parse import urlsplit

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_SPACE = re.compile(r"\s+")
#: Control characters (not tab or line ends), dropped from library text.
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
#: Where Streamlit would start an autolink: ``http(s)`` before ``://``, ``www`` before ``.``, the
#: ``@`` of an e-mail address.
_AUTOLINK = re.compile(r"(?i)(?<=http)(?=://)|(?<=https)(?=://)|(?<=www)(?=\.)|(?=@[-\w]+\.)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """``text`` as Markdown that renders exactly as ``text`` (on one line, control characters dropped,
    word joiners where an autolink would start)."""
    flat = _SPACE.sub(" ", CONTROL.sub("", str(text or ""))).strip()
    return _PUNCTUATION.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, flat))


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

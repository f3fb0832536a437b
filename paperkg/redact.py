"""Credentials out of text: what every message and log line that may hold a URI goes through.

A password can be given in ``NEO4J_PASSWORD``, in config.toml, or inside the URI itself
(``bolt://user:password@host``); and the Neo4j driver's own error text repeats the URI it
was given. :func:`redact` removes the user-info of every URI in a text and each known
secret; :func:`safe_uri` is one URI fit to print.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

#: ``scheme://user:password@``: the user-info part of any URI inside a text, up to the *last*
#: ``@`` before the host, as ``urlsplit`` reads it (a password may hold ``@``). Linear: the
#: scheme is bounded and the run of non-separators stops at the first ``/``, space or quote.
_URI_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,31}://)[^\s/'\"<>]*@")
#: Secrets shorter than this are not searched for in text (they would blank out ordinary words).
MIN_SECRET = 3


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with each secret written as ``***`` and the user-info of every URI removed.
    Secrets go first: removing user-info first could cut a password in two and leave a part."""
    for secret in sorted((s for s in secrets if len(s) >= MIN_SECRET), key=len, reverse=True):
        text = text.replace(secret, "***")
    return _URI_CREDENTIALS.sub(r"\1", text)


def safe_uri(uri: str) -> str:
    """The URI without any ``user:password@`` part."""
    try:
        parts = urlsplit(uri)
        if parts.username is None and parts.password is None:
            return redact(uri)
        host = parts.netloc.rsplit("@", 1)[-1]
    except ValueError:
        return "<unparsable URI>"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def uri_credentials(uri: str) -> tuple[str | None, str | None]:
    """User and password written inside ``uri`` (percent-decoded), or ``None``."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None, None
    return (unquote(parts.username) if parts.username else None, unquote(parts.password) if parts.password else None)


def uri_secrets(uri: str) -> set[str]:
    """The password inside ``uri``, as written and percent-decoded (empty if none)."""
    try:
        password = urlsplit(uri).password
    except ValueError:
        return set()
    return {password, unquote(password)} if password else set()

"""Widget values that live in the URL, for widgets whose labels differ from their values.

Streamlit's ``bind="query-params"`` writes a widget's *displayed* label to the URL
(``?lang=中文``, ``?mode=混合``), which changes with the interface language and
breaks shared links. For such widgets: :func:`restore` seeds the widget from the
URL before it is drawn, :func:`publish` writes its value back after.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st


def restore(key: str, default, allowed: Iterable | None = None, multi: bool = False,
            parse: Callable | None = None) -> None:
    """Give widget ``key`` its URL value (else ``default``) unless it already has one."""
    if key in st.session_state:
        return
    raw = st.query_params.get_all(key) if multi else st.query_params.get(key)
    value = parse(raw) if parse and raw not in (None, []) else raw
    if allowed is not None:
        allowed = list(allowed)
        value = [v for v in value if v in allowed] if multi else (value if value in allowed else None)
    st.session_state[key] = value if value not in (None, []) else default


def publish(key: str, value, default) -> None:
    """Put ``value`` in the URL, or drop the parameter when it is the default."""
    if value == default or value in (None, "", []):
        if key in st.query_params:
            del st.query_params[key]
    elif isinstance(value, (list, tuple)):
        st.query_params[key] = [str(v) for v in value]
    else:
        st.query_params[key] = str(value)

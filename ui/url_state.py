"""Widget values that live in the URL, for widgets whose labels differ from their values.

Streamlit's ``bind="query-params"`` writes a widget's *displayed* label to the URL
(``?lang=中文``, ``?mode=混合``), which changes with the interface language and
breaks shared links. For such widgets: :func:`restore` seeds the widget from the
URL before it is drawn, :func:`publish` writes its value back after.

A widget keeps the option labels it was first drawn with (the browser shows the old label
of an unchanged value), so a choice labelled in the interface language gets one widget per
language (:func:`language_key`): switching the language draws a fresh widget, restored from
the URL, in the new language's words. Labels built from data get one widget per version of it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

from paperkg.ui.i18n import current_language


def language_key(param: str) -> str:
    """The widget key of URL parameter ``param`` in the current interface language."""
    return f"{param}.{current_language()}"


def restore(key: str, default, allowed: Iterable | None = None, multi: bool = False,
            parse: Callable | None = None, param: str | None = None) -> None:
    """Give widget ``key`` its URL value (parameter ``param``, default ``key``; else ``default``)
    unless it already has one."""
    if key in st.session_state:
        return
    param = param or key
    raw = st.query_params.get_all(param) if multi else st.query_params.get(param)
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
        if st.query_params.get_all(key) != [str(v) for v in value]:
            st.query_params[key] = [str(v) for v in value]
    elif st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)


def choice(param: str, default, options: Iterable, draw: Callable, multi: bool = False, parse: Callable | None = None,
           labels_of: object = ""):
    """A choice kept in URL parameter ``param``, drawn by ``draw(key)`` in the interface language.
    ``labels_of``: what else the option labels depend on (e.g. the library version), for the same
    reason; such a choice always stays in the URL, since its default (the first option) can change."""
    key = language_key(param) + (f"@{labels_of}" if labels_of != "" else "")
    options = list(options)
    restore(key, default, allowed=options, multi=multi, parse=parse, param=param)
    value = draw(key)
    publish(param, value, None if labels_of != "" else default)
    return value

"""The paperkg Streamlit app: ``paperkg ui`` (or ``streamlit run ui/app.py``).

Pages live in ``ui/app_pages/`` (see :mod:`ui.nav` for their URLs). The sidebar's
language choice is kept in the ``lang`` query parameter, so every shared URL
opens in the language it was shared in.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script by streamlit: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from graph.base import StoreError
from ui import nav, search_bridge, state, url_state
from ui.i18n import LANGUAGES, default_language, t
from ui.safe import md


def main() -> None:
    st.set_page_config(page_title="paperkg", layout="wide")
    default = default_language(getattr(st.context, "locale", None))
    url_state.restore("lang", default, allowed=LANGUAGES)
    lang = st.sidebar.selectbox(t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")
    url_state.publish("lang", lang, None)
    pages = [st.Page(script, title=t(title), url_path=url, default=(script == nav.SEARCH))
             for script, url, title in nav.PAGES]
    page = st.navigation(pages, position="sidebar")
    try:
        chosen = state.settings()
        st.sidebar.caption(t("library_at", home=md(f"{chosen.home} ({chosen.backend})")))
        page.run()
        start_loading()
    except StoreError as exc:
        st.error(t("store_error", why=md(str(exc))))


def start_loading() -> None:
    """Open the store and the search engine on worker threads (once per process). Pages call
    this after drawing their first widgets, so the loading does not slow the first paint."""
    state.start_loading()
    search_bridge.start_loading()


if __name__ == "__main__":
    main()

"""The paperkg Streamlit app: ``paperkg ui`` (or ``streamlit run ui/app.py``).

Pages live in ``ui/app_pages/`` (see :mod:`ui.nav` for their URLs). The sidebar's
language choice is kept in the ``lang`` query parameter, so every shared URL
opens in the language it was shared in.
"""
from __future__ import annotations

import streamlit as st

from paperkg.errors import PaperkgError
from paperkg.ui import nav, resources, search_bridge, url_state
from paperkg.ui.i18n import LANGUAGES, default_language, t
from paperkg.ui.safe import md


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
        chosen = resources.settings()
        st.sidebar.caption(t("library_at", home=md(f"{chosen.home} ({chosen.backend})")))
        page.run()
        start_loading()
    except PaperkgError as exc:
        st.error(t("store_error", why=md(str(exc))))


def start_loading() -> None:
    """Open the store and the search engine on worker threads (once per process). Pages call
    this after drawing their first widgets, so the loading does not slow the first paint."""
    resources.start_loading()
    search_bridge.start_loading()


if __name__ == "__main__":
    main()

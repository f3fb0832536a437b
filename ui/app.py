"""The paperkg Streamlit app: ``paperkg ui`` (or ``streamlit run ui/app.py``).

Pages live in ``ui/app_pages/`` (see :mod:`ui.nav` for their URLs). The sidebar's
language choice is kept in the ``lang`` query parameter, so every shared URL
opens in the language it was shared in (a URL without one: the browser's).
Nothing is written to the URL before the page is chosen, and :mod:`ui.history`
keeps one browser-history entry per navigation, so Back and Forward return to
the page and state that were showing.
"""
from __future__ import annotations

import sqlite3

import streamlit as st

from paperkg.disk_errors import described
from paperkg.errors import PaperkgError
from paperkg.ui import history, nav, resources, search_bridge, style, url_state
from paperkg.ui.i18n import LANGUAGES, default_language, t
from paperkg.ui.safe import md


def main() -> None:
    st.set_page_config(page_title="paperkg", layout="wide")
    default = default_language(getattr(st.context, "locale", None))
    url_state.restore("lang", default, allowed=LANGUAGES)
    pages = [st.Page(script, title=t(title), url_path=url, icon=icon, default=(script == nav.SEARCH))
             for script, url, title, icon in nav.PAGES]
    page = st.navigation(pages, position="sidebar")
    lang = st.sidebar.selectbox(t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")
    # Written on every run, even unchanged: Streamlit updates the address bar only when the script
    # writes a parameter, and a link to the page already shown (another author from an author)
    # would otherwise leave the old address there, and Back nothing to return to.
    st.query_params["lang"] = lang
    style.apply()
    try:
        chosen = resources.settings()
        st.sidebar.caption(t("library_at", home=md(str(chosen.home)), backend=t(f"backend_{chosen.backend}")))
        page.run()
        start_loading()
    except PaperkgError as exc:
        st.error(t("store_error", why=md(str(exc))))
    except (OSError, sqlite3.Error) as exc:  # what the machine refused: a full disk, a read-only folder
        st.error(t("store_error", why=md(described(exc))))
    with st.sidebar:
        history.one_entry_per_page()


def start_loading() -> None:
    """Open the store and the search engine on worker threads (once per process). Pages call
    this after drawing their first widgets, so the loading does not slow the first paint."""
    resources.start_loading()
    search_bridge.start_loading()


if __name__ == "__main__":
    main()

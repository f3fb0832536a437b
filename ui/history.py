"""Back and Forward return to the page and state that were showing (see ``ui/assets/history.js``).

Every page's state lives in its URL, so one history entry per navigation is all Back
needs; the script makes Streamlit leave exactly one (it pushes two or three when a link
opens a page with query parameters). Mounted by ``ui/app.py`` on every run; it installs
itself once per browser tab.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

_SHIM = st.components.v2.component(
    "paperkg_history", js=(Path(__file__).resolve().parent / "assets" / "history.js").read_text(encoding="utf-8"),
    isolate_styles=False)


def one_entry_per_page() -> None:
    _SHIM(key="paperkg-history", height=0)

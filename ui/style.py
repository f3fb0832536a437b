"""The app's look: one font stack for Latin and Chinese text, and the few style rules
Streamlit has no option for.

Streamlit's Latin face is Source Sans; its CJK companion is Source Han Sans (packaged as
Noto Sans CJK SC, which ``make system-deps`` installs as ``fonts-noto-cjk``), so Chinese
and English on one line share proportions and weight. Without a stack the browser falls
back to whatever the machine has (Song and Kaiti beside the sans Latin face). ``paperkg
ui`` passes :data:`FONT` as the theme font; the network component draws with it too.

:func:`apply` adds page rules, all app text (no library text reaches CSS): Streamlit's
English-only helper texts are hidden or replaced by the interface language's words, links
in the page wrap instead of being clipped mid-word (Streamlit clips a link to one line), and
the title of each search result is the largest text of its card.
"""
from __future__ import annotations

from paperkg.ui.i18n import t

FONT = ('"Source Sans", "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei", '
        '"PingFang SC", "Microsoft YaHei", sans-serif')


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rules() -> str:
    """The page's own style rules, in the current interface language."""
    return f"""
[data-testid="InputInstructions"] {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"] {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{
    content: {_css_string(t("upload_button"))}; }}
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] span,
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"],
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] p {{ white-space: normal; overflow: visible; height: auto; }}
[class*="st-key-hit-"] [data-testid="stPageLink"] p {{ font-size: 1.2rem; font-weight: 600; line-height: 1.35; }}
[class*="st-key-hit-"] [data-testid="stPageLink"] a {{ padding-left: 0; }}
"""


def apply() -> None:
    import streamlit as st  # here, so ``paperkg ui`` reads FONT without importing Streamlit

    st.html(f"<style>{rules()}</style>")

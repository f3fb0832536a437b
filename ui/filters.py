"""The filter sidebar: category, institution, author and a date range, all in the URL.

A value that names nothing in the library (a typo such as "Googel") is said under its box
with the close names the CLI suggests, and so is a date that is no date or a start after
the end; the page then shows nothing filtered by it rather than a silently empty list.
Dates are typed (``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` as the CLI takes them) and apply
on Enter.
"""
from __future__ import annotations

import streamlit as st

from paperkg.graph.filters import PaperFilter, parse_date
from paperkg.ui import queries, url_state
from paperkg.ui.i18n import t
from paperkg.ui.safe import md


def sidebar_filters(ver: tuple, with_names: bool = True) -> PaperFilter | None:
    """The filters in the sidebar, or ``None`` (after saying why, under the box and above
    the page) when a value is unknown or invalid."""
    side = st.sidebar
    side.subheader(t("filters"), anchor=False)
    categories = queries.categories(ver)
    codes = [""] + [c["code"] for c in categories]
    names = {"": t("any"), **{c["code"]: f"{c['code']} {c.get('name_zh') or ''}".strip() for c in categories}}
    category = url_state.choice("category", "", codes, parse=str.upper, draw=lambda key: side.selectbox(
        t("category"), codes, key=key, format_func=names.get))
    problems: list[str] = []
    institution = author = None
    if with_names:
        institution = _name_box(ver, "institution", problems)
        author = _name_box(ver, "author", problems)
    since = _date_box("since", problems)
    until = _date_box("until", problems)
    if since and until and since[: len(until)] > until:
        side.caption(":red[" + t("dates_swapped", since=since, until=until) + "]")
        problems.append(t("dates_swapped", since=since, until=until))
    if problems:
        st.warning(t("fix_filters", problems=" · ".join(problems)))
        return None
    return PaperFilter(category=category or None, institution=institution, author=author, since=since, until=until)


def _name_box(ver: tuple, field: str, problems: list[str]) -> str | None:
    side = st.sidebar
    typed = (side.text_input(t(field), key=field, bind="query-params", help=t(f"{field}_help")) or "").strip()
    if not typed:
        return None
    known, close, people = queries.name_check(ver, field, typed)
    if not known:
        hint = t("no_such_name", kind=t(f"kind_{field}"), name=md(typed))
        if close:
            hint += " " + t("did_you_mean") + " " + md(", ".join(close))
        side.caption(":red[" + hint + "]")
        problems.append(hint)
        return None
    if people > 1:
        side.caption(t("name_means_people", name=md(typed), n=people))
    return typed


def _date_box(field: str, problems: list[str]) -> str | None:
    side = st.sidebar
    typed = (side.text_input(t(field), key=field, bind="query-params", placeholder="YYYY-MM-DD",
                             help=t("date_help")) or "").strip()
    if not typed:
        return None
    try:
        return parse_date(typed)
    except ValueError:
        hint = t("bad_date", value=md(typed))
        side.caption(":red[" + hint + "]")
        problems.append(hint)
        return None

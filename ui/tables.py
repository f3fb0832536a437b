"""Tables whose rows open a page when clicked, and monthly counts with every month on the axis.

pandas is imported where tables are drawn: the search page, the first page a user
sees, has none and starts faster without it. Cells are drawn on a canvas as text, so
library text needs no escaping here.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import streamlit as st

from paperkg.ui import nav
from paperkg.ui.i18n import t

if TYPE_CHECKING:
    import pandas as pd


def clickable_table(frame: "pd.DataFrame", node_ids: list[str], key: str, height: int | str = "auto",
                    wide: tuple[str, ...] = (), narrow: tuple[str, ...] = ()) -> None:
    """A table whose rows open the page of ``node_ids[row]``: a click on any cell of the row
    (its title, its name) opens it. Columns can be sorted by their headers."""
    config = {c: st.column_config.TextColumn(width="large" if c in wide else "small" if c in narrow else "medium")
              for c in frame.columns if frame[c].dtype.kind not in "iuf"}
    config.update({c: st.column_config.NumberColumn(width="small") for c in frame.columns if frame[c].dtype.kind in "iuf"})
    event = st.dataframe(frame, key=key, hide_index=True, on_select="rerun", selection_mode="single-cell",
                         height=height, column_config=config)
    selection = getattr(event, "selection", None)
    cells = getattr(selection, "cells", None) or []
    if cells and 0 <= cells[0][0] < len(node_ids):
        nav.go(node_ids[cells[0][0]])


def table_height(rows: int, most: int = 420) -> int:
    return min(38 + 35 * max(rows, 1), most)


def papers_table(papers: list[dict], key: str, limit: int = 500, height: int = 420) -> None:
    """Date, category, both titles and authors; a click on a row opens the paper."""
    import pandas as pd

    shown = papers[:limit]
    frame = pd.DataFrame({
        t("posted"): [(p.get("posted_at") or "")[:10] for p in shown],
        t("category"): [p.get("category", "") for p in shown],
        t("title_en"): [p.get("title", "") for p in shown],
        t("title_zh"): [p.get("title_zh", "") for p in shown],
        t("authors"): [p["authors"] if isinstance(p.get("authors"), str) else ", ".join(p.get("authors") or ())
                       for p in shown],
    })
    clickable_table(frame, ["paper:" + p["id"] for p in shown], key=key, height=table_height(len(shown), height),
                    wide=(t("title_en"),), narrow=(t("posted"), t("category")))


def names_table(rows: list[dict], count_label: str, key: str, limit: int = 200) -> None:
    """``[{id, name, papers}]`` as names and counts; a click on a row opens that page."""
    import pandas as pd

    shown = rows[:limit]
    frame = pd.DataFrame({t("name"): [r["name"] for r in shown], count_label: [r["papers"] for r in shown]})
    clickable_table(frame, [r["id"] for r in shown], key=key, height=table_height(len(shown), 380))


def months(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``, both included."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def monthly_frame(counts: dict[tuple[str, str], int], group: str) -> "pd.DataFrame":
    """``{(month, group): papers}`` as a frame with a row for every month between the first
    and the last and every group, months without papers at zero (so the axis has no gaps)."""
    import pandas as pd

    if not counts:
        return pd.DataFrame(columns=["month", group, "papers"])
    present = sorted({m for m, _ in counts})
    groups = sorted({g for _, g in counts})
    rows = [{"month": m, group: g, "papers": counts.get((m, g), 0)} for m in months(present[0], present[-1])
            for g in groups]
    return pd.DataFrame(rows, columns=["month", group, "papers"])


def monthly_chart(counts: dict[tuple[str, str], int], height: int = 220, by: str | None = None) -> None:
    """Papers per month as bars (stacked by ``by``, e.g. the category), empty months as zero bars."""
    group = by or "group"
    frame = monthly_frame(counts, group)
    st.bar_chart(frame, x="month", y="papers", color=by if by else None, x_label=t("month"),
                 y_label=t("paper_count"), height=height)


def paper_months(papers: list[dict]) -> dict[tuple[str, str], int]:
    """``{(YYYY-MM, ""): papers}`` of a list of papers."""
    return dict(Counter(((p.get("posted_at") or "")[:7], "") for p in papers if p.get("posted_at")))

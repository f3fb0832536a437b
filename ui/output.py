"""Printing for the CLI: JSON for scripts, rich tables for people."""
from __future__ import annotations

import sys

import orjson
from rich.console import Console
from rich.table import Table

stdout = Console(soft_wrap=False, highlight=False)
stderr = Console(stderr=True, highlight=False)


def print_json(value) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n")


def print_json_line(value) -> None:
    sys.stdout.write(orjson.dumps(value).decode("utf-8") + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """One plain line on stderr (no wrapping, no markup: messages carry user data)."""
    print(f"paperkg: {message}", file=sys.stderr)


def table(title: str | None, columns: list[str], rows: list[list]) -> None:
    t = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    stdout.print(t)


def short(text: str, width: int = 60) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"

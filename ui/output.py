"""Printing for the CLI: JSON for scripts, tables for people, library text always as text.

Digest text is untrusted: it reaches the terminal without markup interpretation
(rich would read ``[bold]`` or ``[link=…]`` in a title as styling) and with
control characters shown escaped (a raw ESC could recolour, retitle or hide
the terminal), in tables, in ``show`` output and in problem lines alike.
"""
from __future__ import annotations

import os
import re
import sys

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from paperkg.disk_errors import cause
from paperkg.errors import PaperkgError

stdout = Console(soft_wrap=False, highlight=False, markup=False, emoji=False)

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def visible(text: object) -> str:
    """``text`` with control characters (and bidi overrides) written as escapes, e.g. ``\\x1b``."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


class OutputFailed(PaperkgError):
    """Standard output refused the bytes (a full disk, a closed terminal)."""


class GuardedOutput:
    """``sys.stdout`` as the commands write to it: a write or flush the machine refuses
    becomes one :class:`OutputFailed` line instead of a traceback."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: OSError) -> OutputFailed:
        """Drop what cannot be written, so that the exit does not fail on it once more."""
        try:
            fd = self.stream.fileno()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass
        return OutputFailed(f"cannot write the output: {cause(exc) or exc.strerror or exc}")

    def __getattr__(self, name):
        return getattr(self.stream, name)


def print_json(value) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n")


def print_json_line(value) -> None:
    sys.stdout.write(orjson.dumps(value).decode("utf-8") + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    """One line on stdout (library text escaped)."""
    print(visible(message))


def note(message: str) -> None:
    """One line on stderr that is not an error: a problem in an input, a warning."""
    print(visible(message), file=sys.stderr)


def error(message: str) -> None:
    """One plain line on stderr (no wrapping, no markup: messages carry user data)."""
    print(f"paperkg: {visible(message)}", file=sys.stderr)


def table(title: str | None, columns: list[str], rows: list[list]) -> None:
    t = Table(title=Text(visible(title)) if title else None, show_lines=False, header_style="bold")
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*[Text("" if v is None else visible(v)) for v in row])
    stdout.print(t)


def heading(text: str) -> None:
    stdout.print(Text(visible(text), style="bold"))


def line(text: str) -> None:
    stdout.print(Text(visible(text)))


def short(text: str, width: int = 60) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 paper``, ``2 papers``, ``0 problems``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"

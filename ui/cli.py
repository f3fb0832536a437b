"""The ``paperkg`` command line: a thin layer over the library.

Exit codes: 0 ok, 1 some input rejected, 2 usage error or unreadable input.
Domain errors are one line on stderr that names the bad value and the fix.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from graph.base import StoreError
from graph.config import load_settings
from ingest.files import InputError
from ui.output import error

#: Each module adds its subcommands with ``register(subparsers)``.
COMMAND_MODULES = ["ui.commands.library", "ui.commands.search", "ui.commands.export", "ui.commands.sync", "ui.commands.app"]


class UsageError(Exception):
    """Bad arguments: exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's default prints usage and exits 2; keep the exit, one line
        self.print_usage(sys.stderr)
        error(message)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="paperkg", description="A searchable knowledge graph of research papers from paper digests.")
    parser.add_argument("--home", help="library folder (default: $PAPERKG_HOME or ~/.local/share/paperkg)")
    parser.add_argument("--backend", choices=["embedded", "neo4j"], help="graph store (default: $PAPERKG_BACKEND or embedded)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.settings = load_settings(home=args.home, backend=args.backend, model=getattr(args, "model", None))
        return int(args.run(args) or 0)
    except (StoreError, InputError, UsageError) as exc:
        error(str(exc))
        return getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        error("interrupted; the library is unchanged by the unfinished command")
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    sys.exit(main())

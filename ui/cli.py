"""The ``paperkg`` command line: a thin layer over :mod:`paperkg.services`.

Exit codes: 0 ok, 1 some input rejected, 2 usage error or unreadable input.
Domain errors are one line on stderr that names the bad value and the fix.
``--home`` and ``--backend`` are accepted before or after the subcommand.
"""
from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
import warnings

from paperkg.disk_errors import described
from paperkg.errors import PaperkgError
from paperkg.graph.config import load_settings
from paperkg.ui.output import GuardedOutput, error, note

#: Each module adds its subcommands with ``register(subparsers, library_options)``.
COMMAND_MODULES = ["paperkg.ui.commands.library", "paperkg.ui.commands.search", "paperkg.ui.commands.entities",
                   "paperkg.ui.commands.export", "paperkg.ui.commands.sync", "paperkg.ui.commands.app"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's default prints usage and exits 2; keep the exit, one line
        self.print_usage(sys.stderr)
        error(message)
        raise SystemExit(2)


def _library_options(default) -> argparse.ArgumentParser:
    """``--home`` and ``--backend``; the subcommands' copies leave the value alone unless given."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--home", default=default, metavar="DIR",
                         help="library folder (default: $PAPERKG_HOME, else ~/.local/share/paperkg)")
    options.add_argument("--backend", choices=["embedded", "neo4j"], default=default,
                         help="graph store (default: $PAPERKG_BACKEND, config.toml, else embedded)")
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="paperkg", description="A searchable knowledge graph of research papers from paper digests.",
                     parents=[_library_options(None)])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    shared = _library_options(argparse.SUPPRESS)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, shared)
    return parser


def _show_notice(message, category, filename, lineno, file=None, line=None) -> None:
    """Library notices (a slower path taken, a damaged cache rebuilt) as one ``paperkg:`` line."""
    from paperkg.search.errors import ModelNotice

    if issubclass(category, ModelNotice):
        note(f"paperkg: {message}")
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    warnings.showwarning = _show_notice
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    stdout, sys.stdout = sys.stdout, GuardedOutput(sys.stdout)
    try:
        args.settings = load_settings(home=args.home, backend=args.backend, model=getattr(args, "model", None),
                                      precision=getattr(args, "precision", None))
        code = int(args.run(args) or 0)
        sys.stdout.flush()  # a full disk under stdout shows here, not at exit
        return code
    except PaperkgError as exc:
        error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        error("interrupted; the library is unchanged by the unfinished command")
        return 130
    except BrokenPipeError:
        return 0
    except (OSError, sqlite3.Error) as exc:  # what the machine refused: a full disk, a read-only folder
        error(described(exc))
        return 2
    finally:
        sys.stdout = stdout


def run() -> None:
    sys.exit(main())

"""``paperkg ui``: the Streamlit app on this machine's loopback address.

The app is started as ``python -P -m streamlit run ui/app.py`` in place of this
process (so stopping ``paperkg ui`` stops the server), headless, with the library
chosen here (``--home``/``--backend``) passed on through ``PAPERKG_HOME`` /
``PAPERKG_BACKEND`` so the app opens the same library as every other command.
``-P`` keeps the folder the user starts from off ``sys.path``: a ``click.py`` or
``streamlit.py`` lying there is never imported in place of the real module.
"""
from __future__ import annotations

import importlib.util
import os
import socket
import sys
from pathlib import Path

from paperkg.errors import UsageError

APP = Path(__file__).resolve().parent.parent / "app.py"


def register(sub, shared) -> None:
    p = sub.add_parser("ui", parents=[shared], help="open the app (search, papers, networks, export, ingest) in the browser")
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default: 8501)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 shares it with the network)")
    p.set_defaults(run=cmd_ui)


def streamlit_command(host: str, port: int) -> list[str]:
    """The server's command line: the app's font stack (Latin and Chinese, see ``ui/style.py``)
    and no framework menu (its items are English only)."""
    from paperkg.ui.style import FONT

    return [sys.executable, "-P", "-m", "streamlit", "run", str(APP),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--server.fileWatcherType", "none", "--server.runOnSave", "false",
            "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
            "--client.showErrorDetails", "type", "--global.developmentMode", "false", "--theme.font", FONT]


def app_environment(settings, base: dict | None = None) -> dict:
    """The environment the app runs in: the caller's, with the chosen library made explicit."""
    env = dict(os.environ if base is None else base)
    env["PAPERKG_HOME"] = str(settings.home)
    env["PAPERKG_BACKEND"] = settings.backend
    if settings.model:
        env["PAPERKG_MODEL"] = settings.model
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return env


def check_port(host: str, port: int) -> None:
    if not 1 <= port <= 65535:
        raise UsageError(f"--port {port}: not a port; use a number from 1 to 65535, e.g. 8501")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host}: not an address of this machine ({exc.strerror}); use e.g. 127.0.0.1") from exc
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port or --host") from exc


def cmd_ui(args) -> int:
    if importlib.util.find_spec("streamlit") is None:
        raise UsageError("the app needs Streamlit; install it with pip install 'paperkg[app]'")
    check_port(args.host, args.port)
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"paperkg: app at http://{shown_host}:{args.port}/  (library {args.settings.home}); Ctrl+C stops it",
          file=sys.stderr, flush=True)
    command = streamlit_command(args.host, args.port)
    os.execve(command[0], command, app_environment(args.settings))

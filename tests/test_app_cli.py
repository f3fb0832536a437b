"""``paperkg ui``: starts the app on 127.0.0.1 by default, on the library chosen on the
command line, and refuses a busy port with one clear line. And the CLI an analyst uses
beside the app: library options after the subcommand, Chinese titles, an empty query,
ids in the search table, what an export of references reports, filter typos, plurals,
and help text for every flag."""
from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys

import pytest
from tests.app_helpers import ROOT, app_env, free_port, wait_healthy

pytestmark = pytest.mark.slow



def other_address() -> str | None:
    """A non-loopback address of this machine, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


@pytest.mark.parametrize("host", [None, "0.0.0.0"])
def test_ui_serves_on_loopback_unless_told(tmp_path, host):
    address = other_address()
    if host and address is None:
        pytest.skip("this machine has no non-loopback address to reach the server on")
    port = free_port()
    command = [sys.executable, "-m", "paperkg", "--home", str(tmp_path / "lib"), "ui", "--port", str(port)]
    proc = subprocess.Popen(command + (["--host", host] if host else []), cwd=ROOT, env=app_env(tmp_path / "unused"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(port, proc)
        if address is not None and host is None:
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=2).close()
        elif host:
            socket.create_connection((address, port), timeout=2).close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_busy_port_is_one_clear_line(tmp_path, cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("ui", "--port", str(port), home=tmp_path / "lib", timeout=60)
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "--port" in lines[0]


def test_bad_port_is_one_clear_line(tmp_path, cli):
    result = cli("ui", "--port", "70000", home=tmp_path / "lib", timeout=60)
    assert result.returncode == 2
    assert result.stderr.decode().strip() == "paperkg: --port 70000: not a port; use a number from 1 to 65535, e.g. 8501"


def test_app_gets_the_library_chosen_on_the_command_line(tmp_path):
    """The running server's own environment and command line (read from /proc, where the
    process that ``paperkg ui`` became lives): the library named after the subcommand
    wins over ``PAPERKG_HOME``, and the working directory is kept off ``sys.path`` (-P)."""
    port = free_port()
    chosen = tmp_path / "chosen"
    env = {**app_env(tmp_path / "elsewhere"), "PAPERKG_BACKEND": "embedded"}
    proc = subprocess.Popen([sys.executable, "-m", "paperkg", "ui", "--home", str(chosen), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(port, proc)
        environ = dict(item.split("=", 1) for item in
                       open(f"/proc/{proc.pid}/environ", "rb").read().decode().split("\0") if "=" in item)
        argv = open(f"/proc/{proc.pid}/cmdline", "rb").read().decode().split("\0")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert environ["PAPERKG_HOME"] == str(chosen) and environ["PAPERKG_BACKEND"] == "embedded"
    assert argv[1:4] == ["-P", "-m", "streamlit"] and argv[argv.index("--server.address") + 1] == "127.0.0.1"


# -- the CLI beside the app ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from tests.app_helpers import shared_library

    return shared_library(tmp_path_factory)


@pytest.mark.model
def test_library_options_work_after_the_subcommand(cli, library):
    before = json.loads(cli("stats", "--json", home=library).stdout)
    after = cli("stats", "--json", "--home", str(library), "--backend", "embedded")
    assert after.returncode == 0 and json.loads(after.stdout)["papers"] == before["papers"] == 64


@pytest.mark.model
def test_show_takes_a_chinese_title(cli, library):
    from tests.app_helpers import sample_entry

    entry = sample_entry("Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth")
    shown = cli("show", entry["title_zh"], "--json", home=library)
    assert shown.returncode == 0 and json.loads(shown.stdout)["id"] == entry["id"]


@pytest.mark.model
def test_an_empty_query_is_a_usage_error(cli, library):
    result = cli("search", "", home=library)
    assert result.returncode == 2 and len(result.stderr.decode().strip().splitlines()) == 1


@pytest.mark.model
def test_the_search_table_shows_ids_and_how_well_each_matches(cli, library):
    hits = json.loads(cli("search", "diffusion", "-k", "3", "--json", home=library).stdout)
    table = cli("search", "diffusion", "-k", "3", home=library, env={"COLUMNS": "250"}).stdout.decode()
    assert "match" in table.splitlines()[1] or "match" in table
    for hit in hits:
        assert hit["id"] in table and hit["match"] in table


@pytest.mark.model
def test_an_export_of_references_reports_what_the_file_holds_in_search_order(cli, library, tmp_path):
    query = "注意力 秩 坍缩"
    hits = json.loads(cli("search", query, "-k", "5", "--json", home=library).stdout)
    out = tmp_path / "x.ris"
    result = cli("export", "--query", query, "-k", "5", "-o", str(out), home=library)
    assert result.returncode == 0
    assert result.stderr.decode().strip() == f"wrote 5 references as ris to {out}"
    titles = [line[6:] for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("TI  - ")]
    assert titles == [h["title"] for h in hits]


@pytest.mark.model
@pytest.mark.parametrize("args,needle", [(["papers", "--institution", "Berkly"], "did you mean: UC Berkeley"),
                                         (["search", "x", "--category", "XX"], "known codes: AI, AS, CL"),
                                         (["search", "robot", "--institution", "Googel"], "Google"),
                                         (["papers", "--author", "Y Dongg"], "Y Dong")])
def test_filter_typos_exit_2_with_close_names(cli, library, args, needle):
    result = cli(*args, home=library)
    err = result.stderr.decode().strip()
    assert result.returncode == 2 and len(err.splitlines()) == 1 and needle in err, err


@pytest.mark.model
def test_counts_of_one_are_singular(cli, tmp_path):
    digest = tmp_path / "one.txt"
    digest.write_text("""LG - 机器学习

1、[LG] A title with no authors


2、[LG] Good Paper About Graph Sparsification

A Author, B Author
[Some Lab]
图稀疏化的好论文。一段关于图稀疏化的中文摘要。 An English abstract about sparsifying graphs. https://weibo.com/1402400261/K5u2mypvD
""", encoding="utf-8")
    result = cli("ingest", str(digest), home=tmp_path / "lib")
    said = result.stdout.decode()
    assert result.returncode == 1
    assert "1 paper added, 0 updated, 1 problem" in said and "1 problems" not in said and "1 papers" not in said


def test_every_flag_has_help_text():
    from paperkg.ui.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    flags = [(name, action) for name, sub in [("paperkg", parser), *commands.items()] for action in sub._actions
             if action.dest != "help" and not isinstance(action, argparse._SubParsersAction)]
    assert len(commands) >= 15 and len(flags) > 100
    assert [f"{name} {'/'.join(a.option_strings) or a.dest}" for name, a in flags if not a.help] == []

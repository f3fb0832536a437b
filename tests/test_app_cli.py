"""``paperkg ui``: starts the app on 127.0.0.1 by default, on the library chosen on the
command line, and refuses a busy port with one clear line."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from tests.app_helpers import ROOT, app_env, free_port, wait_healthy

from paperkg.graph.config import load_settings
from paperkg.ui.commands.app import app_environment, streamlit_command


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
    settings = load_settings(home=str(tmp_path / "chosen"), backend="embedded", environ={"PAPERKG_HOME": "/elsewhere"})
    env = app_environment(settings, base={"PAPERKG_HOME": "/elsewhere", "PATH": "/bin"})
    assert env["PAPERKG_HOME"] == str(tmp_path / "chosen") and env["PAPERKG_BACKEND"] == "embedded"
    command = streamlit_command("127.0.0.1", 8765)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.headless") + 1] == "true"

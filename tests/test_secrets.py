"""Issue 13, point 7: no password reaches a message or a log, wherever it was given (inside
NEO4J_URI, in NEO4J_PASSWORD, in config.toml) and whichever way the connection fails (server
down, wrong password, missing database, bad scheme), on the real ArcadeDB Bolt server."""
from __future__ import annotations

import logging
import socket
from urllib.parse import urlsplit

import pytest

from paperkg.graph.config import load_settings

pytestmark = [pytest.mark.bolt]

pytest.importorskip("neo4j")

SECRET = "UriSecret99"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _hostport(uri: str) -> str:
    return urlsplit(uri).netloc.rsplit("@", 1)[-1]


def _cases(server) -> dict[str, tuple[str, str, str | None]]:
    """failure -> (uri, password, database) as the user would set them; ``{secret}`` marks
    where the secret goes."""
    live = _hostport(server.uri)
    down = f"127.0.0.1:{_closed_port()}"
    return {
        "server down": (f"bolt://{{user}}:{{secret}}@{down}", "{secret}", server.database),
        "wrong password": (f"bolt://{{user}}:{{secret}}@{live}", "{secret}", server.database),
        "missing database": (f"bolt://{live}", server.password, "no_such_database"),
        "bad scheme": (f"http://{{user}}:{{secret}}@{live}", "{secret}", server.database),
    }


WHERE = ["uri", "env password", "config.toml"]
EXPECTED = {"server down": "cannot connect to the Neo4j server at bolt://127.0.0.1:",
            "wrong password": "rejected the user name or password", "missing database": "has no database 'no_such_database'",
            "bad scheme": "is not a Bolt address"}


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("failure", ["server down", "wrong password", "missing database", "bad scheme"])
def test_no_password_in_any_error_or_log(cli, bolt_server, tmp_path, caplog, failure, where):
    uri, password, database = _cases(bolt_server)[failure]
    secret = bolt_server.password if failure == "missing database" else SECRET
    uri_with = uri.format(user=bolt_server.user, secret=secret)
    if failure == "missing database":
        uri_with = uri_with.replace("bolt://", f"bolt://{bolt_server.user}:{secret}@")
    password = password.format(secret=secret)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PAPERKG_BACKEND": "neo4j", "NEO4J_USER": bolt_server.user, "NEO4J_DATABASE": database or ""}
    if where == "uri":
        env.update(NEO4J_URI=uri_with, NEO4J_PASSWORD="")
    elif where == "env password":
        env.update(NEO4J_URI=uri.split("://")[0] + "://" + _hostport(uri_with), NEO4J_PASSWORD=password)
    else:
        (home / "config.toml").write_text(f'backend = "neo4j"\n[neo4j]\nuri = "{uri_with}"\npassword = "{password}"\n'
                                          f'user = "{bolt_server.user}"\n')
        env.update(NEO4J_URI="", NEO4J_PASSWORD="", NEO4J_USER="")
    caplog.set_level(logging.DEBUG)
    result = cli("stats", home=home, env=env)
    assert result.returncode == 2, result.stdout
    err = result.stderr.decode()
    assert err.startswith("paperkg: ") and err.count("\n") == 1, err
    assert EXPECTED[failure] in err, err
    assert secret not in err and secret not in result.stdout.decode()
    logged = [record.getMessage() for record in caplog.records]
    assert logged or failure == "bad scheme"  # the driver logged its attempt (a bad scheme never reaches it)
    assert not [line for line in logged if secret in line]


def test_settings_repr_hides_the_uri_password():
    settings = load_settings("/tmp/x", environ={"NEO4J_URI": f"bolt://root:{SECRET}@db:7687", "NEO4J_PASSWORD": SECRET})
    assert SECRET not in repr(settings) and "db:7687" in repr(settings)

"""Settings: command-line flags, then environment, then a config file, then defaults.

The library directory is ``--home``, else ``PAPERKG_HOME``, else
``$XDG_DATA_HOME/paperkg`` (``~/.local/share/paperkg``). The config file is
``PAPERKG_CONFIG`` or ``<home>/config.toml``, e.g.::

    backend = "neo4j"
    model = "multilingual-e5-small"
    [neo4j]
    uri = "bolt://db.example.org:7687"
    user = "paperkg"
    database = "neo4j"

Credentials are read but never printed: ``Settings.__repr__`` hides the password.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from graph.base import StoreError

BACKENDS = ("embedded", "neo4j")


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "paperkg"


@dataclass
class Neo4jSettings:
    uri: str = "bolt://localhost:7687"
    user: str = "neo4j"
    password: str = field(default="", repr=False)
    database: str | None = None


@dataclass
class Settings:
    home: Path
    backend: str = "embedded"
    model: str | None = None
    neo4j: Neo4jSettings = field(default_factory=Neo4jSettings)
    config_file: Path | None = None


def load_settings(home: str | None = None, backend: str | None = None, model: str | None = None,
                  environ: dict | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home_path = Path(home or env.get("PAPERKG_HOME") or default_home()).expanduser()
    config_path = Path(env["PAPERKG_CONFIG"]).expanduser() if env.get("PAPERKG_CONFIG") else home_path / "config.toml"
    config: dict = {}
    if config_path.is_file():
        try:
            config = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(f"{config_path}: cannot read the config file: {exc}") from exc
    neo = config.get("neo4j", {}) if isinstance(config.get("neo4j"), dict) else {}
    chosen_backend = (backend or env.get("PAPERKG_BACKEND") or config.get("backend") or "embedded").lower()
    if chosen_backend not in BACKENDS:
        raise StoreError(f"unknown backend {chosen_backend!r}; use one of: {', '.join(BACKENDS)}")
    neo4j = Neo4jSettings(
        uri=env.get("NEO4J_URI") or neo.get("uri") or Neo4jSettings.uri,
        user=env.get("NEO4J_USER") or neo.get("user") or Neo4jSettings.user,
        password=env.get("NEO4J_PASSWORD") or neo.get("password") or "",
        database=env.get("NEO4J_DATABASE") or neo.get("database") or None,
    )
    return Settings(home=home_path, backend=chosen_backend, model=model or env.get("PAPERKG_MODEL") or config.get("model"),
                    neo4j=neo4j, config_file=config_path if config else None)

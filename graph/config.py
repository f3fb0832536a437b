"""Settings: command-line flags, then environment, then a config file, then defaults.

The library directory is ``--home``, else ``PAPERKG_HOME``, else
``$XDG_DATA_HOME/paperkg`` (``~/.local/share/paperkg``). The config file is
``PAPERKG_CONFIG`` or ``<home>/config.toml``, e.g.::

    backend = "neo4j"
    model = "multilingual-e5-small"
    precision = "default"    # or "int8": faster, slightly less exact (reindex after switching)
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

from paperkg.errors import UsageError

BACKENDS = ("embedded", "neo4j")
#: Embedding precisions: the model's own vectors, or the opt-in int8 compilation (see paperkg.search.models).
PRECISIONS = ("default", "int8")


def default_home(environ=None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "paperkg"


@dataclass
class Neo4jSettings:
    uri: str = "bolt://localhost:7687"
    user: str = "neo4j"
    password: str = field(default="", repr=False)
    database: str | None = None

    def __repr__(self) -> str:  # the password, also one written inside the URI, never shows
        from paperkg.redact import safe_uri

        return f"Neo4jSettings(uri={safe_uri(self.uri)!r}, user={self.user!r}, database={self.database!r})"


@dataclass
class Settings:
    home: Path
    backend: str = "embedded"
    model: str | None = None
    precision: str | None = None  # None: the index's precision, else "default"
    neo4j: Neo4jSettings = field(default_factory=Neo4jSettings)
    config_file: Path | None = None


#: The keys a config file may hold, and the TOML type each must have.
_CONFIG_KEYS = {"backend": str, "model": str, "precision": str, "neo4j": dict}
_NEO4J_KEYS = {"uri": str, "user": str, "password": str, "database": str}
_TOML_TYPE = {str: "a string", dict: "a table", int: "a number"}


def _checked(table: dict, allowed: dict, where: str, path: Path) -> dict:
    """``table`` with every key of ``allowed`` that it holds, checked for its type; a wrong
    type is one line naming the key, the type wanted and the file (never the value: it may
    be a password)."""
    found = {}
    for key, wanted in allowed.items():
        if key not in table:
            continue
        value = table[key]
        if not isinstance(value, wanted):
            example = f"[{key}] on a line of its own" if wanted is dict else f'{key} = "..."'
            raise UsageError(f"{path}: {where}{key} must be {_TOML_TYPE[wanted]} (e.g. {example}), "
                             f"not {_toml_type(value)}; fix the config file")
        found[key] = value
    return found


def _toml_type(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def read_config(path: Path) -> dict:
    """The settings of a config file (``{}`` when there is none), type-checked."""
    if not path.is_file():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"{path}: cannot read the config file ({reason}); fix or remove it") from exc
    config = _checked(raw, _CONFIG_KEYS, "", path)
    if "neo4j" in config:
        config["neo4j"] = _checked(config["neo4j"], _NEO4J_KEYS, "[neo4j] ", path)
    return config


def load_settings(home: str | None = None, backend: str | None = None, model: str | None = None,
                  environ: dict | None = None, precision: str | None = None) -> Settings:
    """Flags (the arguments), then the environment, then the config file, then defaults."""
    env = os.environ if environ is None else environ
    if home is not None and not home.strip():
        raise UsageError("--home is empty; give the library folder, e.g. --home ~/papers")
    if home is None and "PAPERKG_HOME" in env and not env["PAPERKG_HOME"].strip():
        raise UsageError("PAPERKG_HOME is set but empty; set it to the library folder or unset it")
    home_path = Path(home or env.get("PAPERKG_HOME") or default_home(env)).expanduser()
    config_path = Path(env["PAPERKG_CONFIG"]).expanduser() if env.get("PAPERKG_CONFIG") else home_path / "config.toml"
    config = read_config(config_path)
    neo = config.get("neo4j", {})
    chosen_backend = (backend or env.get("PAPERKG_BACKEND") or config.get("backend") or "embedded").lower()
    if chosen_backend not in BACKENDS:
        raise UsageError(f"unknown backend {chosen_backend!r}; use one of: {', '.join(BACKENDS)}")
    neo4j = Neo4jSettings(
        uri=env.get("NEO4J_URI") or neo.get("uri") or Neo4jSettings.uri,
        user=env.get("NEO4J_USER") or neo.get("user") or Neo4jSettings.user,
        password=env.get("NEO4J_PASSWORD") or neo.get("password") or "",
        database=env.get("NEO4J_DATABASE") or neo.get("database") or None,
    )
    chosen_precision = (precision or env.get("PAPERKG_PRECISION") or config.get("precision") or "").strip().lower()
    if chosen_precision and chosen_precision not in PRECISIONS:
        raise UsageError(f"unknown precision {chosen_precision!r}; use one of: {', '.join(PRECISIONS)}")
    return Settings(home=home_path, backend=chosen_backend, model=model or env.get("PAPERKG_MODEL") or config.get("model"),
                    precision=chosen_precision or None, neo4j=neo4j, config_file=config_path if config else None)
